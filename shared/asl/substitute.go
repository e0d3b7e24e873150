package asl

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// Substitute replaces the ${Name} placeholders of a definition text (CDK
// DefinitionSubstitutions) with vars. Every placeholder must have a value;
// the error lists the missing names.
func Substitute(def []byte, vars map[string]string) ([]byte, error) {
	missing := map[string]bool{}
	out := placeholder.ReplaceAllFunc(def, func(m []byte) []byte {
		name := string(m[2 : len(m)-1])
		v, ok := vars[name]
		if !ok {
			missing[name] = true
			return m
		}
		return []byte(v)
	})
	if len(missing) > 0 {
		names := make([]string, 0, len(missing))
		for n := range missing {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("definition substitutions missing for: %s", strings.Join(names, ", "))
	}
	return out, nil
}

// Placeholders lists the distinct ${Name} placeholders in a definition text.
func Placeholders(def []byte) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range placeholder.FindAllSubmatch(def, -1) {
		if n := string(m[1]); !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
