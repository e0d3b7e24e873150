package jsonpath

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// segment is one step of a path.
type segment struct {
	kind      segKind
	name      string   // segName, segRecursive
	names     []string // segUnionNames
	index     int      // segIndex
	indexes   []int    // segUnionIndexes
	start     *int     // segSlice
	end       *int
	step      int
	recursive bool // apply after a ".." (descendants)
	filter    filter
}

type segKind int

const (
	segName segKind = iota
	segIndex
	segWildcard
	segSlice
	segUnionNames
	segUnionIndexes
	segFilter
)

// Path is a parsed JSONPath expression.
type Path struct {
	src  string
	segs []segment
	ctx  bool // starts with $$ (context object)
}

// String returns the source text.
func (p *Path) String() string { return p.src }

// Context reports whether the path addresses the context object ($$).
func (p *Path) Context() bool { return p.ctx }

// IsReference reports whether the path is a Reference Path: it selects at
// most one node (names and non-negative indexes only).
func (p *Path) IsReference() bool {
	for _, s := range p.segs {
		if s.recursive || (s.kind != segName && s.kind != segIndex) {
			return false
		}
	}
	return true
}

// Parse parses a JSONPath starting with "$" (or "$$" for the context object).
func Parse(src string) (*Path, error) {
	p := &Path{src: src}
	if !strings.HasPrefix(src, "$") {
		return nil, fmt.Errorf("path %q must start with '$'", src)
	}
	i := 1
	if strings.HasPrefix(src, "$$") {
		p.ctx = true
		i = 2
	}
	for i < len(src) {
		rec := false
		switch src[i] {
		case '.':
			i++
			if i < len(src) && src[i] == '.' {
				rec = true
				i++
			}
			if i >= len(src) {
				return nil, fmt.Errorf("path %q: expected a field name after '.' at offset %d", src, i)
			}
			if src[i] == '[' {
				if !rec {
					return nil, fmt.Errorf("path %q: unexpected '[' after '.' at offset %d", src, i)
				}
				seg, n, err := parseBracket(src, i)
				if err != nil {
					return nil, err
				}
				seg.recursive = true
				p.segs = append(p.segs, seg)
				i = n
				continue
			}
			if src[i] == '*' {
				p.segs = append(p.segs, segment{kind: segWildcard, recursive: rec})
				i++
				continue
			}
			j := i
			for j < len(src) && src[j] != '.' && src[j] != '[' {
				j++
			}
			name := src[i:j]
			if strings.ContainsAny(name, " \t\n'\"]()@?,:") {
				return nil, fmt.Errorf("path %q: invalid character in field name %q (use ['...'] for special characters)", src, name)
			}
			p.segs = append(p.segs, segment{kind: segName, name: name, recursive: rec})
			i = j
		case '[':
			seg, n, err := parseBracket(src, i)
			if err != nil {
				return nil, err
			}
			seg.recursive = rec
			p.segs = append(p.segs, seg)
			i = n
		default:
			return nil, fmt.Errorf("path %q: unexpected %q at offset %d (want '.' or '[')", src, src[i], i)
		}
	}
	return p, nil
}

func parseBracket(src string, i int) (segment, int, error) {
	// src[i] == '['
	end := -1
	inq := byte(0)
	depth := 0
	for j := i + 1; j < len(src); j++ {
		c := src[j]
		if inq != 0 {
			if c == '\\' {
				j++
				continue
			}
			if c == inq {
				inq = 0
			}
			continue
		}
		if c == '\'' || c == '"' {
			inq = c
			continue
		}
		if c == '[' {
			depth++
		}
		if c == ']' {
			if depth == 0 {
				end = j
				break
			}
			depth--
		}
	}
	if end < 0 {
		return segment{}, 0, fmt.Errorf("path %q: unclosed '[' at offset %d", src, i)
	}
	body := strings.TrimSpace(src[i+1 : end])
	next := end + 1
	switch {
	case body == "*":
		return segment{kind: segWildcard}, next, nil
	case body == "":
		return segment{}, 0, fmt.Errorf("path %q: empty brackets at offset %d", src, i)
	case body[0] == '?':
		expr := strings.TrimSpace(body[1:])
		if !strings.HasPrefix(expr, "(") || !strings.HasSuffix(expr, ")") {
			return segment{}, 0, fmt.Errorf("path %q: a filter must be written [?(...)]", src)
		}
		f, err := parseFilter(expr[1 : len(expr)-1])
		if err != nil {
			return segment{}, 0, fmt.Errorf("path %q: %w", src, err)
		}
		return segment{kind: segFilter, filter: f}, next, nil
	case body[0] == '(':
		return segment{}, 0, fmt.Errorf("path %q: script expressions are not supported", src)
	case body[0] == '\'' || body[0] == '"':
		names, err := splitQuoted(body)
		if err != nil {
			return segment{}, 0, fmt.Errorf("path %q: %w", src, err)
		}
		if len(names) == 1 {
			return segment{kind: segName, name: names[0]}, next, nil
		}
		return segment{kind: segUnionNames, names: names}, next, nil
	case strings.Contains(body, ":"):
		parts := strings.Split(body, ":")
		if len(parts) > 3 {
			return segment{}, 0, fmt.Errorf("path %q: bad slice %q", src, body)
		}
		seg := segment{kind: segSlice, step: 1}
		for k, part := range parts {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			n, err := strconv.Atoi(part)
			if err != nil {
				return segment{}, 0, fmt.Errorf("path %q: bad slice bound %q", src, part)
			}
			switch k {
			case 0:
				seg.start = &n
			case 1:
				seg.end = &n
			case 2:
				if n == 0 {
					return segment{}, 0, fmt.Errorf("path %q: slice step cannot be 0", src)
				}
				seg.step = n
			}
		}
		return seg, next, nil
	default:
		parts := strings.Split(body, ",")
		var idx []int
		for _, part := range parts {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil {
				return segment{}, 0, fmt.Errorf("path %q: bad index %q (want an integer, '*', a slice or a quoted name)", src, part)
			}
			idx = append(idx, n)
		}
		if len(idx) == 1 {
			return segment{kind: segIndex, index: idx[0]}, next, nil
		}
		return segment{kind: segUnionIndexes, indexes: idx}, next, nil
	}
}

func splitQuoted(body string) ([]string, error) {
	var out []string
	i := 0
	for {
		for i < len(body) && body[i] == ' ' {
			i++
		}
		if i >= len(body) || (body[i] != '\'' && body[i] != '"') {
			return nil, fmt.Errorf("bad quoted name list [%s]", body)
		}
		q := body[i]
		i++
		var sb strings.Builder
		closed := false
		for i < len(body) {
			c := body[i]
			if c == '\\' && i+1 < len(body) {
				sb.WriteByte(body[i+1])
				i += 2
				continue
			}
			if c == q {
				closed = true
				i++
				break
			}
			sb.WriteByte(c)
			i++
		}
		if !closed {
			return nil, fmt.Errorf("unterminated quote in [%s]", body)
		}
		out = append(out, sb.String())
		for i < len(body) && body[i] == ' ' {
			i++
		}
		if i >= len(body) {
			return out, nil
		}
		if body[i] != ',' {
			return nil, fmt.Errorf("bad quoted name list [%s]", body)
		}
		i++
	}
}

// ErrNotFound reports that a path selected nothing.
type ErrNotFound struct{ Path string }

func (e *ErrNotFound) Error() string {
	return fmt.Sprintf("the JSONPath %s could not be found in the input", e.Path)
}

// Get evaluates the path against doc. A Reference Path returns the single
// value it selects; any other path returns the list of matches as []any. It
// returns *ErrNotFound when a reference path selects nothing.
func (p *Path) Get(doc any) (any, error) {
	if p.IsReference() {
		cur := doc
		for _, s := range p.segs {
			switch s.kind {
			case segName:
				m, ok := cur.(map[string]any)
				if !ok {
					return nil, &ErrNotFound{p.src}
				}
				v, ok := m[s.name]
				if !ok {
					return nil, &ErrNotFound{p.src}
				}
				cur = v
			case segIndex:
				a, ok := cur.([]any)
				if !ok {
					return nil, &ErrNotFound{p.src}
				}
				i := s.index
				if i < 0 {
					i += len(a)
				}
				if i < 0 || i >= len(a) {
					return nil, &ErrNotFound{p.src}
				}
				cur = a[i]
			}
		}
		return cur, nil
	}
	nodes := []any{doc}
	for _, s := range p.segs {
		var next []any
		for _, n := range nodes {
			if s.recursive {
				for _, d := range descendants(n) {
					next = applySeg(s, d, next)
				}
			} else {
				next = applySeg(s, n, next)
			}
		}
		nodes = next
	}
	if nodes == nil {
		nodes = []any{}
	}
	return nodes, nil
}

func descendants(n any) []any {
	out := []any{n}
	switch v := n.(type) {
	case map[string]any:
		for _, k := range sortedKeys(v) {
			out = append(out, descendants(v[k])...)
		}
	case []any:
		for _, e := range v {
			out = append(out, descendants(e)...)
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func applySeg(s segment, n any, out []any) []any {
	switch s.kind {
	case segName:
		if m, ok := n.(map[string]any); ok {
			if v, ok := m[s.name]; ok {
				out = append(out, v)
			}
		}
	case segUnionNames:
		if m, ok := n.(map[string]any); ok {
			for _, name := range s.names {
				if v, ok := m[name]; ok {
					out = append(out, v)
				}
			}
		}
	case segWildcard:
		switch v := n.(type) {
		case map[string]any:
			for _, k := range sortedKeys(v) {
				out = append(out, v[k])
			}
		case []any:
			out = append(out, v...)
		}
	case segIndex, segUnionIndexes:
		a, ok := n.([]any)
		if !ok {
			return out
		}
		idx := s.indexes
		if s.kind == segIndex {
			idx = []int{s.index}
		}
		for _, i := range idx {
			if i < 0 {
				i += len(a)
			}
			if i >= 0 && i < len(a) {
				out = append(out, a[i])
			}
		}
	case segFilter:
		switch v := n.(type) {
		case []any:
			for _, e := range v {
				if s.filter.eval(e) {
					out = append(out, e)
				}
			}
		case map[string]any:
			for _, k := range sortedKeys(v) {
				if s.filter.eval(v[k]) {
					out = append(out, v[k])
				}
			}
		}
	case segSlice:
		a, ok := n.([]any)
		if !ok {
			return out
		}
		l := len(a)
		norm := func(p *int, def int) int {
			if p == nil {
				return def
			}
			v := *p
			if v < 0 {
				v += l
			}
			return min(max(v, -1), l)
		}
		if s.step > 0 {
			st, en := max(norm(s.start, 0), 0), norm(s.end, l)
			for i := st; i < en; i += s.step {
				out = append(out, a[i])
			}
		} else {
			st, en := min(norm(s.start, l-1), l-1), norm(s.end, -1)
			for i := st; i > en && i >= 0; i += s.step {
				out = append(out, a[i])
			}
		}
	}
	return out
}

// Set returns doc with value placed at the reference path p, creating
// intermediate objects as needed (the ResultPath rule). It fails if the path
// is not a reference path or crosses a non-object value.
func (p *Path) Set(doc, value any) (any, error) {
	if !p.IsReference() {
		return nil, fmt.Errorf("%s is not a reference path", p.src)
	}
	if len(p.segs) == 0 {
		return value, nil
	}
	return setAt(doc, p.segs, value, p.src)
}

func setAt(cur any, segs []segment, value any, src string) (any, error) {
	s := segs[0]
	switch s.kind {
	case segName:
		var m map[string]any
		switch v := cur.(type) {
		case map[string]any:
			m = make(map[string]any, len(v)+1)
			for k, x := range v {
				m[k] = x
			}
		case nil:
			m = map[string]any{}
		default:
			return nil, fmt.Errorf("unable to apply ResultPath %s: the value at %q is not a JSON object", src, s.name)
		}
		if len(segs) == 1 {
			m[s.name] = value
			return m, nil
		}
		child, err := setAt(m[s.name], segs[1:], value, src)
		if err != nil {
			return nil, err
		}
		m[s.name] = child
		return m, nil
	case segIndex:
		a, ok := cur.([]any)
		if !ok {
			return nil, fmt.Errorf("unable to apply ResultPath %s: index [%d] applied to a non-array", src, s.index)
		}
		i := s.index
		if i < 0 {
			i += len(a)
		}
		if i < 0 || i >= len(a) {
			return nil, fmt.Errorf("unable to apply ResultPath %s: index [%d] out of range", src, s.index)
		}
		b := append([]any(nil), a...)
		if len(segs) == 1 {
			b[i] = value
			return b, nil
		}
		child, err := setAt(b[i], segs[1:], value, src)
		if err != nil {
			return nil, err
		}
		b[i] = child
		return b, nil
	}
	return nil, fmt.Errorf("%s is not a reference path", src)
}
