package eventbus

import (
	"testing"
)

// FuzzMatcher feeds arbitrary patterns and events to the compiler and the
// matcher: they must return errors, never panic, and a compiled pattern must
// match deterministically.
func FuzzMatcher(f *testing.F) {
	f.Add(`{"detail":{"state":["ALARM"]}}`, `{"detail":{"state":"ALARM"}}`)
	f.Add(`{"$or":[{"a":[{"numeric":[">",1]}]},{"b":[{"suffix":"x"}]}]}`, `{"a":2,"b":"yx"}`)
	f.Add(`{"a":[{"anything-but":{"prefix":"p"}}]}`, `{"a":["pq","r"]}`)
	f.Add(`{"a":{"b":[null,"",0,true]}}`, `{"a":[{"b":null},{"b":[1,2]}]}`)
	f.Add(`{"a":[{"wildcard":"x*y\\*"}]}`, `{"a":"xzy*"}`)
	f.Fuzz(func(t *testing.T, pattern, event string) {
		m, err := NewMatcher([]Rule{{Name: "r", File: "r.json", Pattern: []byte(pattern)}})
		if err != nil {
			return
		}
		first, err1 := m.Match([]byte(event))
		second, err2 := m.Match([]byte(event))
		if (err1 == nil) != (err2 == nil) || len(first) != len(second) {
			t.Fatalf("non-deterministic: %v %v / %v %v", first, err1, second, err2)
		}
	})
}
