package eventbus

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// valueKind is the kind of one residual match value.
type valueKind int

const (
	kindString valueKind = iota
	kindNumber
	kindBool
	kindNull
	kindPrefix
	kindSuffix
	kindFold // equals-ignore-case
	kindWildcard
	kindPrefixFold
	kindSuffixFold
	kindNumeric
	kindAnythingBut
)

// matchValue is one element of a residual field's match array.
type matchValue struct {
	kind valueKind
	s    string
	n    float64
	b    bool
	rng  numericRange
	ab   anythingBut
}

// residualField is a field matched in Go rather than by quamina.
type residualField struct {
	path   []string
	values []matchValue
}

// newResidualField converts a validated field into Go matchers.
func newResidualField(f field) (residualField, error) {
	rf := residualField{path: f.path}
	for _, v := range f.values {
		mv, err := toMatchValue(v)
		if err != nil {
			return rf, &PatternError{Path: dotted(f.path), Msg: err.Error()}
		}
		rf.values = append(rf.values, mv)
	}
	return rf, nil
}

func toMatchValue(v any) (matchValue, error) {
	switch tv := v.(type) {
	case string:
		return matchValue{kind: kindString, s: tv}, nil
	case json.Number:
		x, err := strconv.ParseFloat(string(tv), 64)
		if err != nil {
			return matchValue{}, fmt.Errorf("%s is not a number", tv)
		}
		return matchValue{kind: kindNumber, n: x}, nil
	case bool:
		return matchValue{kind: kindBool, b: tv}, nil
	case nil:
		return matchValue{kind: kindNull}, nil
	case map[string]any:
		for op, arg := range tv {
			switch op {
			case "prefix", "suffix":
				if s, ok := arg.(string); ok {
					return matchValue{kind: map[string]valueKind{"prefix": kindPrefix, "suffix": kindSuffix}[op], s: s}, nil
				}
				s := arg.(map[string]any)["equals-ignore-case"].(string)
				return matchValue{kind: map[string]valueKind{"prefix": kindPrefixFold, "suffix": kindSuffixFold}[op], s: s}, nil
			case "equals-ignore-case":
				return matchValue{kind: kindFold, s: arg.(string)}, nil
			case "wildcard":
				return matchValue{kind: kindWildcard, s: arg.(string)}, nil
			case "numeric":
				r, err := parseNumeric(arg)
				return matchValue{kind: kindNumeric, rng: r}, err
			case "anything-but":
				ab, err := parseAnythingBut(arg)
				return matchValue{kind: kindAnythingBut, ab: ab}, err
			}
			return matchValue{}, fmt.Errorf("operator %q cannot be matched here", op)
		}
	}
	return matchValue{}, fmt.Errorf("unexpected match value %v", v)
}

// matches reports whether any leaf value at the field's path matches any of
// its match values. A missing field matches nothing (exists is always left
// to quamina).
func (rf residualField) matches(doc any) bool {
	for _, leaf := range leaves(doc, rf.path) {
		for _, mv := range rf.values {
			if mv.match(leaf) {
				return true
			}
		}
	}
	return false
}

// leaves collects the leaf values at path, descending into arrays at every
// level as EventBridge does. Objects are not leaves.
func leaves(node any, path []string) []any {
	if arr, ok := node.([]any); ok {
		var out []any
		for _, e := range arr {
			out = append(out, leaves(e, path)...)
		}
		return out
	}
	if len(path) == 0 {
		if _, isObj := node.(map[string]any); isObj {
			return nil
		}
		return []any{node}
	}
	obj, ok := node.(map[string]any)
	if !ok {
		return nil
	}
	child, ok := obj[path[0]]
	if !ok {
		return nil
	}
	return leaves(child, path[1:])
}

// match tests one event leaf (string, json.Number, bool or nil).
func (mv matchValue) match(leaf any) bool {
	s, isStr := leaf.(string)
	num, isNum := leaf.(json.Number)
	var x float64
	if isNum {
		var err error
		if x, err = strconv.ParseFloat(string(num), 64); err != nil {
			isNum = false
		}
	}
	switch mv.kind {
	case kindString:
		return isStr && s == mv.s
	case kindNumber:
		return isNum && x == mv.n
	case kindBool:
		b, ok := leaf.(bool)
		return ok && b == mv.b
	case kindNull:
		return leaf == nil
	case kindPrefix:
		return isStr && strings.HasPrefix(s, mv.s)
	case kindSuffix:
		return isStr && strings.HasSuffix(s, mv.s)
	case kindPrefixFold:
		return isStr && len(s) >= len(mv.s) && strings.EqualFold(s[:len(mv.s)], mv.s)
	case kindSuffixFold:
		return isStr && len(s) >= len(mv.s) && strings.EqualFold(s[len(s)-len(mv.s):], mv.s)
	case kindFold:
		return isStr && strings.EqualFold(s, mv.s)
	case kindWildcard:
		return isStr && wildcardMatch(mv.s, s)
	case kindNumeric:
		return isNum && mv.rng.match(x)
	case kindAnythingBut:
		for _, n := range mv.ab.not {
			if n.match(leaf) {
				return false
			}
		}
		return true
	}
	return false
}

// wildcardMatch matches s against an EventBridge wildcard pattern: '*'
// matches any run of characters; "\*" and "\\" are a literal star and
// backslash.
func wildcardMatch(pattern, s string) bool {
	// Split the pattern into literal segments separated by unescaped stars.
	var segs []string
	var cur strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern):
			i++
			cur.WriteByte(pattern[i])
		case c == '*':
			segs = append(segs, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	segs = append(segs, cur.String())
	if len(segs) == 1 {
		return s == segs[0]
	}
	if !strings.HasPrefix(s, segs[0]) {
		return false
	}
	s = s[len(segs[0]):]
	last := segs[len(segs)-1]
	for _, seg := range segs[1 : len(segs)-1] {
		i := strings.Index(s, seg)
		if i < 0 {
			return false
		}
		s = s[i+len(seg):]
	}
	return strings.HasSuffix(s, last)
}
