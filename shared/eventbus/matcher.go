package eventbus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"quamina.net/go/quamina"
)

// Matcher matches events against a set of rules with EventBridge semantics.
// It is safe for concurrent use.
type Matcher struct {
	mu     sync.Mutex // quamina instances are not safe for concurrent use
	q      *quamina.Quamina
	alts   []compiledAlt
	always []int // alternatives with no quamina part
	names  []string
}

type compiledAlt struct {
	rule     string
	residual []residualField
}

// NewMatcher compiles rules. Rule names must be unique.
func NewMatcher(rules []Rule) (*Matcher, error) {
	q, err := quamina.New()
	if err != nil {
		return nil, fmt.Errorf("creating quamina matcher: %w", err)
	}
	m := &Matcher{q: q}
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.Name] {
			return nil, &RuleError{File: r.File, Err: fmt.Errorf("duplicate rule name %q", r.Name)}
		}
		seen[r.Name] = true
		m.names = append(m.names, r.Name)
		alts, err := compilePattern(r.Pattern)
		if err != nil {
			return nil, &RuleError{File: r.File, Err: err}
		}
		for _, a := range alts {
			idx := len(m.alts)
			m.alts = append(m.alts, compiledAlt{rule: r.Name, residual: a.residual})
			if a.quamina == nil {
				m.always = append(m.always, idx)
				continue
			}
			p, err := json.Marshal(a.quamina)
			if err != nil {
				return nil, &RuleError{File: r.File, Err: fmt.Errorf("re-encoding pattern: %w", err)}
			}
			if err := m.q.AddPattern(idx, string(p)); err != nil {
				return nil, &RuleError{File: r.File, Err: fmt.Errorf("quamina refused the pattern: %w", err)}
			}
		}
	}
	sort.Strings(m.names)
	return m, nil
}

// Rules returns the names of the compiled rules, sorted.
func (m *Matcher) Rules() []string { return append([]string(nil), m.names...) }

// Match returns the names of the rules event matches, sorted. event must be
// a JSON object; it need not be a full EventBridge envelope.
func (m *Matcher) Match(event []byte) ([]string, error) {
	trimmed := bytes.TrimSpace(event)
	if !json.Valid(trimmed) || len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, fmt.Errorf("matching: the event must be a JSON object")
	}
	m.mu.Lock()
	xs, err := m.q.MatchesForEvent(trimmed)
	m.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("matching: %w", err)
	}
	candidates := make([]int, 0, len(xs)+len(m.always))
	for _, x := range xs {
		candidates = append(candidates, x.(int))
	}
	candidates = append(candidates, m.always...)

	var doc any
	decoded := false
	matched := map[string]bool{}
	for _, idx := range candidates {
		alt := m.alts[idx]
		if matched[alt.rule] {
			continue
		}
		if len(alt.residual) > 0 && !decoded {
			dec := json.NewDecoder(bytes.NewReader(trimmed))
			dec.UseNumber()
			if err := dec.Decode(&doc); err != nil {
				return nil, fmt.Errorf("matching: %w", err)
			}
			decoded = true
		}
		ok := true
		for _, rf := range alt.residual {
			if !rf.matches(doc) {
				ok = false
				break
			}
		}
		if ok {
			matched[alt.rule] = true
		}
	}
	names := make([]string, 0, len(matched))
	for n := range matched {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}
