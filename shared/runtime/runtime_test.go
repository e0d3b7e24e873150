package runtime

import (
	"encoding/json"
	"io/fs"
	"testing"

	"github.com/switchyard-dev/switchyard/shared/asl"
	"github.com/switchyard-dev/switchyard/statemachines"
)

// TestSubstitutionsCoverEveryName: the local runtime provides every name the
// CDK app provides (statemachines/substitutions.json), and every placeholder
// the definitions use, so the definitions run locally exactly as deployed.
func TestSubstitutionsCoverEveryName(t *testing.T) {
	files, err := fs.Glob(statemachines.FS, "*.asl.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no definitions embedded: %v", err)
	}
	vars := Substitutions(files, "us-west-2", "123456789012")
	raw, err := fs.ReadFile(statemachines.FS, "substitutions.json")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := json.Unmarshal(raw, &names); err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("substitutions.json lists no names")
	}
	for _, n := range names {
		if vars[n] == "" {
			t.Errorf("the CDK app provides ${%s} but the local runtime does not", n)
		}
	}
	for _, f := range files {
		def, _ := fs.ReadFile(statemachines.FS, f)
		for _, p := range asl.Placeholders(def) {
			if vars[p] == "" {
				t.Errorf("%s uses ${%s}, which the local runtime does not provide", f, p)
			}
		}
	}
}
