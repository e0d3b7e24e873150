package plan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// maxFileSize bounds a plan file; real plans are a few kilobytes.
const maxFileSize = 4 << 20

// ParseFile reads and parses the plan file at path. See Parse.
func ParseFile(path string) ([]*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading plan file: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates every YAML (or JSON) document in data; name
// is used in messages. When every plan is valid it returns them with their
// defaults applied and a nil error. Otherwise the error is a *Diagnostics
// holding every problem found, sorted by position, and the plans that could
// be decoded are returned too, so that ValidateSet can still report
// cross-plan problems; such plans must not be executed. Checks that need
// several plans (dependencies, cycles, unique names) are ValidateSet's.
func Parse(name string, data []byte) (plans []*Plan, err error) {
	diags := &Diagnostics{}
	if len(data) > maxFileSize {
		diags.add(Diagnostic{File: name, Line: 1, Col: 1, Message: fmt.Sprintf("file is %d bytes (at most %d)", len(data), maxFileSize)})
		return nil, diags.err()
	}
	docs, err := splitDocuments(name, data)
	if err != nil {
		diags.merge(err)
		return nil, diags.err()
	}
	for _, doc := range docs {
		p := decodePlan(name, doc, diags)
		if p != nil {
			plans = append(plans, p)
		}
	}
	if len(docs) == 0 {
		diags.add(Diagnostic{File: name, Line: 1, Col: 1, Message: "no plan in file (a YAML or JSON document with apiVersion: " + APIVersion + ")"})
	}
	if err := diags.err(); err != nil {
		return plans, err
	}
	for _, p := range plans {
		p.applyDefaults()
	}
	return plans, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// splitDocuments parses data into YAML document nodes. A syntax error ends
// parsing: YAML cannot resynchronise after one.
func splitDocuments(name string, data []byte) (docs []*yaml.Node, err error) {
	defer func() {
		// yaml.v3 has panicked on some malformed inputs in the past; a bad
		// file must never take the caller down.
		if r := recover(); r != nil {
			d := &Diagnostics{}
			d.add(Diagnostic{File: name, Line: 1, Col: 1, Message: fmt.Sprintf("YAML parser failed: %v (well-formed YAML or JSON)", r)})
			docs, err = nil, d
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			d := &Diagnostics{}
			d.add(syntaxDiagnostic(name, err))
			return nil, d
		}
		if len(n.Content) == 0 {
			continue
		}
		docs = append(docs, &n)
	}
}

func syntaxDiagnostic(name string, err error) Diagnostic {
	msg := err.Error()
	line := 1
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			line = n
		}
		msg = m[2]
	}
	return Diagnostic{File: name, Line: line, Col: 1, Message: "YAML syntax error: " + msg + " (well-formed YAML or JSON)"}
}

// decodePlan decodes one document and validates it, adding problems to
// diags. It returns nil when the document is not a mapping at all.
func decodePlan(name string, doc *yaml.Node, diags *Diagnostics) *Plan {
	root := doc.Content[0]
	if root.Kind == yaml.AliasNode {
		root = root.Alias
	}
	if root == nil || root.Kind != yaml.MappingNode {
		line, col := doc.Line, doc.Column
		if root != nil {
			line, col = root.Line, root.Column
		}
		diags.add(Diagnostic{File: name, Line: line, Col: col, Message: "a plan document must be a mapping (apiVersion, kind, metadata, spec)"})
		return nil
	}
	p := &Plan{}
	d := newDecoder(name, diags)
	d.decode(root, "", reflect.ValueOf(p).Elem())
	p.src = source{file: name, pos: d.pos, bad: d.bad, node: Pos{Line: root.Line, Col: root.Column}}
	if d.overflow {
		return p
	}
	p.validate(diags)
	return p
}
