package jsonpath

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func doc(t testing.TB, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGet(t *testing.T) {
	const in = `{"a":{"b":[1,2,3,4]},"x y":5,"list":[{"n":"p","v":1},{"n":"q","v":2}],"deep":{"n":"r"}}`
	tests := []struct {
		path string
		want string
	}{
		{"$", in},
		{"$.a.b", `[1,2,3,4]`},
		{"$.a.b[1]", `2`},
		{"$.a.b[-1]", `4`},
		{"$['x y']", `5`},
		{"$.list[*].n", `["p","q"]`},
		{"$.a.b[1:3]", `[2,3]`},
		{"$.a.b[::2]", `[1,3]`},
		{"$.a.b[0,3]", `[1,4]`},
		{"$..n", `["r","p","q"]`},
		{"$.list[1]['v']", `2`},
		{"$.list[?(@.v > 1)].n", `["q"]`},
		{"$.list[?(@.n == 'p' || @.v >= 2)].v", `[1,2]`},
		{"$.list[?(@.v)].n", `["p","q"]`},
		{"$.list[?(!(@.v < 2) && @['n'] != \"x\")].n", `["q"]`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			p, err := Parse(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Get(doc(t, in))
			if err != nil {
				t.Fatal(err)
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(doc(t, tc.want))
			if string(gb) != string(wb) {
				t.Errorf("Get(%s) = %s, want %s", tc.path, gb, wb)
			}
		})
	}
}

func TestGetNotFound(t *testing.T) {
	for _, path := range []string{"$.nope", "$.a.b[9]", "$.a.b.c", "$.a[0]"} {
		t.Run(path, func(t *testing.T) {
			p, err := Parse(path)
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Get(doc(t, `{"a":{"b":[1]}}`))
			var nf *ErrNotFound
			if !errors.As(err, &nf) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ path, want string }{
		{"a.b", "must start with '$'"},
		{"$.", "expected a field name"},
		{"$[", "unclosed '['"},
		{"$[(@.length-1)]", "script expressions are not supported"},
		{"$[?(@.a ==)]", "missing operand"},
		{"$[?@.a]", "must be written [?(...)]"},
		{"$.a[x]", "bad index"},
		{"$[::0]", "step cannot be 0"},
		{"$x", "unexpected"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			_, err := Parse(tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse(%q) err = %v, want it to contain %q", tc.path, err, tc.want)
			}
		})
	}
}

func TestSet(t *testing.T) {
	tests := []struct {
		name, path, in, val, want, wantErr string
	}{
		{"root replaces", "$", `{"a":1}`, `2`, `2`, ""},
		{"creates objects", "$.a.b.c", `{"a":{"x":1}}`, `true`, `{"a":{"x":1,"b":{"c":true}}}`, ""},
		{"into array element", "$.a[1].k", `{"a":[{},{}]}`, `1`, `{"a":[{},{"k":1}]}`, ""},
		{"through a string", "$.a.b", `{"a":"s"}`, `1`, "", "not a JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			orig := doc(t, tc.in)
			got, err := p.Set(orig, doc(t, tc.val))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(doc(t, tc.want))
			if string(gb) != string(wb) {
				t.Errorf("Set = %s, want %s", gb, wb)
			}
			if ob, _ := json.Marshal(orig); string(ob) != string(mustMarshal(doc(t, tc.in))) {
				t.Errorf("Set modified its input: %s", ob)
			}
		})
	}
}

func mustMarshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func FuzzJSONPath(f *testing.F) {
	for _, s := range []string{"$", "$.a.b[0]", "$['x'].y[*]", "$..n", "$.a[1:3:2]", "$$.Map.Item.Value", "$.a[0,1]", "$['a','b']", "$.n[?(@.n > 0 && !(@.m))]"} {
		f.Add(s)
	}
	in := map[string]any{"a": map[string]any{"b": []any{1.0, "x", nil}}, "n": []any{map[string]any{"n": 1.0}}}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		_, _ = p.Get(in)
		if p.IsReference() {
			_, _ = p.Set(in, 1.0)
		}
	})
}
