package jsonpath

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// filter is a parsed filter expression, [?(...)]: comparisons of the current
// node's fields (@.a.b) with literals or with each other, combined with
// &&, || and !. A lone @-path tests that the field exists.
type filter interface {
	eval(node any) bool
}

type filterAnd struct{ l, r filter }
type filterOr struct{ l, r filter }
type filterNot struct{ x filter }
type filterCmp struct {
	l, r operand
	op   string // "" for an existence test of l
}

func (f filterAnd) eval(n any) bool { return f.l.eval(n) && f.r.eval(n) }
func (f filterOr) eval(n any) bool  { return f.l.eval(n) || f.r.eval(n) }
func (f filterNot) eval(n any) bool { return !f.x.eval(n) }

// operand is a literal or a path relative to the current node (@).
type operand struct {
	rel     *Path // nil for a literal
	literal any
}

func (o operand) value(node any) (any, bool) {
	if o.rel == nil {
		return o.literal, true
	}
	v, err := o.rel.Get(node)
	return v, err == nil
}

func (f filterCmp) eval(node any) bool {
	l, ok := f.l.value(node)
	if f.op == "" {
		return ok
	}
	r, ok2 := f.r.value(node)
	if !ok || !ok2 {
		return false
	}
	if lf, lok := number(l); lok {
		rf, rok := number(r)
		if !rok {
			return f.op == "!="
		}
		switch f.op {
		case "==":
			return lf == rf
		case "!=":
			return lf != rf
		case "<":
			return lf < rf
		case "<=":
			return lf <= rf
		case ">":
			return lf > rf
		case ">=":
			return lf >= rf
		}
	}
	if ls, lok := l.(string); lok {
		rs, rok := r.(string)
		if !rok {
			return f.op == "!="
		}
		switch f.op {
		case "==":
			return ls == rs
		case "!=":
			return ls != rs
		case "<":
			return ls < rs
		case "<=":
			return ls <= rs
		case ">":
			return ls > rs
		case ">=":
			return ls >= rs
		}
	}
	eq := fmt.Sprint(l) == fmt.Sprint(r) && sameKind(l, r)
	switch f.op {
	case "==":
		return eq
	case "!=":
		return !eq
	}
	return false
}

func sameKind(a, b any) bool {
	switch a.(type) {
	case bool:
		_, ok := b.(bool)
		return ok
	case nil:
		return b == nil
	}
	return false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case int:
		return float64(n), true
	}
	return 0, false
}

// maxFilterDepth bounds nesting of parentheses and negations.
const maxFilterDepth = 32

type filterParser struct {
	src   string
	pos   int
	depth int
}

func parseFilter(expr string) (filter, error) {
	p := &filterParser{src: expr}
	f, err := p.or()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.src) {
		return nil, fmt.Errorf("unexpected %q in filter", p.src[p.pos:])
	}
	return f, nil
}

func (p *filterParser) space() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

func (p *filterParser) eat(tok string) bool {
	p.space()
	if strings.HasPrefix(p.src[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *filterParser) or() (filter, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.eat("||") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = filterOr{l, r}
	}
	return l, nil
}

func (p *filterParser) and() (filter, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.eat("&&") {
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = filterAnd{l, r}
	}
	return l, nil
}

func (p *filterParser) unary() (filter, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxFilterDepth {
		return nil, fmt.Errorf("filter nested too deeply")
	}
	if p.eat("!") && !strings.HasPrefix(p.src[p.pos:], "=") {
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return filterNot{x}, nil
	}
	if p.eat("(") {
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.eat(")") {
			return nil, fmt.Errorf("missing ')' in filter")
		}
		return x, nil
	}
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	for _, op := range []string{"==", "!=", "<=", ">=", "<", ">"} {
		if p.eat(op) {
			r, err := p.operand()
			if err != nil {
				return nil, err
			}
			return filterCmp{l: l, r: r, op: op}, nil
		}
	}
	if l.rel == nil {
		return nil, fmt.Errorf("a filter term must compare or test an @ path")
	}
	return filterCmp{l: l}, nil
}

func (p *filterParser) operand() (operand, error) {
	p.space()
	if p.pos >= len(p.src) {
		return operand{}, fmt.Errorf("missing operand in filter")
	}
	c := p.src[p.pos]
	switch {
	case c == '@':
		start := p.pos
		p.pos++
		depth := 0
		var q byte
		for p.pos < len(p.src) {
			ch := p.src[p.pos]
			if q != 0 {
				if ch == '\\' {
					p.pos++
				} else if ch == q {
					q = 0
				}
				p.pos++
				continue
			}
			if ch == '\'' || ch == '"' {
				q = ch
			} else if ch == '[' {
				depth++
			} else if ch == ']' {
				depth--
			} else if depth == 0 && strings.IndexByte(" =!<>&|)", ch) >= 0 {
				break
			}
			p.pos++
		}
		rel, err := Parse("$" + p.src[start+1:p.pos])
		if err != nil {
			return operand{}, err
		}
		if !rel.IsReference() {
			return operand{}, fmt.Errorf("filter path %q must be a simple field path", p.src[start:p.pos])
		}
		return operand{rel: rel}, nil
	case c == '\'' || c == '"':
		names, err := splitQuoted(p.src[p.pos:p.quoteEnd(c)])
		if err != nil || len(names) != 1 {
			return operand{}, fmt.Errorf("bad string in filter")
		}
		p.pos = p.quoteEnd(c)
		return operand{literal: names[0]}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.pos
		p.pos++
		for p.pos < len(p.src) && strings.IndexByte("0123456789.eE+-", p.src[p.pos]) >= 0 {
			p.pos++
		}
		f, err := strconv.ParseFloat(p.src[start:p.pos], 64)
		if err != nil {
			return operand{}, fmt.Errorf("bad number %q in filter", p.src[start:p.pos])
		}
		return operand{literal: f}, nil
	}
	for _, kw := range []struct {
		s string
		v any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(p.src[p.pos:], kw.s) {
			p.pos += len(kw.s)
			return operand{literal: kw.v}, nil
		}
	}
	return operand{}, fmt.Errorf("unexpected %q in filter (want @path, a number, a 'string', true, false or null)", c)
}

// quoteEnd returns the offset just past the string starting at p.pos.
func (p *filterParser) quoteEnd(q byte) int {
	for i := p.pos + 1; i < len(p.src); i++ {
		if p.src[i] == '\\' {
			i++
			continue
		}
		if p.src[i] == q {
			return i + 1
		}
	}
	return len(p.src)
}
