package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchyard-dev/switchyard/shared/plan"
)

const (
	examplesGlob = "../../examples/plans/*.yaml"
	tenMistakes  = "../../shared/plan/testdata/invalid/ten-mistakes.yaml"
	payments     = "../../examples/plans/payments.yaml"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, streams{out: &out, err: &errb})
	return code, out.String(), errb.String()
}

func examples(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(examplesGlob)
	if err != nil || len(files) < 3 {
		t.Fatalf("examples: %v %v", files, err)
	}
	return files
}

func TestPlanValidate(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOut    []string
		wantErr    []string
		errLines   int // exact number of stderr lines when > 0
		wantNoOut  bool
		wantNoErrs bool
	}{
		{
			name:       "examples are valid",
			args:       append([]string{"plan", "validate"}, examples(t)...),
			wantCode:   0,
			wantOut:    []string{"ok  ../../examples/plans/payments.yaml (1 plan, fingerprint sha256:", "ok  ../../examples/plans/ledger-group.yaml (3 plans, fingerprints ledger-core sha256:"},
			wantNoErrs: true,
		},
		{
			name:      "ten mistakes give ten messages",
			args:      []string{"plan", "validate", tenMistakes},
			wantCode:  1,
			wantErr:   []string{"ten-mistakes.yaml:6:3: metadata.descripton: unknown field (did you mean description?)", "switchyard: 10 problem(s) in 1 file(s)"},
			errLines:  11,
			wantNoOut: true,
		},
		{
			name:     "valid and invalid files together",
			args:     []string{"plan", "validate", payments, tenMistakes},
			wantCode: 1,
			wantOut:  []string{"ok  ../../examples/plans/payments.yaml"},
			wantErr:  []string{"ten-mistakes.yaml:49:24:"},
		},
		{
			name:     "dependency group split across invocations",
			args:     []string{"plan", "validate", "../../shared/plan/testdata/invalid/cycle.yaml"},
			wantCode: 1,
			wantErr:  []string{"dependency cycle alpha → beta → alpha"},
		},
		{name: "a file named twice is read once", args: []string{"plan", "validate", payments, payments}, wantCode: 0, wantNoErrs: true},
		{name: "no file is a usage error", args: []string{"plan", "validate"}, wantCode: 2, wantErr: []string{"requires at least 1 arg"}},
		{name: "unreadable file", args: []string{"plan", "validate", "does-not-exist.yaml"}, wantCode: 2, wantErr: []string{"does-not-exist.yaml"}},
		{name: "unknown flag", args: []string{"plan", "validate", "--jsn", payments}, wantCode: 2, wantErr: []string{"unknown flag"}},
		{name: "unknown subcommand", args: []string{"plan", "frobnicate"}, wantCode: 2, wantErr: []string{"unknown command"}},
		{name: "bare plan prints help", args: []string{"plan"}, wantCode: 0, wantOut: []string{"Available Commands"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if tt.errLines > 0 {
				if n := strings.Count(errOut, "\n"); n != tt.errLines {
					t.Errorf("stderr has %d lines, want %d:\n%s", n, tt.errLines, errOut)
				}
			}
			if tt.wantNoOut && out != "" {
				t.Errorf("unexpected stdout:\n%s", out)
			}
			if tt.wantNoErrs && errOut != "" {
				t.Errorf("unexpected stderr:\n%s", errOut)
			}
		})
	}
}

func TestPlanValidateJSON(t *testing.T) {
	tests := []struct {
		name      string
		files     []string
		wantCode  int
		wantValid bool
		wantDiags int
	}{
		{"valid", examples(t), 0, true, 0},
		{"invalid", []string{tenMistakes}, 1, false, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"plan", "validate", "--json"}, tt.files...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.wantCode, errOut)
			}
			if errOut != "" {
				t.Errorf("--json wrote to stderr: %s", errOut)
			}
			var res validateResult
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, out)
			}
			if res.Valid != tt.wantValid || len(res.Diags) != tt.wantDiags || len(res.Files) != len(tt.files) {
				t.Errorf("valid=%v diags=%d files=%d; want %v %d %d", res.Valid, len(res.Diags), len(res.Files), tt.wantValid, tt.wantDiags, len(tt.files))
			}
			for _, f := range res.Files {
				for _, p := range f.Plans {
					if f.Valid && !strings.HasPrefix(p.Fingerprint, "sha256:") {
						t.Errorf("%s/%s: fingerprint %q", f.File, p.Name, p.Fingerprint)
					}
				}
			}
			for _, d := range res.Diags {
				if d.Line == 0 || d.Col == 0 || d.Path == "" {
					t.Errorf("diagnostic without position or path: %+v", d)
				}
			}
		})
	}
}

func TestPlanShow(t *testing.T) {
	code, out, errOut := runCLI(t, "plan", "show", payments)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"Plan payments  version 2026.11.1  (sha256:",
		"Regions:    us-east-1 (primary), us-west-2",
		"Objectives: RTO 15m, RPO 30s",
		"slack C0PAYMENTS1: U01ALICE, U02BOBBY, S03ONCALL",
		"api-5xx: failover-with-approval → us-west-2 (cooldown 1h)",
		"failover-to-us-west-2: activate us-west-2 (from us-east-1 to us-west-2)",
		"stage 4 database (1 step(s) in parallel)",
		"promote-aurora [aurora-global] timeout 20m, retry 2 (every 15s, backoff ×2), on failure ask, ungraceful run (timeout 10m)",
		"publish s3://payments-failover-control-us-west-2/failover-active.flag in us-west-2",
		"Depends on: nothing",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show output lacks %q:\n%s", want, out)
		}
	}
}

func TestPlanShowJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "plan", "show", "--json", "../../examples/plans/ledger-group.yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	plans, err := plan.ParseFile("../../examples/plans/ledger-group.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != len(plans) {
		t.Fatalf("%d lines for %d plans", len(lines), len(plans))
	}
	for i, p := range plans {
		want, err := p.CanonicalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if lines[i] != string(want) {
			t.Errorf("line %d is not %s's canonical JSON:\n%s\n%s", i, p.Metadata.Name, lines[i], want)
		}
	}
}

func TestPlanShowErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"invalid plan", []string{"plan", "show", tenMistakes}, 1, "10 problem(s) in"},
		{"two files", []string{"plan", "show", payments, payments}, 2, "accepts 1 arg"},
		{"missing file", []string{"plan", "show", "nope.yaml"}, 2, "nope.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, tt.wantCode, tt.wantErr)
			}
		})
	}
}

func TestPlanHelp(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"plan", "--help"}, []string{"validate", "show", "docs/plan-format.md"}},
		{[]string{"plan", "validate", "--help"}, []string{"FILE:LINE:COL: field.path", "Exit status", "--json"}},
		{[]string{"plan", "show", "--help"}, []string{"canonical JSON", "--json"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("help lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestVersion(t *testing.T) {
	code, out, errOut := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "switchyard ") || errOut != "" {
		t.Errorf("version: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, _, _ := runCLI(t, "version", "extra"); code != 2 {
		t.Errorf("version with an argument: exit %d, want 2", code)
	}
}
