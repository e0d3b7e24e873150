package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// switchyardBin is the CLI built once by TestMain; buildErr says why it is
// missing. Tests that need the CLI fail (never skip) when buildErr is set.
var (
	switchyardBin string
	buildErr      error
)

// repoRoot is the module root, two levels above this package.
func repoRoot() (string, error) {
	return filepath.Abs(filepath.Join("..", ".."))
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "switchyard-conformance-")
	if err != nil {
		buildErr = fmt.Errorf("creating a temp dir for the CLI: %w", err)
		os.Exit(m.Run())
	}
	switchyardBin, buildErr = buildCLI(dir)
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// buildCLI builds ./cmd/switchyard into dir and returns the binary's path.
func buildCLI(dir string) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	goBin := os.Getenv("GO")
	if goBin == "" {
		goBin = "go"
	}
	bin := filepath.Join(dir, "switchyard")
	cmd := exec.Command(goBin, "build", "-o", bin, "./cmd/switchyard")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building ./cmd/switchyard: %w\n%s", err, stderr.String())
	}
	return bin, nil
}

// cliRun is one `switchyard asl run --json` invocation.
type cliRun struct {
	exitCode int
	stdout   []byte
	stderr   string
}

// runCLI runs the case through the CLI exactly as the contract in issue 3
// states: name = case directory, input from input.json, mocks when present.
func runCLI(t *testing.T, c testCase) cliRun {
	t.Helper()
	args := []string{"asl", "run", filepath.Join(c.dir, "definition.asl.json"),
		"--name", c.smName(),
		"--input", "@" + filepath.Join(c.dir, "input.json"),
		"--json"}
	if c.hasMocks {
		args = append(args, "--mock-config", filepath.Join(c.dir, "mocks.json"), "--test-case", c.testCaseName())
	}
	cmd := exec.CommandContext(t.Context(), switchyardBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	run := cliRun{stdout: stdout.Bytes(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		run.exitCode = exitErr.ExitCode()
	default:
		t.Fatalf("running switchyard %s: %v", strings.Join(args, " "), err)
	}
	return run
}

// cliResult is the one JSON object `switchyard asl run --json` prints.
type cliResult struct {
	result
	HistoryEvents    *int `json:"historyEvents"`
	StateTransitions *int `json:"stateTransitions"`
}

// TestConformance runs every corpus case through the Go engine via the CLI and
// compares status, output, error and (when expected) cause.
func TestConformance(t *testing.T) {
	if buildErr != nil {
		t.Fatalf("the switchyard CLI could not be built, so no case can run: %v", buildErr)
	}
	cases := loadCases(t)
	probeCLI(t, cases)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			run := runCLI(t, c)
			if c.definitionError() {
				if run.exitCode != 2 {
					t.Fatalf("definition should be rejected with exit code 2; got exit %d\nstdout: %s\nstderr: %s",
						run.exitCode, clip(run.stdout), run.stderr)
				}
				if strings.TrimSpace(run.stderr) == "" {
					t.Errorf("definition rejected without a message on stderr")
				}
				return
			}
			if run.exitCode == 2 {
				t.Fatalf("switchyard asl run failed with a usage/definition error (exit 2): %s", strings.TrimSpace(run.stderr))
			}
			var got cliResult
			if err := decodeOne(run.stdout, &got, true); err != nil {
				t.Fatalf("--json output is not exactly one result object: %v\nstdout: %s\nstderr: %s",
					err, clip(run.stdout), run.stderr)
			}
			wantExit := 1
			if got.Status == "SUCCEEDED" {
				wantExit = 0
			}
			if run.exitCode != wantExit {
				t.Errorf("exit code %d for status %s, want %d", run.exitCode, got.Status, wantExit)
			}
			if got.HistoryEvents == nil || *got.HistoryEvents < 2 {
				t.Errorf("historyEvents = %v, want at least 2 (ExecutionStarted and the closing event)", deref(got.HistoryEvents))
			}
			if got.StateTransitions == nil {
				t.Errorf("stateTransitions missing from the --json result")
			}
			for _, d := range diffResult(got.result, c.expected) {
				t.Error(d)
			}
			if t.Failed() && c.meta.Note != "" {
				t.Logf("case note: %s (%s)", c.meta.Note, c.meta.Doc)
			}
		})
	}
}

// probeCLI runs the simplest case first so that a CLI without `asl run`
// (the placeholder answers "asl: not built yet", exit 2) fails the test once,
// clearly, instead of once per case.
func probeCLI(t *testing.T, cases []testCase) {
	t.Helper()
	for _, c := range cases {
		if c.name != "pass-result" {
			continue
		}
		if run := runCLI(t, c); run.exitCode == 2 {
			t.Fatalf("`switchyard asl run` rejected the simplest valid case (%s) with exit 2, so the Go engine or its CLI is not there yet: %s",
				c.name, strings.TrimSpace(run.stderr))
		}
		return
	}
	t.Fatalf("the probe case pass-result is missing from the corpus")
}

func deref(p *int) string {
	if p == nil {
		return "missing"
	}
	return fmt.Sprint(*p)
}

// TestCLIResultShape pins the contract's field names: a result object with an
// unexpected key fails decoding in TestConformance (strict decoding), so this
// test only guards the decoder itself against silently accepting garbage.
func TestCLIResultShape(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"contract", `{"status":"SUCCEEDED","output":{"a":1},"error":null,"cause":null,"historyEvents":5,"stateTransitions":2}`, false},
		{"unknown key", `{"status":"FAILED","output":null,"error":"E","cause":null,"historyEvents":5,"stateTransitions":2,"extra":1}`, true},
		{"two objects", `{"status":"SUCCEEDED"}{"status":"SUCCEEDED"}`, true},
		{"not json", `asl: not built yet`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got cliResult
			err := decodeOne([]byte(tt.in), &got, true)
			if (err != nil) != tt.wantErr {
				t.Fatalf("decodeOne(%s) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
		})
	}
}

// TestDiffResult checks the comparison the conformance and differential tests
// rely on, so a comparison that always passes is caught.
func TestDiffResult(t *testing.T) {
	s := func(v string) *string { return &v }
	want := map[string]json.RawMessage{
		"status": json.RawMessage(`"FAILED"`),
		"output": json.RawMessage(`null`),
		"error":  json.RawMessage(`"E"`),
		"cause":  json.RawMessage(`"C"`),
	}
	tests := []struct {
		name  string
		got   result
		diffs int
	}{
		{"equal", result{Status: "FAILED", Output: json.RawMessage("null"), Error: s("E"), Cause: s("C")}, 0},
		{"status", result{Status: "SUCCEEDED", Output: json.RawMessage("null"), Error: s("E"), Cause: s("C")}, 1},
		{"error", result{Status: "FAILED", Output: json.RawMessage("null"), Error: s("F"), Cause: s("C")}, 1},
		{"cause null", result{Status: "FAILED", Output: json.RawMessage("null"), Error: s("E")}, 1},
		{"output", result{Status: "FAILED", Output: json.RawMessage(`{"a":1}`), Error: s("E"), Cause: s("C")}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := diffResult(tt.got, want); len(d) != tt.diffs {
				t.Errorf("diffResult = %q, want %d difference(s)", d, tt.diffs)
			}
		})
	}
	t.Run("output by value", func(t *testing.T) {
		if d := diffJSON(json.RawMessage(`{"b":[1,2.0],"a":10}`), json.RawMessage(`{"a":10.0,"b":[1,2]}`)); d != "" {
			t.Errorf("equal documents reported different: %s", d)
		}
		if d := diffJSON(json.RawMessage(`{"a":"10"}`), json.RawMessage(`{"a":10}`)); d == "" {
			t.Errorf("a string and a number reported equal")
		}
	})
	t.Run("absent keys not asserted", func(t *testing.T) {
		if d := diffResult(result{Status: "TIMED_OUT", Error: s("States.Timeout")},
			map[string]json.RawMessage{"status": json.RawMessage(`"TIMED_OUT"`)}); len(d) != 0 {
			t.Errorf("diffResult = %q, want none", d)
		}
	})
}
