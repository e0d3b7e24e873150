package asl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// npmResult is one line of differential.mjs's output.
type npmResult struct {
	Case string `json:"case"`
	result
}

// TestDifferential runs the corpus through the independent npm engine
// aws-local-stepfunctions (test/asl/differential.mjs, Node 22 from
// node_modules) and asserts it agrees with expected.json — except where a case
// carries a differentialNote, where it must still produce the divergent
// result recorded in case.json's npmResult, so any change is noticed.
func TestDifferential(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	node := filepath.Join(root, "node_modules", ".bin", "node")
	if _, err := os.Stat(node); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (run `make deps` / `npm ci`); the differential check is required in CI", node)
		}
		t.Skipf("%s is missing: run `npm ci` to enable the differential check against aws-local-stepfunctions (required when CI is set)", node)
	}
	cases := loadCases(t)
	absCases, err := filepath.Abs(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), node, filepath.Join(root, "test", "asl", "differential.mjs"), absCases)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			t.Fatalf("differential.mjs failed (exit %d): %s", exitErr.ExitCode(), stderr.String())
		}
		t.Fatalf("running differential.mjs: %v", err)
	}
	results := map[string]npmResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var r npmResult
		if err := decodeOne(sc.Bytes(), &r, true); err != nil {
			t.Fatalf("differential.mjs printed a line that is not a result: %v: %s", err, clip(sc.Bytes()))
		}
		results[r.Case] = r
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading differential.mjs output: %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := results[c.name]
			if !ok {
				t.Fatalf("differential.mjs printed no result for the case")
			}
			switch {
			case c.meta.GoOnly:
				if got.Status != "SKIPPED" {
					t.Errorf("goOnly case: status %s, want SKIPPED", got.Status)
				}
			case c.meta.DifferentialNote != "":
				for _, d := range diffResult(got.result, c.meta.NpmResult) {
					t.Errorf("the npm engine's recorded divergence changed (re-check the differentialNote: %s): %s",
						c.meta.DifferentialNote, d)
				}
			case c.definitionError():
				if got.Status != "DEFINITION_ERROR" {
					t.Errorf("the npm engine accepted a definition the corpus expects to be rejected: %s", clip(mustJSON(got.result)))
				}
			default:
				for _, d := range diffResult(got.result, c.expected) {
					t.Errorf("aws-local-stepfunctions disagrees with expected.json (add a differentialNote only if the documentation backs expected.json): %s", d)
				}
			}
		})
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(err.Error())
	}
	return b
}
