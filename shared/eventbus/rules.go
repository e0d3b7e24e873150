package eventbus

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Rule is one EventBridge rule pattern from events/rules.
type Rule struct {
	// Name is the file's base name without ".json"; it is the rule's name.
	Name string
	// File is where the rule was read from, for messages.
	File string
	// Pattern is the file's content: exactly an EventBridge event pattern.
	Pattern json.RawMessage
}

// RuleError reports a rule file the bus refuses, naming the file.
type RuleError struct {
	File string
	Err  error
}

// Error renders "file: error".
func (e *RuleError) Error() string { return e.File + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *RuleError) Unwrap() error { return e.Err }

// ruleName is EventBridge's rule-name syntax.
var ruleName = regexp.MustCompile(`^[.\-_A-Za-z0-9]{1,64}$`)

// LoadRules reads every *.json file in dir as a rule. See LoadRulesFS.
func LoadRules(dir string) ([]Rule, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("reading rules: %w", err)
	}
	return loadRules(os.DirFS(dir), ".", dir)
}

// LoadRulesFS reads every *.json file in dir of fsys as a rule, sorted by
// name. It refuses (with a *RuleError naming the file) a bad rule name,
// invalid JSON, and any pattern the bus cannot match, such as one using an
// unsupported operator. An empty directory is an error.
func LoadRulesFS(fsys fs.FS, dir string) ([]Rule, error) {
	return loadRules(fsys, dir, dir)
}

func loadRules(fsys fs.FS, dir, shown string) ([]Rule, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("reading rules: %w", err)
	}
	var rules []Rule
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		file := path.Join(shown, e.Name())
		name := strings.TrimSuffix(e.Name(), ".json")
		if !ruleName.MatchString(name) {
			return nil, &RuleError{File: file, Err: fmt.Errorf("rule name %q must be 1-64 characters of letters, digits, '.', '-' and '_'", name)}
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, &RuleError{File: file, Err: err}
		}
		r := Rule{Name: name, File: file, Pattern: data}
		if _, err := compilePattern(data); err != nil {
			return nil, &RuleError{File: file, Err: err}
		}
		rules = append(rules, r)
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("reading rules: no *.json rule in %s", shown)
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].Name < rules[j].Name })
	// Compile once more through quamina, which has checks of its own (for
	// example on wildcard escapes), so a loaded rule set always compiles.
	if _, err := NewMatcher(rules); err != nil {
		return nil, err
	}
	return rules, nil
}

// IsUnsupportedOperator reports whether err refuses a rule for using an
// operator the local bus does not implement.
func IsUnsupportedOperator(err error) bool {
	return errors.Is(err, ErrUnsupportedOperator)
}
