package static

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// substitutionRe matches a CDK definition substitution such as
// ${ExecutorFunctionArn}. Names follow CloudFormation's logical-ID-like rule.
var substitutionRe = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// substitutions returns the distinct ${Name} placeholders in raw, sorted.
func substitutions(raw []byte) []string {
	seen := map[string]bool{}
	for _, m := range substitutionRe.FindAllSubmatch(raw, -1) {
		seen[string(m[1])] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// checkDefinition runs the structural checks on one ASL definition (JSONPath
// or JSONata, parsed here without shared/asl): every StartAt / Next / Default /
// Choices[].Next / Catch[].Next names a state of the same scope, every state is
// reachable from its scope's StartAt (recursively in Parallel branches and Map
// processors), States.ALL appears alone and last in Retry and Catch, and every
// ${Substitution} is in allowed. It returns one message per problem, each
// naming the scope and state; nil means the definition passed.
func checkDefinition(raw []byte, allowed map[string]bool) []string {
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		return []string{fmt.Sprintf("not a JSON object: %v", err)}
	}
	var problems []string
	checkScope(root, "", &problems)
	for _, name := range substitutions(raw) {
		if !allowed[name] {
			problems = append(problems, fmt.Sprintf(
				"substitution ${%s} is not provided: list it in statemachines/substitutions.json (the names the CDK app and the local runtime both supply)", name))
		}
	}
	return problems
}

// checkScope checks one States object (the top level, a Parallel branch or a
// Map processor). scope is a human-readable location prefix.
func checkScope(def map[string]any, scope string, problems *[]string) {
	where := scope
	if where == "" {
		where = "top level"
	}
	add := func(format string, args ...any) {
		*problems = append(*problems, where+": "+fmt.Sprintf(format, args...))
	}
	states, ok := def["States"].(map[string]any)
	if !ok || len(states) == 0 {
		add("States must be a non-empty object")
		return
	}
	startAt, _ := def["StartAt"].(string)
	if _, ok := states[startAt]; !ok {
		add("StartAt %q does not name a state of this scope", startAt)
	}

	edges := map[string][]string{}
	names := make([]string, 0, len(states))
	for name := range states {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		st, ok := states[name].(map[string]any)
		if !ok {
			add("state %q is not an object", name)
			continue
		}
		for _, tr := range transitions(st) {
			if _, ok := states[tr.target]; !ok {
				add("state %q: %s %q does not name a state of this scope", name, tr.field, tr.target)
				continue
			}
			edges[name] = append(edges[name], tr.target)
		}
		checkErrorEquals(st, "Retry", func(msg string) { add("state %q: %s", name, msg) })
		checkErrorEquals(st, "Catch", func(msg string) { add("state %q: %s", name, msg) })
		if branches, ok := st["Branches"].([]any); ok {
			for i, b := range branches {
				bm, _ := b.(map[string]any)
				checkScope(bm, fmt.Sprintf("%s%s.Branches[%d]", prefix(scope), name, i), problems)
			}
		}
		for _, k := range []string{"ItemProcessor", "Iterator"} {
			if p, ok := st[k].(map[string]any); ok {
				checkScope(p, fmt.Sprintf("%s%s.%s", prefix(scope), name, k), problems)
			}
		}
	}

	reached := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if reached[n] {
			return
		}
		reached[n] = true
		for _, next := range edges[n] {
			visit(next)
		}
	}
	if _, ok := states[startAt]; ok {
		visit(startAt)
	}
	for _, name := range names {
		if !reached[name] {
			add("state %q is not reachable from StartAt %q", name, startAt)
		}
	}
}

func prefix(scope string) string {
	if scope == "" {
		return ""
	}
	return scope + " > "
}

// transition is one outgoing edge of a state.
type transition struct {
	field  string
	target string
}

// transitions lists every Next / Default / Choices[i].Next / Catch[i].Next of st.
func transitions(st map[string]any) []transition {
	var out []transition
	if n, ok := st["Next"].(string); ok {
		out = append(out, transition{"Next", n})
	}
	if n, ok := st["Default"].(string); ok {
		out = append(out, transition{"Default", n})
	}
	if choices, ok := st["Choices"].([]any); ok {
		for i, c := range choices {
			if cm, ok := c.(map[string]any); ok {
				if n, ok := cm["Next"].(string); ok {
					out = append(out, transition{fmt.Sprintf("Choices[%d].Next", i), n})
				}
			}
		}
	}
	if catches, ok := st["Catch"].([]any); ok {
		for i, c := range catches {
			if cm, ok := c.(map[string]any); ok {
				if n, ok := cm["Next"].(string); ok {
					out = append(out, transition{fmt.Sprintf("Catch[%d].Next", i), n})
				}
			}
		}
	}
	return out
}

// checkErrorEquals enforces the spec's rule that asl-validator 4.0.0 does not:
// States.ALL must be the only name in its ErrorEquals and in the last
// Retrier/Catcher.
func checkErrorEquals(st map[string]any, field string, report func(string)) {
	list, ok := st[field].([]any)
	if !ok {
		return
	}
	for i, item := range list {
		m, _ := item.(map[string]any)
		errs, _ := m["ErrorEquals"].([]any)
		var names []string
		for _, e := range errs {
			if s, ok := e.(string); ok {
				names = append(names, s)
			}
		}
		if !slices.Contains(names, "States.ALL") {
			continue
		}
		if len(names) > 1 {
			report(fmt.Sprintf("%s[%d].ErrorEquals: States.ALL must appear alone, got [%s]", field, i, strings.Join(names, ", ")))
		}
		if i != len(list)-1 {
			report(fmt.Sprintf("%s[%d]: States.ALL must be in the last %s entry (entry %d of %d)", field, i, field, i+1, len(list)))
		}
	}
}
