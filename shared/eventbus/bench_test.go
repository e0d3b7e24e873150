package eventbus

import (
	"os"
	"testing"
)

// BenchmarkMatchProjectRules matches an alarm sample against the project's
// rules (quamina plus the Go residual path of replication-lag-alarm).
func BenchmarkMatchProjectRules(b *testing.B) {
	rules, err := LoadRules("../../events/rules")
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewMatcher(rules)
	if err != nil {
		b.Fatal(err)
	}
	ev, err := os.ReadFile("../../events/samples/alarm-aurora-replication-lag.json")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := m.Match(ev); err != nil {
			b.Fatal(err)
		}
	}
}
