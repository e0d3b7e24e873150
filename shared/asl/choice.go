package asl

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/switchyard-dev/switchyard/shared/asl/intrinsic"
	"github.com/switchyard-dev/switchyard/shared/asl/jsonpath"
)

// ChoiceRule is a Choice Rule: either a boolean combination (And, Or, Not)
// or a comparison of Variable with an operand.
type ChoiceRule struct {
	Next     string // top-level rules only
	And, Or  []*ChoiceRule
	Not      *ChoiceRule
	Variable *jsonpath.Path
	Operator string
	Operand  any            // literal operand
	OperandP *jsonpath.Path // for *Path operators
}

var comparisonOps = map[string]string{ // operator -> operand kind
	"StringEquals": "string", "StringLessThan": "string", "StringGreaterThan": "string",
	"StringLessThanEquals": "string", "StringGreaterThanEquals": "string", "StringMatches": "string",
	"NumericEquals": "number", "NumericLessThan": "number", "NumericGreaterThan": "number",
	"NumericLessThanEquals": "number", "NumericGreaterThanEquals": "number",
	"BooleanEquals":   "bool",
	"TimestampEquals": "timestamp", "TimestampLessThan": "timestamp", "TimestampGreaterThan": "timestamp",
	"TimestampLessThanEquals": "timestamp", "TimestampGreaterThanEquals": "timestamp",
	"IsNull": "bool", "IsPresent": "bool", "IsNumeric": "bool", "IsString": "bool", "IsBoolean": "bool", "IsTimestamp": "bool",
}

func (p *parser) choiceState(at string, s *State, obj map[string]any) {
	arr, ok := obj["Choices"].([]any)
	if !ok || len(arr) == 0 {
		p.errf(join(at, "Choices"), "required: a non-empty array of Choice Rules")
	}
	for i, x := range arr {
		s.Choices = append(s.Choices, p.choiceRule(fmt.Sprintf("%s.Choices[%d]", at, i), x, true))
	}
	if v, ok := obj["Default"]; ok {
		s.Default = p.str(join(at, "Default"), v)
	}
}

func (p *parser) choiceRule(at string, v any, top bool) *ChoiceRule {
	o, ok := v.(map[string]any)
	if !ok {
		p.errf(at, "a Choice Rule must be an object")
		return &ChoiceRule{}
	}
	r := &ChoiceRule{}
	if top {
		if n, ok := o["Next"]; ok {
			r.Next = p.str(at+".Next", n)
		} else {
			p.errf(at+".Next", "required in a top-level Choice Rule")
		}
	} else if _, ok := o["Next"]; ok {
		p.errf(at+".Next", "only top-level Choice Rules may have Next")
	}
	var ops []string
	for k := range o {
		switch k {
		case "Next", "Comment", "Variable":
		case "And", "Or", "Not":
			ops = append(ops, k)
		default:
			base := strings.TrimSuffix(k, "Path")
			if _, ok := comparisonOps[k]; ok {
				ops = append(ops, k)
			} else if _, ok := comparisonOps[base]; ok && strings.HasSuffix(k, "Path") && !strings.HasPrefix(k, "Is") {
				ops = append(ops, k)
			} else {
				p.errf(at+"."+k, "unknown field in a Choice Rule (want Variable with a comparison operator such as StringEquals, NumericLessThanPath, IsPresent, or And/Or/Not)")
			}
		}
	}
	if len(ops) != 1 {
		p.errf(at, "a Choice Rule needs exactly one operator (And, Or, Not, or a comparison), got %d", len(ops))
		return r
	}
	op := ops[0]
	switch op {
	case "And", "Or":
		subs, ok := o[op].([]any)
		if !ok || len(subs) == 0 {
			p.errf(at+"."+op, "must be a non-empty array of Choice Rules")
			return r
		}
		for i, sv := range subs {
			sr := p.choiceRule(fmt.Sprintf("%s.%s[%d]", at, op, i), sv, false)
			if op == "And" {
				r.And = append(r.And, sr)
			} else {
				r.Or = append(r.Or, sr)
			}
		}
		if _, ok := o["Variable"]; ok {
			p.errf(at+".Variable", "not allowed with %s", op)
		}
		return r
	case "Not":
		r.Not = p.choiceRule(at+".Not", o["Not"], false)
		if _, ok := o["Variable"]; ok {
			p.errf(at+".Variable", "not allowed with Not")
		}
		return r
	}
	vv, ok := o["Variable"]
	if !ok {
		p.errf(at+".Variable", "required with the comparison operator %s", op)
		return r
	}
	r.Variable = p.path(at+".Variable", vv, false)
	r.Operator = op
	operand := o[op]
	if strings.HasSuffix(op, "Path") && !strings.HasPrefix(op, "Is") {
		r.Operator = strings.TrimSuffix(op, "Path")
		r.OperandP = p.path(at+"."+op, operand, true)
		return r
	}
	switch comparisonOps[op] {
	case "string":
		s, ok := operand.(string)
		if !ok {
			p.errf(at+"."+op, "must be a string, got %s", jsonType(operand))
		}
		r.Operand = s
	case "number":
		f, ok := intrinsic.ToFloat(operand)
		if !ok {
			p.errf(at+"."+op, "must be a number, got %s", jsonType(operand))
		}
		r.Operand = f
	case "bool":
		b, ok := operand.(bool)
		if !ok {
			p.errf(at+"."+op, "must be true or false, got %s", jsonType(operand))
		}
		r.Operand = b
	case "timestamp":
		s, _ := operand.(string)
		t, err := parseTimestamp(s)
		if err != nil {
			p.errf(at+"."+op, "must be an RFC 3339 timestamp string, got %v", operand)
		}
		r.Operand = t
	}
	return r
}

// eval evaluates the rule against the state's effective input.
func (r *ChoiceRule) eval(input, ctxObj any) (bool, error) {
	switch {
	case r.And != nil:
		for _, s := range r.And {
			ok, err := s.eval(input, ctxObj)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case r.Or != nil:
		for _, s := range r.Or {
			ok, err := s.eval(input, ctxObj)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case r.Not != nil:
		ok, err := r.Not.eval(input, ctxObj)
		return !ok && err == nil, err
	}
	if r.Variable == nil {
		return false, nil
	}
	v, err := getPath(r.Variable, input, ctxObj)
	present := err == nil
	if present && !r.Variable.IsReference() {
		// A non-reference path yields a list; treat an empty match as absent.
		if l, ok := v.([]any); ok && len(l) == 0 {
			present = false
		}
	}
	if r.Operator == "IsPresent" {
		return present == r.Operand.(bool), nil
	}
	if !present {
		return false, statesErr(ErrNameRuntime, "Invalid path '%s': The choice state's condition path references an invalid value.", r.Variable)
	}
	operand := r.Operand
	if r.OperandP != nil {
		ov, err := getPath(r.OperandP, input, ctxObj)
		if err != nil {
			return false, statesErr(ErrNameRuntime, "Invalid path '%s': The choice state's condition path references an invalid value.", r.OperandP)
		}
		switch comparisonOps[r.Operator] {
		case "number":
			f, ok := intrinsic.ToFloat(ov)
			if !ok {
				return false, nil
			}
			operand = f
		case "timestamp":
			s, _ := ov.(string)
			t, err := parseTimestamp(s)
			if err != nil {
				return false, nil
			}
			operand = t
		default:
			operand = ov
		}
	}
	switch r.Operator {
	case "IsNull":
		return (v == nil) == operand.(bool), nil
	case "IsNumeric":
		_, isNum := v.(json.Number)
		if !isNum {
			_, isNum = v.(float64)
		}
		return isNum == operand.(bool), nil
	case "IsString":
		_, ok := v.(string)
		return ok == operand.(bool), nil
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == operand.(bool), nil
	case "IsTimestamp":
		s, ok := v.(string)
		if ok {
			_, err := parseTimestamp(s)
			ok = err == nil
		}
		return ok == operand.(bool), nil
	}
	switch comparisonOps[r.Operator] {
	case "string":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false, nil
		}
		switch r.Operator {
		case "StringEquals":
			return a == b, nil
		case "StringLessThan":
			return a < b, nil
		case "StringGreaterThan":
			return a > b, nil
		case "StringLessThanEquals":
			return a <= b, nil
		case "StringGreaterThanEquals":
			return a >= b, nil
		case "StringMatches":
			return wildcardMatch(b, a), nil
		}
	case "number":
		a, ok1 := intrinsic.ToFloat(v)
		b, ok2 := operand.(float64)
		if !ok1 || !ok2 {
			return false, nil
		}
		switch r.Operator {
		case "NumericEquals":
			return a == b, nil
		case "NumericLessThan":
			return a < b, nil
		case "NumericGreaterThan":
			return a > b, nil
		case "NumericLessThanEquals":
			return a <= b, nil
		case "NumericGreaterThanEquals":
			return a >= b, nil
		}
	case "bool":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b, nil
	case "timestamp":
		s, ok := v.(string)
		if !ok {
			return false, nil
		}
		a, err := parseTimestamp(s)
		if err != nil {
			return false, nil
		}
		b, ok := operand.(time.Time)
		if !ok {
			return false, nil
		}
		switch r.Operator {
		case "TimestampEquals":
			return a.Equal(b), nil
		case "TimestampLessThan":
			return a.Before(b), nil
		case "TimestampGreaterThan":
			return a.After(b), nil
		case "TimestampLessThanEquals":
			return !a.After(b), nil
		case "TimestampGreaterThanEquals":
			return !a.Before(b), nil
		}
	}
	return false, nil
}

// wildcardMatch implements StringMatches: '*' matches any run of characters;
// '\*' a literal star and '\\' a literal backslash.
func wildcardMatch(pattern, s string) bool {
	type tok struct {
		star bool
		c    rune
	}
	var toks []tok
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		if rs[i] == '\\' && i+1 < len(rs) {
			toks = append(toks, tok{c: rs[i+1]})
			i++
			continue
		}
		toks = append(toks, tok{star: rs[i] == '*', c: rs[i]})
	}
	str := []rune(s)
	// Iterative glob matching with backtracking on the last star.
	pi, si, starP, starS := 0, 0, -1, 0
	for si < len(str) {
		switch {
		case pi < len(toks) && !toks[pi].star && toks[pi].c == str[si]:
			pi++
			si++
		case pi < len(toks) && toks[pi].star:
			starP, starS = pi, si
			pi++
		case starP >= 0:
			pi = starP + 1
			starS++
			si = starS
		default:
			return false
		}
	}
	for pi < len(toks) && toks[pi].star {
		pi++
	}
	return pi == len(toks)
}
