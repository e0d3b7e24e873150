package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// casesDir is the corpus, relative to this package's directory (go test runs
// tests in the package directory).
const casesDir = "cases"

// minCases is the corpus size the issue asks for; the check stops the corpus
// from shrinking silently.
const minCases = 80

// statuses an execution can end in, as DescribeExecution reports them.
var statuses = []string{"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}

// testCase is one directory of the corpus.
type testCase struct {
	name string
	dir  string
	// expected holds expected.json's fields raw: a present key is asserted,
	// an absent one is not (see README.md).
	expected map[string]json.RawMessage
	meta     caseMeta
	hasMocks bool
}

// caseMeta is case.json. Unknown fields are rejected so typos do not silently
// disable a rule.
type caseMeta struct {
	Doc              string                     `json:"doc"`
	Note             string                     `json:"note"`
	GoOnly           bool                       `json:"goOnly"`
	Invalid          bool                       `json:"invalid"`
	NpmRealWaits     bool                       `json:"npmRealWaits"`
	DifferentialNote string                     `json:"differentialNote"`
	NpmResult        map[string]json.RawMessage `json:"npmResult"`
	StateMachineName string                     `json:"stateMachineName"`
	TestCase         string                     `json:"testCase"`
}

// smName is the state machine name the case runs under (and the key of its
// mocks.json StateMachines entry).
func (c testCase) smName() string {
	if c.meta.StateMachineName != "" {
		return c.meta.StateMachineName
	}
	return c.name
}

// testCaseName is the mock configuration's test case the case runs.
func (c testCase) testCaseName() string {
	if c.meta.TestCase != "" {
		return c.meta.TestCase
	}
	return "Default"
}

// definitionError reports whether the case expects the definition to be
// rejected (expected.json {"definitionError": true}).
func (c testCase) definitionError() bool {
	var b bool
	if raw, ok := c.expected["definitionError"]; ok {
		_ = json.Unmarshal(raw, &b)
	}
	return b
}

// loadCases reads every case of the corpus, failing the test on any case that
// cannot be read.
func loadCases(t *testing.T) []testCase {
	t.Helper()
	entries, err := os.ReadDir(casesDir)
	if err != nil {
		t.Fatalf("reading the corpus: %v", err)
	}
	var cases []testCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c, err := loadCase(filepath.Join(casesDir, e.Name()))
		if err != nil {
			t.Errorf("case %s: %v", e.Name(), err)
			continue
		}
		cases = append(cases, c)
	}
	return cases
}

func loadCase(dir string) (testCase, error) {
	c := testCase{name: filepath.Base(dir), dir: dir}
	for _, f := range []string{"definition.asl.json", "input.json"} {
		if err := readJSON(filepath.Join(dir, f), new(any), false); err != nil {
			return c, err
		}
	}
	if err := readJSON(filepath.Join(dir, "expected.json"), &c.expected, false); err != nil {
		return c, err
	}
	if _, err := os.Stat(filepath.Join(dir, "case.json")); err == nil {
		if err := readJSON(filepath.Join(dir, "case.json"), &c.meta, true); err != nil {
			return c, err
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "mocks.json")); err == nil {
		c.hasMocks = true
	}
	return c, nil
}

// readJSON decodes exactly one JSON value from path into v.
func readJSON(path string, v any, strict bool) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := decodeOne(b, v, strict); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// decodeOne decodes exactly one JSON value from b (trailing data is an error).
func decodeOne(b []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// result is what an engine reported for one execution.
type result struct {
	Status string          `json:"status"`
	Output json.RawMessage `json:"output"`
	Error  *string         `json:"error"`
	Cause  *string         `json:"cause"`
}

// diffResult compares got with want (expected.json or npmResult): status
// always; output, error and cause only when want has the key. It returns one
// line per difference.
func diffResult(got result, want map[string]json.RawMessage) []string {
	var diffs []string
	var wantStatus string
	if err := json.Unmarshal(want["status"], &wantStatus); err != nil {
		return []string{fmt.Sprintf("expected status is not a string: %s", want["status"])}
	}
	if got.Status != wantStatus {
		diffs = append(diffs, fmt.Sprintf("status: got %s, want %s", got.Status, wantStatus))
	}
	if raw, ok := want["output"]; ok {
		if d := diffJSON(got.Output, raw); d != "" {
			diffs = append(diffs, "output: "+d)
		}
	}
	for _, f := range []struct {
		key string
		got *string
	}{{"error", got.Error}, {"cause", got.Cause}} {
		raw, ok := want[f.key]
		if !ok {
			continue
		}
		var w *string
		if err := json.Unmarshal(raw, &w); err != nil {
			diffs = append(diffs, fmt.Sprintf("expected %s is not a string or null: %s", f.key, raw))
			continue
		}
		if !reflect.DeepEqual(f.got, w) {
			diffs = append(diffs, fmt.Sprintf("%s: got %s, want %s", f.key, show(f.got), show(w)))
		}
	}
	return diffs
}

// diffJSON compares two JSON documents by value (key order and number
// spelling do not matter); it returns "" when equal.
func diffJSON(got, want json.RawMessage) string {
	if len(got) == 0 {
		got = json.RawMessage("null")
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		return fmt.Sprintf("not JSON (%v): %s", err, clip(got))
	}
	if err := json.Unmarshal(want, &w); err != nil {
		return fmt.Sprintf("expected value is not JSON (%v)", err)
	}
	if reflect.DeepEqual(g, w) {
		return ""
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return fmt.Sprintf("got %s, want %s", clip(gb), clip(wb))
}

func show(s *string) string {
	if s == nil {
		return "null"
	}
	return fmt.Sprintf("%q", *s)
}

// clip keeps failure messages readable when a payload is large.
func clip(b []byte) string {
	const limit = 600
	if len(b) <= limit {
		return string(b)
	}
	return fmt.Sprintf("%s… (%d bytes)", b[:limit], len(b))
}

// TestCorpusWellFormed checks the corpus itself, so a broken case is caught
// even before any engine runs it.
func TestCorpusWellFormed(t *testing.T) {
	cases := loadCases(t)
	if len(cases) < minCases {
		t.Errorf("corpus has %d cases, want at least %d", len(cases), minCases)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkCaseWellFormed(t, c)
		})
	}
}

func checkCaseWellFormed(t *testing.T, c testCase) {
	t.Helper()
	if c.meta.Doc == "" {
		t.Errorf("case.json must cite the documentation section the case comes from (doc)")
	}
	if c.definitionError() {
		if !c.meta.Invalid {
			t.Errorf("expected.json says definitionError but case.json does not mark the case invalid")
		}
	} else {
		var status string
		if err := json.Unmarshal(c.expected["status"], &status); err != nil || !slices.Contains(statuses, status) {
			t.Errorf("expected.json status %s is not one of %v", c.expected["status"], statuses)
		}
		if status == "SUCCEEDED" {
			if _, ok := c.expected["output"]; !ok {
				t.Errorf("a SUCCEEDED case must assert its output")
			}
		}
		if status == "FAILED" {
			if _, ok := c.expected["error"]; !ok {
				t.Errorf("a FAILED case must assert its error")
			}
		}
		if c.meta.Invalid {
			t.Errorf("case.json marks the case invalid but expected.json does not say definitionError")
		}
	}
	for k := range c.expected {
		if !slices.Contains([]string{"status", "output", "error", "cause", "definitionError"}, k) {
			t.Errorf("expected.json has unknown key %q", k)
		}
	}
	if c.meta.DifferentialNote != "" {
		if c.meta.GoOnly {
			t.Errorf("a goOnly case cannot carry a differentialNote (the npm engine does not run it)")
		}
		if _, ok := c.meta.NpmResult["status"]; !ok {
			t.Errorf("a case with a differentialNote must record the npm engine's divergent result (npmResult.status)")
		} else if !c.definitionError() {
			var npm result
			if err := json.Unmarshal(mustJSON(c.meta.NpmResult), &npm); err != nil {
				t.Errorf("npmResult: %v", err)
			} else if len(diffResult(npm, c.expected)) == 0 {
				t.Errorf("npmResult equals expected.json: the engines agree, so the differentialNote must go")
			}
		}
	} else if c.meta.NpmResult != nil {
		t.Errorf("npmResult is only meaningful with a differentialNote")
	}
	if c.hasMocks {
		checkMocks(t, c)
	}
}

// mockConfig is the Step Functions Local mock configuration format.
type mockConfig struct {
	StateMachines map[string]struct {
		TestCases map[string]map[string]string `json:"TestCases"`
	} `json:"StateMachines"`
	MockedResponses map[string]map[string]json.RawMessage `json:"MockedResponses"`
}

// checkMocks verifies mocks.json: the case's test case exists, names states
// of the definition and existing responses.
func checkMocks(t *testing.T, c testCase) {
	t.Helper()
	var cfg mockConfig
	if err := readJSON(filepath.Join(c.dir, "mocks.json"), &cfg, true); err != nil {
		t.Fatalf("mocks.json: %v", err)
	}
	var def map[string]any
	if err := readJSON(filepath.Join(c.dir, "definition.asl.json"), &def, false); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	collectStateNames(def, names)
	tc, ok := cfg.StateMachines[c.smName()].TestCases[c.testCaseName()]
	if !ok {
		t.Fatalf("mocks.json has no StateMachines.%s.TestCases.%s", c.smName(), c.testCaseName())
	}
	for state, resp := range tc {
		if !names[state] {
			t.Errorf("mocks.json mocks state %q, which the definition does not have", state)
		}
		if _, ok := cfg.MockedResponses[resp]; !ok {
			t.Errorf("mocks.json: state %q uses unknown response %q", state, resp)
		}
	}
}

// collectStateNames gathers state names at every level (Parallel branches, Map
// processors).
func collectStateNames(def map[string]any, names map[string]bool) {
	states, _ := def["States"].(map[string]any)
	for name, s := range states {
		names[name] = true
		st, _ := s.(map[string]any)
		if branches, ok := st["Branches"].([]any); ok {
			for _, b := range branches {
				if bm, ok := b.(map[string]any); ok {
					collectStateNames(bm, names)
				}
			}
		}
		for _, k := range []string{"ItemProcessor", "Iterator"} {
			if p, ok := st[k].(map[string]any); ok {
				collectStateNames(p, names)
			}
		}
	}
}
