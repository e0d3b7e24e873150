package static

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// minCorpusDefinitions keeps the checks honest while statemachines/ is young:
// the corpus alone must give the validator this many definitions.
const minCorpusDefinitions = 80

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// definitionFile is one definition under check.
type definitionFile struct {
	path string // as reported in messages, relative to the repo root
	abs  string
	raw  []byte
	// product is true for statemachines/*.asl.json (substitutions allowed per
	// substitutions.json), false for corpus definitions (none allowed).
	product bool
}

// productDefinitions returns statemachines/*.asl.json.
func productDefinitions(t *testing.T) []definitionFile {
	t.Helper()
	root := repoRoot(t)
	paths, err := filepath.Glob(filepath.Join(root, "statemachines", "*.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	var defs []definitionFile
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		defs = append(defs, definitionFile{path: rel, abs: p, raw: raw, product: true})
	}
	return defs
}

// corpusDefinitions returns the conformance corpus definitions meant to be
// valid (case.json without "invalid": true).
func corpusDefinitions(t *testing.T) []definitionFile {
	t.Helper()
	root := repoRoot(t)
	dirs, err := filepath.Glob(filepath.Join(root, "test", "asl", "cases", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var defs []definitionFile
	for _, d := range dirs {
		var meta struct {
			Invalid bool `json:"invalid"`
		}
		if b, err := os.ReadFile(filepath.Join(d, "case.json")); err == nil {
			if err := json.Unmarshal(b, &meta); err != nil {
				t.Fatalf("%s/case.json: %v", d, err)
			}
		}
		if meta.Invalid {
			continue
		}
		p := filepath.Join(d, "definition.asl.json")
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		defs = append(defs, definitionFile{path: rel, abs: p, raw: raw})
	}
	if len(defs) < minCorpusDefinitions {
		t.Fatalf("found %d valid corpus definitions under test/asl/cases, want at least %d", len(defs), minCorpusDefinitions)
	}
	return defs
}

// allowedSubstitutions reads statemachines/substitutions.json if present: a
// JSON array of the ${Name}s the CDK app and the local runtime provide.
func allowedSubstitutions(t *testing.T) (map[string]bool, bool) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "statemachines", "substitutions.json"))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]bool{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	names, err := parseSubstitutions(b)
	if err != nil {
		t.Fatalf("statemachines/substitutions.json: %v", err)
	}
	return names, true
}

var substitutionNameRe = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// parseSubstitutions decodes substitutions.json: a JSON array of distinct names.
func parseSubstitutions(b []byte) (map[string]bool, error) {
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("want a JSON array of substitution names: %w", err)
	}
	names := map[string]bool{}
	for i, n := range list {
		if !substitutionNameRe.MatchString(n) {
			return nil, fmt.Errorf("entry %d %q is not a substitution name (letters, digits, _; without ${})", i, n)
		}
		if names[n] {
			return nil, fmt.Errorf("entry %d %q is listed twice", i, n)
		}
		names[n] = true
	}
	return names, nil
}

// TestDefinitionsStructure runs the Go structural checks on every product
// definition and every valid corpus definition.
func TestDefinitionsStructure(t *testing.T) {
	allowed, haveFile := allowedSubstitutions(t)
	defs := append(productDefinitions(t), corpusDefinitions(t)...)
	for _, d := range defs {
		t.Run(d.path, func(t *testing.T) {
			subs := map[string]bool{}
			if d.product {
				subs = allowed
			}
			problems := checkDefinition(d.raw, subs)
			if d.product && !haveFile && len(substitutions(d.raw)) > 0 {
				t.Errorf("statemachines/substitutions.json is missing; it must list every ${Name} the definitions use (%s)",
					strings.Join(substitutions(d.raw), ", "))
			}
			for _, p := range problems {
				t.Errorf("%s: %s", d.path, p)
			}
		})
	}
}

// TestChecksCatchFaults proves each structural check catches its fault on a
// small broken definition (and passes the fixed one).
func TestChecksCatchFaults(t *testing.T) {
	tests := []struct {
		name    string
		def     string
		allowed []string
		want    []string // substrings, one per expected problem; empty = valid
	}{
		{
			name: "valid",
			def:  `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Succeed"}}}`,
		},
		{
			name: "missing StartAt target",
			def:  `{"StartAt":"Ghost","States":{"A":{"Type":"Succeed"}}}`,
			want: []string{`StartAt "Ghost" does not name a state`, `state "A" is not reachable`},
		},
		{
			name: "missing Next target",
			def:  `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}`,
			want: []string{`state "A": Next "Nowhere" does not name a state`},
		},
		{
			name: "missing Default target",
			def:  `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"D"}],"Default":"Gone"},"D":{"Type":"Succeed"}}}`,
			want: []string{`Default "Gone" does not name a state`},
		},
		{
			name: "missing Choice target",
			def:  `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"Gone"}],"Default":"D"},"D":{"Type":"Succeed"}}}`,
			want: []string{`Choices[0].Next "Gone" does not name a state`},
		},
		{
			name: "missing Catch target",
			def:  `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Gone"}],"End":true}}}`,
			want: []string{`Catch[0].Next "Gone" does not name a state`},
		},
		{
			name: "unreachable state",
			def:  `{"StartAt":"A","States":{"A":{"Type":"Succeed"},"Orphan":{"Type":"Succeed"}}}`,
			want: []string{`state "Orphan" is not reachable from StartAt "A"`},
		},
		{
			name: "state reachable only through Catch is reachable",
			def:  `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F","Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"End":true},"H":{"Type":"Succeed"}}}`,
		},
		{
			name: "unreachable state in a Parallel branch",
			def:  `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"B1","States":{"B1":{"Type":"Succeed"},"B2":{"Type":"Succeed"}}}],"End":true}}}`,
			want: []string{`P.Branches[0]: state "B2" is not reachable`},
		},
		{
			name: "branch cannot target an outer state",
			def:  `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"B1","States":{"B1":{"Type":"Pass","Next":"Out"}}}],"Next":"Out"},"Out":{"Type":"Succeed"}}}`,
			want: []string{`P.Branches[0]: state "B1": Next "Out" does not name a state of this scope`},
		},
		{
			name: "unreachable state in a Map processor",
			def:  `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"},"Lost":{"Type":"Succeed"}}},"End":true}}}`,
			want: []string{`M.ItemProcessor: state "Lost" is not reachable`},
		},
		{
			name: "missing target in a nested legacy Iterator",
			def:  `{"StartAt":"M","States":{"M":{"Type":"Map","Iterator":{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","Next":"Y"}}}],"End":true}}},"End":true}}}`,
			want: []string{`M.Iterator > P.Branches[0]: state "X": Next "Y"`},
		},
		{
			name: "States.ALL not last in Catch",
			def:  `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F","Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"},{"ErrorEquals":["E"],"Next":"H"}],"End":true},"H":{"Type":"Succeed"}}}`,
			want: []string{`Catch[0]: States.ALL must be in the last Catch entry`},
		},
		{
			name: "States.ALL not alone in Retry",
			def:  `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:F","Retry":[{"ErrorEquals":["States.ALL","E"]}],"End":true}}}`,
			want: []string{`Retry[0].ErrorEquals: States.ALL must appear alone`},
		},
		{
			name: "dangling substitution",
			def:  `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"${MissingFunctionArn}","End":true}}}`,
			want: []string{`substitution ${MissingFunctionArn} is not provided`},
		},
		{
			name:    "listed substitution",
			def:     `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"${ExecutorFunctionArn}","Parameters":{"table":"${TableName}"},"End":true}}}`,
			allowed: []string{"ExecutorFunctionArn", "TableName"},
		},
		{
			name:    "one of two substitutions dangling",
			def:     `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"${ExecutorFunctionArn}","Parameters":{"table":"${TableName}"},"End":true}}}`,
			allowed: []string{"ExecutorFunctionArn"},
			want:    []string{`substitution ${TableName} is not provided`},
		},
		{
			name: "not an object",
			def:  `[1,2]`,
			want: []string{"not a JSON object"},
		},
		{
			name: "no States",
			def:  `{"StartAt":"A"}`,
			want: []string{"States must be a non-empty object"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allowed := map[string]bool{}
			for _, n := range tt.allowed {
				allowed[n] = true
			}
			got := checkDefinition([]byte(tt.def), allowed)
			if len(got) != len(tt.want) {
				t.Fatalf("checkDefinition returned %d problem(s) %q, want %d matching %q", len(got), got, len(tt.want), tt.want)
			}
			for _, w := range tt.want {
				if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, w) }) {
					t.Errorf("no problem mentions %q; got %q", w, got)
				}
			}
		})
	}
}

func TestParseSubstitutions(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr bool
	}{
		{"list", `["ExecutorFunctionArn","TableName"]`, 2, false},
		{"empty", `[]`, 0, false},
		{"object", `{"a":1}`, 0, true},
		{"with braces", `["${TableName}"]`, 0, true},
		{"duplicate", `["A","A"]`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSubstitutions([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseSubstitutions(%s) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if len(got) != tt.want {
				t.Errorf("parseSubstitutions(%s) = %v, want %d names", tt.in, got, tt.want)
			}
		})
	}
}

// placeholderARN stands in for a ${Name} substitution during schema
// validation: substitutions sit in Resource fields (ARNs) or in strings, and
// a Lambda ARN is valid in both.
func placeholderARN(name string) string {
	return "arn:aws:lambda:us-east-1:123456789012:function:" + name
}

// TestDefinitionsSchemaValid runs the pinned asl-validator on every product
// definition (after replacing ${Name} substitutions with placeholder ARNs) and
// every valid corpus definition, plus two known-broken controls that must be
// reported invalid (so a validator that passes everything fails this test).
func TestDefinitionsSchemaValid(t *testing.T) {
	root := repoRoot(t)
	validator := filepath.Join(root, "node_modules", ".bin", "asl-validator")
	if _, err := os.Stat(validator); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (run `npm ci`); schema validation is required in CI", validator)
		}
		t.Skipf("%s is missing: run `npm ci` to enable schema validation (required when CI is set)", validator)
	}
	tmp := t.TempDir()
	var files []definitionFile
	for _, d := range productDefinitions(t) {
		raw := substitutionRe.ReplaceAllFunc(d.raw, func(m []byte) []byte {
			return []byte(placeholderARN(string(substitutionRe.FindSubmatch(m)[1])))
		})
		p := filepath.Join(tmp, filepath.Base(d.path))
		if err := os.WriteFile(p, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		d.abs, d.raw = p, raw
		files = append(files, d)
	}
	files = append(files, corpusDefinitions(t)...)
	controls := map[string]string{
		"control-missing-target.asl.json": `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}`,
		"control-bad-type.asl.json":       `{"StartAt":"A","States":{"A":{"Type":"Teleport","End":true}}}`,
	}
	for name, def := range controls {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte(def), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, definitionFile{path: "(control) " + name, abs: p})
	}

	// Several corpus cases share a definition: validate each distinct one once.
	rep := map[string]string{} // content -> representative file
	var distinct []definitionFile
	for _, f := range files {
		key := string(f.raw)
		if f.raw == nil {
			key = f.abs
		}
		if _, ok := rep[key]; !ok {
			rep[key] = f.abs
			distinct = append(distinct, f)
		}
	}
	verdicts, err := runValidator(t, root, validator, distinct)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(f.path, func(t *testing.T) {
			key := string(f.raw)
			if f.raw == nil {
				key = f.abs
			}
			v, ok := verdicts[rep[key]]
			if !ok {
				t.Fatalf("asl-validator reported nothing for %s", f.abs)
			}
			isControl := strings.HasPrefix(f.path, "(control)")
			switch {
			case isControl && v.valid:
				t.Errorf("asl-validator accepted a broken control definition")
			case !isControl && !v.valid:
				t.Errorf("asl-validator: %s is invalid:\n%s", f.path, v.detail)
			}
		})
	}
}

// verdict is asl-validator's answer for one file.
type verdict struct {
	valid  bool
	detail string
}

// runValidator runs asl-validator over files in two concurrent batches (it
// builds its JSON schema per definition, ~85 ms each) and parses its report:
//
//	✓ State machine definition "PATH" is valid
//	✕ State machine definition "PATH" is invalid:
//	 ERROR_CODE: message
func runValidator(t *testing.T, root, validator string, files []definitionFile) (map[string]verdict, error) {
	t.Helper()
	// Run the validator's script with the pinned Node when it is installed.
	bin, prefix := validator, []string(nil)
	if node := filepath.Join(root, "node_modules", ".bin", "node"); fileExists(node) {
		bin, prefix = node, []string{validator}
	}
	const batches = 2
	var (
		mu       sync.Mutex
		verdicts = map[string]verdict{}
		wg       sync.WaitGroup
		errs     = make([]error, batches)
	)
	for b := range batches {
		args := slices.Clone(prefix)
		for i := b; i < len(files); i += batches {
			args = append(args, "--json-path", files[i].abs)
		}
		wg.Go(func() {
			cmd := exec.CommandContext(t.Context(), bin, args...)
			cmd.Dir = root
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exitErr *exec.ExitError
			if err != nil && !errors.As(err, &exitErr) {
				errs[b] = fmt.Errorf("running asl-validator: %w", err)
				return
			}
			got := parseValidatorReport(stdout.String() + stderr.String())
			mu.Lock()
			defer mu.Unlock()
			for k, v := range got {
				verdicts[k] = v
			}
		})
	}
	wg.Wait()
	return verdicts, errors.Join(errs...)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

var verdictLineRe = regexp.MustCompile(`^(✓|✕) State machine definition "(.*)" is (valid|invalid)`)

// parseValidatorReport maps each reported path to its verdict; error lines
// following an "invalid" line are its detail.
func parseValidatorReport(out string) map[string]verdict {
	verdicts := map[string]verdict{}
	var current string
	for _, line := range strings.Split(out, "\n") {
		if m := verdictLineRe.FindStringSubmatch(line); m != nil {
			current = m[2]
			verdicts[current] = verdict{valid: m[3] == "valid"}
			continue
		}
		if current != "" && strings.TrimSpace(line) != "" {
			v := verdicts[current]
			v.detail += strings.TrimSpace(line) + "\n"
			verdicts[current] = v
		}
	}
	return verdicts
}

func TestParseValidatorReport(t *testing.T) {
	out := "✓ State machine definition \"a.json\" is valid\n" +
		"✕ State machine definition \"b.json\" is invalid:\n MISSING_TRANSITION_TARGET: Missing target: X\n"
	got := parseValidatorReport(out)
	if v := got["a.json"]; !v.valid {
		t.Errorf("a.json = %+v, want valid", v)
	}
	if v := got["b.json"]; v.valid || !strings.Contains(v.detail, "MISSING_TRANSITION_TARGET") {
		t.Errorf("b.json = %+v, want invalid with its detail", v)
	}
	if len(got) != 2 {
		t.Errorf("parsed %d verdicts, want 2", len(got))
	}
}
