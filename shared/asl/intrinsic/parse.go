package intrinsic

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/switchyard-dev/switchyard/shared/asl/jsonpath"
)

// Call is a parsed intrinsic function invocation.
type Call struct {
	Name string
	Args []Arg
	src  string
}

// String returns the source text.
func (c *Call) String() string { return c.src }

// Arg is one argument: exactly one of its fields is set (Literal may be a
// JSON null, flagged by IsLiteral).
type Arg struct {
	IsLiteral bool
	Literal   any // string, json.Number, bool or nil
	Path      *jsonpath.Path
	Call      *Call
}

// IsIntrinsic reports whether s looks like an intrinsic function call.
func IsIntrinsic(s string) bool {
	return strings.HasPrefix(strings.TrimSpace(s), "States.")
}

// maxDepth bounds nesting so hostile definitions cannot exhaust the stack.
const maxDepth = 64

// Parse parses an intrinsic function expression such as
// "States.Format('Hi {}', $.name)".
func Parse(src string) (*Call, error) {
	p := &parser{src: src}
	p.skipSpace()
	c, err := p.call(0)
	if err != nil {
		return nil, fmt.Errorf("intrinsic %q: %w", src, err)
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return nil, fmt.Errorf("intrinsic %q: unexpected %q at offset %d", src, p.src[p.pos:], p.pos)
	}
	c.src = src
	return c, nil
}

type parser struct {
	src string
	pos int
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

func (p *parser) call(depth int) (*Call, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nesting deeper than %d", maxDepth)
	}
	start := p.pos
	for p.pos < len(p.src) && (isIdent(p.src[p.pos]) || p.src[p.pos] == '.') {
		p.pos++
	}
	name := p.src[start:p.pos]
	if _, ok := functions[name]; !ok {
		return nil, fmt.Errorf("unknown function %q at offset %d (allowed: %s)", name, start, strings.Join(functionNames(), ", "))
	}
	p.skipSpace()
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return nil, fmt.Errorf("expected '(' after %s at offset %d", name, p.pos)
	}
	p.pos++
	c := &Call{Name: name, src: name}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
		return c, nil
	}
	for {
		p.skipSpace()
		a, err := p.arg(depth)
		if err != nil {
			return nil, err
		}
		c.Args = append(c.Args, a)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return nil, fmt.Errorf("unclosed '(' in %s", name)
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ')':
			p.pos++
			return c, nil
		default:
			return nil, fmt.Errorf("unexpected %q at offset %d in the arguments of %s", p.src[p.pos], p.pos, name)
		}
	}
}

func isIdent(b byte) bool {
	return b == '_' || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
}

func (p *parser) arg(depth int) (Arg, error) {
	if p.pos >= len(p.src) {
		return Arg{}, fmt.Errorf("missing argument at end of input")
	}
	c := p.src[p.pos]
	switch {
	case c == '\'':
		s, err := p.str()
		return Arg{IsLiteral: true, Literal: s}, err
	case c == '$':
		start := p.pos
		depthB := 0
		inq := false
		for p.pos < len(p.src) {
			ch := p.src[p.pos]
			if inq {
				if ch == '\\' {
					p.pos++
				} else if ch == '\'' {
					inq = false
				}
				p.pos++
				continue
			}
			if ch == '\'' {
				inq = true
			} else if ch == '[' {
				depthB++
			} else if ch == ']' {
				depthB--
			} else if depthB == 0 && (ch == ',' || ch == ')' || ch == ' ') {
				break
			}
			p.pos++
		}
		path, err := jsonpath.Parse(p.src[start:p.pos])
		if err != nil {
			return Arg{}, err
		}
		return Arg{Path: path}, nil
	case strings.HasPrefix(p.src[p.pos:], "States."):
		call, err := p.call(depth + 1)
		return Arg{Call: call}, err
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.pos
		p.pos++
		for p.pos < len(p.src) && strings.IndexByte("0123456789.eE+-", p.src[p.pos]) >= 0 {
			p.pos++
		}
		lit := p.src[start:p.pos]
		var n json.Number
		if err := json.Unmarshal([]byte(lit), &n); err != nil {
			return Arg{}, fmt.Errorf("bad number %q at offset %d", lit, start)
		}
		return Arg{IsLiteral: true, Literal: n}, nil
	default:
		for _, kw := range []struct {
			s string
			v any
		}{{"true", true}, {"false", false}, {"null", nil}} {
			if strings.HasPrefix(p.src[p.pos:], kw.s) {
				p.pos += len(kw.s)
				return Arg{IsLiteral: true, Literal: kw.v}, nil
			}
		}
		return Arg{}, fmt.Errorf("unexpected %q at offset %d (want a 'string', a number, true/false/null, a $path or States.X(...))", c, p.pos)
	}
}

// str reads a single-quoted string; \' \{ \} \\ escapes keep their backslash
// for braces so States.Format can tell escaped braces from placeholders.
func (p *parser) str() (string, error) {
	start := p.pos
	p.pos++
	var sb strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '\\' && p.pos+1 < len(p.src) {
			n := p.src[p.pos+1]
			if n == '{' || n == '}' {
				sb.WriteByte('\\')
			}
			sb.WriteByte(n)
			p.pos += 2
			continue
		}
		if c == '\'' {
			p.pos++
			return sb.String(), nil
		}
		sb.WriteByte(c)
		p.pos++
	}
	return "", fmt.Errorf("unterminated string starting at offset %d", start)
}
