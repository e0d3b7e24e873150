package controlplane

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/switchyard-dev/switchyard/shared/plan"
)

// writePlans copies the named example plan files into a temporary
// directory, applying edit to each file's text, and returns the directory.
func writePlans(t *testing.T, files map[string]func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	for name, edit := range files {
		data, err := os.ReadFile(filepath.Join(examplePlans, name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(edit(string(data))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func same(s string) string { return s }

// validatorText is what the plan package itself says about the files in
// dir: each file's diagnostics, then the set's.
func validatorText(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	var out []string
	var all []*plan.Plan
	for _, f := range files {
		ps, err := plan.ParseFile(f)
		all = append(all, ps...)
		if err != nil {
			out = append(out, strings.Split(err.Error(), "\n")...)
		}
	}
	if err := plan.ValidateSet(all); err != nil {
		out = append(out, strings.Split(err.Error(), "\n")...)
	}
	return out
}

func TestLoadPlans(t *testing.T) {
	tests := []struct {
		name string
		dir  func(t *testing.T) string
		// want are the plan names of a valid set; wantMsgs are fragments
		// every error must contain (besides the validator's exact lines).
		want     []string
		wantMsgs []string
	}{
		{
			name: "examples",
			dir:  func(*testing.T) string { return examplePlans },
			want: []string{"ledger-api", "ledger-core", "ledger-reporting", "payments", "storefront"},
		},
		{
			name: "empty directory",
			dir:  func(t *testing.T) string { return t.TempDir() },
		},
		{
			name: "a bad plan fails with the validator's messages",
			dir: func(t *testing.T) string {
				return writePlans(t, map[string]func(string) string{
					"payments.yaml": func(s string) string {
						s = strings.Replace(s, "rpo: 30s", "rpo: 30 seconds", 1)
						return strings.Replace(s, "percent: 80", "percent: 800", 1)
					},
					"storefront.yaml": same,
				})
			},
			wantMsgs: []string{"payments.yaml:", "spec.objectives.rpo", ".percent"},
		},
		{
			name: "set checks: unknown dependency and cycle",
			dir: func(t *testing.T) string {
				return writePlans(t, map[string]func(string) string{
					"payments.yaml": func(s string) string {
						return strings.Replace(s, "dependsOn: []", "dependsOn: [storefront, ledger-coer]", 1)
					},
					"storefront.yaml": func(s string) string { return s + "  dependsOn: [payments]\n" },
				})
			},
			wantMsgs: []string{`unknown plan "ledger-coer"`, "dependency cycle payments → storefront → payments"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.dir(t)
			set, err := LoadPlans(dir)
			if len(tc.wantMsgs) > 0 {
				var pe *PlanErrors
				if !errors.As(err, &pe) {
					t.Fatalf("LoadPlans = %v, want *PlanErrors", err)
				}
				lines := validatorText(t, dir)
				if len(lines) == 0 {
					t.Fatal("the validator reports nothing; the case is broken")
				}
				for _, l := range lines {
					if !strings.Contains(err.Error(), l) {
						t.Errorf("error does not carry the validator's line %q:\n%v", l, err)
					}
				}
				for _, w := range tc.wantMsgs {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error does not contain %q:\n%v", w, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range set.Plans {
				names = append(names, p.Name)
				if p.Version != p.Plan.Fingerprint() || !strings.HasPrefix(p.Version, "sha256:") {
					t.Errorf("%s: version %s, fingerprint %s", p.Name, p.Version, p.Plan.Fingerprint())
				}
				doc, err := p.Plan.CanonicalJSON()
				if err != nil || string(doc) != p.Document {
					t.Errorf("%s: document is not the canonical JSON (%v)", p.Name, err)
				}
			}
			if !slices.Equal(names, tc.want) {
				t.Errorf("plans = %v, want %v", names, tc.want)
			}
		})
	}
	t.Run("missing directory", func(t *testing.T) {
		if _, err := LoadPlans(filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), `context "plans"`) {
			t.Errorf("LoadPlans = %v, want an error naming the context key", err)
		}
	})
}
