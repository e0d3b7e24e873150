package plan

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Pos is a position in a plan file. Line and Col start at 1; zero means
// unknown (for example a problem found in a set of plans as a whole).
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"col"`
}

// Diagnostic is one problem found in a plan: where it is, which field it is
// about, and what is wrong (with what is allowed, in parentheses).
type Diagnostic struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// String renders d as FILE:LINE:COL: field.path: message.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.File)
	fmt.Fprintf(&b, ":%d:%d: ", d.Line, d.Col)
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics is the error returned when one or more plans are invalid. It
// holds every problem found, sorted by file and position.
type Diagnostics struct {
	List []Diagnostic
}

// Error renders every diagnostic, one per line.
func (ds *Diagnostics) Error() string {
	lines := make([]string, len(ds.List))
	for i, d := range ds.List {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Len is the number of problems.
func (ds *Diagnostics) Len() int { return len(ds.List) }

func (ds *Diagnostics) add(d Diagnostic) { ds.List = append(ds.List, d) }

// sort orders the diagnostics by file, line, column, path and message and
// drops exact duplicates, so output is stable.
func (ds *Diagnostics) sort() {
	slices.SortStableFunc(ds.List, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Message, b.Message),
		)
	})
	ds.List = slices.Compact(ds.List)
}

// err returns ds sorted as an error, or nil when it holds no problem.
func (ds *Diagnostics) err() error {
	if ds == nil || len(ds.List) == 0 {
		return nil
	}
	ds.sort()
	return ds
}

// merge appends the diagnostics of err when it is a *Diagnostics and reports
// whether it was.
func (ds *Diagnostics) merge(err error) bool {
	other, ok := err.(*Diagnostics)
	if ok {
		ds.List = append(ds.List, other.List...)
	}
	return ok
}
