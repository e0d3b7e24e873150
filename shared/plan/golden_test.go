package plan

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/invalid/*.golden from the current messages")

// parseSet parses files as `switchyard plan validate` does: each file on
// its own, then the whole set, and returns every message.
func parseSet(t *testing.T, files ...string) []string {
	t.Helper()
	var all []*Plan
	diags := &Diagnostics{}
	for _, f := range files {
		plans, err := ParseFile(f)
		if err != nil {
			var d *Diagnostics
			if !errors.As(err, &d) {
				t.Fatalf("ParseFile(%s): %v", f, err)
			}
			diags.List = append(diags.List, d.List...)
		}
		all = append(all, plans...)
	}
	if err := ValidateSet(all); err != nil {
		var d *Diagnostics
		if !errors.As(err, &d) {
			t.Fatalf("ValidateSet: %v", err)
		}
		diags.List = append(diags.List, d.List...)
	}
	diags.sort()
	var out []string
	for _, d := range diags.List {
		out = append(out, d.String())
	}
	return out
}

func TestInvalidGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*")
	if err != nil {
		t.Fatal(err)
	}
	var inputs []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".golden") {
			inputs = append(inputs, f)
		}
	}
	if len(inputs) < 10 {
		t.Fatalf("found %d invalid cases, want at least 10", len(inputs))
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			got := strings.Join(parseSet(t, in), "\n") + "\n"
			if got == "\n" {
				t.Fatalf("%s: no problems reported; every file in testdata/invalid must be invalid", in)
			}
			golden := strings.TrimSuffix(in, filepath.Ext(in)) + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("reading golden (run go test ./shared/plan -run TestInvalidGolden -update): %v", err)
			}
			if got != string(want) {
				t.Errorf("messages differ from %s (rerun with -update if intended)\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

// TestTenMistakes pins the acceptance criterion: ten different mistakes give
// exactly ten messages, each with a line and column, in position order.
func TestTenMistakes(t *testing.T) {
	msgs := parseSet(t, "testdata/invalid/ten-mistakes.yaml")
	if len(msgs) != 10 {
		t.Fatalf("got %d messages, want 10:\n%s", len(msgs), strings.Join(msgs, "\n"))
	}
	wantFragments := []string{
		"did you mean description?",
		"bad duration",
		"bad Slack ID",
		"quorum 3 is larger",
		"Region eu-west-1 is not in the plan",
		"ARN Region us-east-1 does not fit",
		"250% is out of range",
		"duplicate step",
		"RPO",
		"shorter than the aurora-global block's minimum",
	}
	for i, m := range msgs {
		if !strings.HasPrefix(m, "testdata/invalid/ten-mistakes.yaml:") {
			t.Errorf("message %d lacks FILE:LINE:COL: %s", i, m)
		}
		if !strings.Contains(m, wantFragments[i]) {
			t.Errorf("message %d = %q, want it to mention %q", i, m, wantFragments[i])
		}
	}
}
