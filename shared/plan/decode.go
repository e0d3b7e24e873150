package plan

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxValues bounds how many YAML values one document may expand to, aliases
// included, so a small file cannot make the decoder do unbounded work.
const maxValues = 200_000

// RawJSON is a free-form JSON value in a plan (a Lambda payload). YAML
// input is converted to JSON; its canonical form has sorted object keys.
type RawJSON = json.RawMessage

var (
	durationType = reflect.TypeFor[Duration]()
	rawJSONType  = reflect.TypeFor[RawJSON]()
	configType   = reflect.TypeFor[Config]()
	stepType     = reflect.TypeFor[Step]()
)

// decoder turns a yaml.Node tree into plan types, strictly: unknown fields,
// duplicate keys and wrong kinds are reported with their position, and the
// position of every value is recorded by field path.
type decoder struct {
	file     string
	pos      map[string]Pos
	bad      map[string]bool // paths whose value could not be decoded
	diags    *Diagnostics
	budget   int
	overflow bool
}

func newDecoder(file string, diags *Diagnostics) *decoder {
	return &decoder{file: file, pos: map[string]Pos{}, bad: map[string]bool{}, diags: diags, budget: maxValues}
}

func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	d.bad[path] = true
	d.diags.add(Diagnostic{File: d.file, Line: n.Line, Col: n.Column, Path: path, Message: fmt.Sprintf(format, args...)})
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func index(parent string, i int) string { return parent + "[" + strconv.Itoa(i) + "]" }

// resolve follows aliases and spends budget; it returns nil when the
// document is too large.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode; hops++ {
		if hops > 100 {
			return nil
		}
		n = n.Alias
	}
	if n == nil {
		return nil
	}
	d.budget--
	if d.budget < 0 {
		if !d.overflow {
			d.overflow = true
			d.errorf(n, "", "document too large (at most %d values, aliases expanded)", maxValues)
		}
		return nil
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if len(n.Value) > 40 {
			return strconv.Quote(n.Value[:40] + "…")
		}
		return strconv.Quote(n.Value)
	}
	return "nothing"
}

// decode stores n into v (addressable) and records positions under path.
func (d *decoder) decode(n *yaml.Node, path string, v reflect.Value) {
	if n = d.resolve(n); n == nil || isNull(n) {
		return
	}
	d.pos[path] = Pos{Line: n.Line, Col: n.Column}
	t := v.Type()
	switch {
	case t == durationType:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, path, "expected a duration, got %s (a number with a unit: 30s, 15m, 1h30m)", describe(n))
			return
		}
		dur, err := ParseDuration(n.Value)
		if err != nil {
			d.errorf(n, path, "bad duration %q: %v (a number with a unit: 30s, 15m, 1h30m)", n.Value, err)
			return
		}
		v.Set(reflect.ValueOf(dur))
		return
	case t == rawJSONType:
		val, ok := d.jsonValue(n, path)
		if !ok {
			return
		}
		raw, err := json.Marshal(val)
		if err != nil {
			d.errorf(n, path, "cannot be represented as JSON: %v (JSON-compatible values)", err)
			return
		}
		v.Set(reflect.ValueOf(RawJSON(raw)))
		return
	case t == configType:
		return // decoded by decodeStep once the block is known
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		d.decode(n, path, v.Elem())
	case reflect.Struct:
		d.decodeStruct(n, path, v)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorf(n, path, "expected a list, got %s (a YAML list: [a, b] or lines starting with -)", describe(n))
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, index(path, i), s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.errorf(n, path, "expected a mapping, got %s (key: value pairs)", describe(n))
			return
		}
		m := reflect.MakeMap(t)
		seen := map[string]bool{}
		d.eachPair(n, path, func(k, val *yaml.Node, key string) {
			if seen[key] {
				d.errorf(k, join(path, key), "duplicate key (each key once)")
				return
			}
			seen[key] = true
			e := reflect.New(t.Elem()).Elem()
			d.decode(val, join(path, key), e)
			m.SetMapIndex(reflect.ValueOf(key).Convert(t.Key()), e)
		})
		v.Set(m)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.errorf(n, path, "expected a string, got %s (a single value)", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || err != nil {
			d.errorf(n, path, "expected true or false, got %s (true | false)", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		i, err := strconv.ParseInt(n.Value, 0, 64)
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil || i > math.MaxInt32 || i < math.MinInt32 {
			d.errorf(n, path, "expected a whole number, got %s (an integer such as 2)", describe(n))
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, 64)
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			d.errorf(n, path, "expected a number, got %s (a number such as 2 or 1.5)", describe(n))
			return
		}
		v.SetFloat(f)
	default:
		d.errorf(n, path, "cannot decode into %s (internal: unsupported field type)", t)
	}
}

// eachPair calls f for every key/value of a mapping, expanding YAML merge
// keys (<<) first so that explicit keys win.
func (d *decoder) eachPair(n *yaml.Node, path string, f func(k, v *yaml.Node, key string)) {
	explicit := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Tag != "!!merge" {
			explicit[k.Value] = true
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "mapping key must be a plain string, got %s (field names)", describe(k))
			continue
		}
		if k.Tag == "!!merge" {
			d.merge(val, path, explicit, f)
			continue
		}
		f(k, val, k.Value)
	}
}

func (d *decoder) merge(n *yaml.Node, path string, explicit map[string]bool, f func(k, v *yaml.Node, key string)) {
	if n = d.resolve(n); n == nil {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.ScalarNode && !explicit[k.Value] && k.Tag != "!!merge" {
				explicit[k.Value] = true
				f(k, n.Content[i+1], k.Value)
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c = d.resolve(c); c != nil && c.Kind == yaml.MappingNode {
				d.merge(c, path, explicit, f)
			} else if c != nil {
				d.errorf(c, path, "merge (<<) of %s (mappings only)", describe(c))
			}
		}
	default:
		d.errorf(n, path, "merge (<<) of %s (a mapping or a list of mappings)", describe(n))
	}
}

// fieldNames returns the yaml names of a struct's fields, in order.
func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			names = append(names, name)
		}
	}
	return names
}

func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

func (d *decoder) decodeStruct(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping, got %s (key: value pairs)", describe(n))
		return
	}
	t := v.Type()
	fields := map[string]int{}
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			fields[name] = i
		}
	}
	seen := map[string]bool{}
	var withNode *yaml.Node
	d.eachPair(n, path, func(k, val *yaml.Node, key string) {
		fp := join(path, key)
		if seen[key] {
			d.errorf(k, fp, "duplicate field (each field once)")
			return
		}
		seen[key] = true
		i, ok := fields[key]
		if !ok {
			names := fieldNames(t)
			if hint := didYouMean(key, names); hint != "" {
				d.errorf(k, fp, "unknown field (%s)", hint)
			} else {
				d.errorf(k, fp, "unknown field (allowed: %s)", strings.Join(names, ", "))
			}
			return
		}
		if t.Field(i).Type == configType {
			withNode = val
			return
		}
		d.decode(val, fp, v.Field(i))
	})
	if t == stepType {
		d.decodeWith(v.Addr().Interface().(*Step), withNode, path)
	}
}

// decodeWith decodes a step's `with` into the typed configuration of its
// block. An unknown block is reported here, with a near-miss suggestion.
func (d *decoder) decodeWith(s *Step, n *yaml.Node, path string) {
	if s.Block == "" {
		return // reported as missing by the validator
	}
	spec, ok := LookupBlock(s.Block)
	if !ok {
		bp := join(path, "block")
		k := &yaml.Node{Line: d.pos[bp].Line, Column: d.pos[bp].Col}
		if hint := didYouMean(s.Block, BlockNames()); hint != "" {
			d.errorf(k, bp, "unknown block %q (%s)", s.Block, hint)
		} else {
			d.errorf(k, bp, "unknown block %q (%s)", s.Block, oneOf(BlockNames()))
		}
		return
	}
	cfg := spec.New()
	if n != nil {
		d.decode(n, join(path, "with"), reflect.ValueOf(cfg).Elem())
	}
	s.With = cfg
}

// jsonValue converts a YAML value to a JSON-compatible Go value.
func (d *decoder) jsonValue(n *yaml.Node, path string) (any, bool) {
	if n = d.resolve(n); n == nil {
		return nil, false
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		ok := true
		d.eachPair(n, path, func(_, val *yaml.Node, key string) {
			e, eok := d.jsonValue(val, join(path, key))
			ok = ok && eok
			m[key] = e
		})
		return m, ok
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			e, ok := d.jsonValue(c, index(path, i))
			if !ok {
				return nil, false
			}
			s[i] = e
		}
		return s, true
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, true
		case "!!bool":
			b, err := strconv.ParseBool(n.Value)
			return b, err == nil
		case "!!int", "!!float":
			f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				if i, ierr := strconv.ParseInt(n.Value, 0, 64); ierr == nil {
					return i, true
				}
				d.errorf(n, path, "number %q has no JSON form (finite decimal numbers)", n.Value)
				return nil, false
			}
			if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
				return i, true
			}
			return f, true
		default:
			return n.Value, true
		}
	}
	d.errorf(n, path, "unsupported YAML value (JSON-compatible values)")
	return nil, false
}

// sortedKeys is a small helper for deterministic iteration over maps.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
