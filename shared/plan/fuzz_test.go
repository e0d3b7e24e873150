package plan

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. Malformed input must never
// panic; every diagnostic must have a position; and a plan that parses must
// survive a round trip through its canonical JSON with the same fingerprint.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"../../examples/plans/*.yaml", "testdata/invalid/*.yaml", "testdata/invalid/*.json"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("{}"))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		plans, err := Parse("fuzz.yaml", data)
		if err != nil {
			d, ok := err.(*Diagnostics)
			if !ok {
				t.Fatalf("Parse returned %T, want *Diagnostics", err)
			}
			if d.Len() == 0 {
				t.Fatal("empty *Diagnostics returned as an error")
			}
			for _, diag := range d.List {
				if diag.Line < 1 || diag.Col < 1 || diag.Message == "" {
					t.Fatalf("diagnostic without position or message: %+v", diag)
				}
			}
			_ = ValidateSet(plans) // must not panic on partially decoded plans
			return
		}
		if err := ValidateSet(plans); err != nil {
			return
		}
		for _, p := range plans {
			canon, err := p.CanonicalJSON()
			if err != nil {
				t.Fatalf("valid plan has no canonical JSON: %v", err)
			}
			again, err := Parse("canonical.json", canon)
			if err != nil {
				t.Fatalf("canonical JSON does not parse back: %v\n%s", err, canon)
			}
			if len(again) != 1 || again[0].Fingerprint() != p.Fingerprint() {
				t.Fatalf("round trip changed the fingerprint\n%s", canon)
			}
		}
	})
}
