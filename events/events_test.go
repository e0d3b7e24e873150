package events

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestFSHoldsEveryFile guards the embed patterns: every JSON file on disk is
// embedded, and nothing else.
func TestFSHoldsEveryFile(t *testing.T) {
	for _, dir := range []string{"rules", "schedules", "samples", "schemas"} {
		t.Run(dir, func(t *testing.T) {
			onDisk, err := filepath.Glob(filepath.Join(dir, "*.json"))
			if err != nil || len(onDisk) == 0 {
				t.Fatalf("no files in %s: %v", dir, err)
			}
			embedded, err := fs.Glob(FS, dir+"/*")
			if err != nil {
				t.Fatal(err)
			}
			if len(embedded) != len(onDisk) {
				t.Errorf("embedded %v, on disk %v", embedded, onDisk)
			}
			for _, p := range onDisk {
				want, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				got, err := fs.ReadFile(FS, filepath.ToSlash(p))
				if err != nil || string(got) != string(want) {
					t.Errorf("%s: embedded copy differs or is missing (%v)", p, err)
				}
			}
		})
	}
}
