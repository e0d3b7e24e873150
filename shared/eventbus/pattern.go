package eventbus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// PatternError reports a rule pattern the bus cannot use: what is wrong and
// at which field path.
type PatternError struct {
	// Path is the dotted field path ("detail.state.value"); empty for the
	// pattern as a whole.
	Path string
	// Operator is the offending operator, when there is one.
	Operator string
	Msg      string
	// Err is the underlying error, if any: ErrUnsupportedOperator for an
	// operator the local bus does not implement.
	Err error
}

// Unwrap returns the underlying error.
func (e *PatternError) Unwrap() error { return e.Err }

// Error renders "path: message".
func (e *PatternError) Error() string {
	where := "pattern"
	if e.Path != "" {
		where = e.Path
	}
	return where + ": " + e.Msg
}

// ErrUnsupportedOperator is wrapped by errors for operators EventBridge has
// but the local bus does not implement.
var ErrUnsupportedOperator = errors.New("unsupported operator")

// supportedOperators lists the operators the bus accepts, for messages.
const supportedOperators = "exact values, prefix, suffix, equals-ignore-case, wildcard, exists, anything-but, numeric, $or"

// field is one pattern field: a path and the values it accepts.
type field struct {
	path   []string
	values []any // decoded JSON: string, json.Number, bool, nil, map[string]any
}

// alternative is one $or-free branch of a pattern, split into the part quamina
// matches and the residual fields matched in Go.
type alternative struct {
	quamina  map[string]any // nil when every field is residual
	residual []residualField
}

// compilePattern validates a rule pattern and expands it into alternatives.
func compilePattern(data []byte) ([]alternative, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, &PatternError{Msg: "invalid JSON: " + err.Error()}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &PatternError{Msg: "trailing data after the pattern object"}
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return nil, &PatternError{Msg: "an event pattern must be a JSON object"}
	}
	if len(obj) == 0 {
		return nil, &PatternError{Msg: "an event pattern must not be empty"}
	}
	branches, err := expand(obj, nil)
	if err != nil {
		return nil, err
	}
	alts := make([]alternative, 0, len(branches))
	for _, fields := range branches {
		alt, err := split(fields)
		if err != nil {
			return nil, err
		}
		alts = append(alts, alt)
	}
	return alts, nil
}

// expand flattens obj into lists of fields, one list per $or branch.
func expand(obj map[string]any, path []string) ([][]field, error) {
	branches := [][]field{nil}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := obj[k]
		var sub [][]field
		switch {
		case k == "$or":
			arr, ok := v.([]any)
			if !ok || len(arr) < 2 {
				return nil, &PatternError{Path: dotted(path), Operator: "$or", Msg: `"$or" must be an array of at least two pattern objects`}
			}
			for i, alt := range arr {
				ao, ok := alt.(map[string]any)
				if !ok || len(ao) == 0 {
					return nil, &PatternError{Path: dotted(path), Operator: "$or", Msg: fmt.Sprintf(`"$or" element %d must be a non-empty object`, i)}
				}
				b, err := expand(ao, path)
				if err != nil {
					return nil, err
				}
				sub = append(sub, b...)
			}
		default:
			p := append(append([]string(nil), path...), k)
			switch tv := v.(type) {
			case map[string]any:
				if len(tv) == 0 {
					return nil, &PatternError{Path: dotted(p), Msg: "an object in a pattern must not be empty"}
				}
				b, err := expand(tv, p)
				if err != nil {
					return nil, err
				}
				sub = b
			case []any:
				if err := checkValues(p, tv); err != nil {
					return nil, err
				}
				sub = [][]field{{{path: p, values: tv}}}
			default:
				return nil, &PatternError{Path: dotted(p), Msg: fmt.Sprintf("the value must be an array of match values or an object, got %s", jsonKind(v))}
			}
		}
		// Cross product: every existing branch with every branch of sub.
		var next [][]field
		for _, b := range branches {
			for _, s := range sub {
				nb := append(append([]field(nil), b...), s...)
				next = append(next, nb)
			}
		}
		branches = next
		if len(branches) > 1000 {
			return nil, &PatternError{Path: dotted(path), Operator: "$or", Msg: "the pattern expands to more than 1000 alternatives"}
		}
	}
	return branches, nil
}

// checkValues validates the match values of one field.
func checkValues(path []string, vals []any) error {
	if len(vals) == 0 {
		return &PatternError{Path: dotted(path), Msg: "an empty array matches nothing; list at least one value"}
	}
	exclusive := ""
	for _, v := range vals {
		switch tv := v.(type) {
		case string, json.Number, bool, nil:
		case []any:
			return &PatternError{Path: dotted(path), Msg: "arrays inside a match array are not allowed"}
		case map[string]any:
			op, err := checkOperator(path, tv)
			if err != nil {
				return err
			}
			if op == "exists" {
				exclusive = op
			}
		}
	}
	if exclusive != "" && len(vals) > 1 {
		return &PatternError{Path: dotted(path), Operator: exclusive, Msg: fmt.Sprintf("%q cannot be combined with other values in the same array", exclusive)}
	}
	return nil
}

// checkOperator validates one {"operator": operand} object and returns its
// name.
func checkOperator(path []string, obj map[string]any) (string, error) {
	if len(obj) != 1 {
		return "", &PatternError{Path: dotted(path), Msg: fmt.Sprintf("a match object must have exactly one operator, got %d keys", len(obj))}
	}
	var op string
	var arg any
	for k, v := range obj { // exactly one member
		op, arg = k, v
	}
	bad := func(format string, a ...any) error {
		return &PatternError{Path: dotted(path), Operator: op, Msg: fmt.Sprintf("%q: ", op) + fmt.Sprintf(format, a...)}
	}
	badErr := func(err error) error {
		return &PatternError{Path: dotted(path), Operator: op, Msg: fmt.Sprintf("%q: %v", op, err), Err: err}
	}
	unsupported := func() error {
		return &PatternError{Path: dotted(path), Operator: op, Err: ErrUnsupportedOperator,
			Msg: fmt.Sprintf("%v %q: the local bus supports %s", ErrUnsupportedOperator, op, supportedOperators)}
	}
	switch op {
	case "prefix", "suffix":
		switch a := arg.(type) {
		case string:
			return op, nil
		case map[string]any:
			if _, ok := a["equals-ignore-case"].(string); len(a) != 1 || !ok {
				return "", bad(`the operand must be a string or {"equals-ignore-case": string}`)
			}
			return op, nil
		}
		return "", bad("the operand must be a string")
	case "equals-ignore-case":
		if _, ok := arg.(string); !ok {
			return "", bad("the operand must be a string")
		}
		return op, nil
	case "wildcard":
		s, ok := arg.(string)
		if !ok {
			return "", bad("the operand must be a string")
		}
		if err := checkWildcard(s); err != nil {
			return "", badErr(err)
		}
		return op, nil
	case "exists":
		if _, ok := arg.(bool); !ok {
			return "", bad("the operand must be true or false")
		}
		return op, nil
	case "numeric":
		if _, err := parseNumeric(arg); err != nil {
			return "", badErr(err)
		}
		return op, nil
	case "anything-but":
		if _, err := parseAnythingBut(arg); err != nil {
			return "", badErr(err)
		}
		return op, nil
	case "$or":
		return "", bad(`"$or" must be a member of a pattern object, not inside a match array`)
	default: // cidr, quamina's own shellstyle, and anything unknown
		return "", unsupported()
	}
}

// quaminaNative reports whether quamina v1.5.1 matches every value of the
// field with EventBridge semantics.
func quaminaNative(vals []any) bool {
	for _, v := range vals {
		obj, ok := v.(map[string]any)
		if !ok {
			continue
		}
		for op, arg := range obj {
			switch op {
			case "exists", "equals-ignore-case", "wildcard":
			case "prefix":
				if _, ok := arg.(string); !ok {
					return false
				}
			case "anything-but":
				// quamina takes a non-empty list of strings, alone in its array.
				list, ok := arg.([]any)
				if !ok || len(vals) > 1 {
					return false
				}
				for _, e := range list {
					if _, ok := e.(string); !ok {
						return false
					}
				}
			default:
				return false
			}
		}
	}
	return true
}

// split separates one alternative's fields into a quamina pattern and
// residual fields.
func split(fields []field) (alternative, error) {
	var alt alternative
	for _, f := range fields {
		if quaminaNative(f.values) {
			if alt.quamina == nil {
				alt.quamina = map[string]any{}
			}
			if err := setPath(alt.quamina, f.path, f.values); err != nil {
				return alt, err
			}
			continue
		}
		rf, err := newResidualField(f)
		if err != nil {
			return alt, err
		}
		alt.residual = append(alt.residual, rf)
	}
	return alt, nil
}

// setPath stores vals at path inside obj. Two $or branches naming the same
// field are different alternatives, so a clash here means the same field was
// given twice in one branch, which JSON objects cannot express; it is
// reported rather than merged.
func setPath(obj map[string]any, path []string, vals []any) error {
	cur := obj
	for _, k := range path[:len(path)-1] {
		next, ok := cur[k].(map[string]any)
		if !ok {
			if _, exists := cur[k]; exists {
				return &PatternError{Path: dotted(path), Msg: "the field is given twice"}
			}
			next = map[string]any{}
			cur[k] = next
		}
		cur = next
	}
	last := path[len(path)-1]
	if _, exists := cur[last]; exists {
		return &PatternError{Path: dotted(path), Msg: "the field is given twice (once inside $or, once outside?)"}
	}
	cur[last] = vals
	return nil
}

func dotted(path []string) string { return strings.Join(path, ".") }

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	case []any:
		return "an array"
	default:
		return "an object"
	}
}

// numericRange is a parsed {"numeric": [...]} operand.
type numericRange struct {
	eq             *float64
	lo, hi         float64
	loIncl, hiIncl bool
	hasLo, hasHi   bool
}

func (r numericRange) match(x float64) bool {
	if r.eq != nil {
		return x == *r.eq
	}
	if r.hasLo && (x < r.lo || (x == r.lo && !r.loIncl)) {
		return false
	}
	if r.hasHi && (x > r.hi || (x == r.hi && !r.hiIncl)) {
		return false
	}
	return true
}

// parseNumeric parses EventBridge's numeric operand: ["=", n], or one or two
// comparisons (">", ">=", "<", "<="), at most one lower and one upper bound.
func parseNumeric(arg any) (numericRange, error) {
	var r numericRange
	list, ok := arg.([]any)
	if !ok || len(list) == 0 || len(list)%2 != 0 || len(list) > 4 {
		return r, errors.New(`the operand must be an array like [">", 0, "<=", 5] or ["=", 3]`)
	}
	for i := 0; i < len(list); i += 2 {
		op, ok := list[i].(string)
		if !ok {
			return r, fmt.Errorf("element %d must be one of =, <, <=, >, >=", i)
		}
		num, ok := list[i+1].(json.Number)
		if !ok {
			return r, fmt.Errorf("element %d must be a number", i+1)
		}
		x, err := strconv.ParseFloat(string(num), 64)
		if err != nil || math.IsInf(x, 0) {
			return r, fmt.Errorf("element %d: %s is not a finite number", i+1, num)
		}
		switch op {
		case "=":
			if len(list) != 2 {
				return r, errors.New(`"=" must be the only comparison`)
			}
			r.eq = &x
		case ">", ">=":
			if r.hasLo {
				return r, errors.New("more than one lower bound")
			}
			r.hasLo, r.lo, r.loIncl = true, x, op == ">="
		case "<", "<=":
			if r.hasHi {
				return r, errors.New("more than one upper bound")
			}
			r.hasHi, r.hi, r.hiIncl = true, x, op == "<="
		default:
			return r, fmt.Errorf("unknown comparison %q (allowed: =, <, <=, >, >=)", op)
		}
	}
	if r.hasLo && r.hasHi && (r.lo > r.hi || (r.lo == r.hi && !(r.loIncl && r.hiIncl))) {
		return r, errors.New("the range is empty")
	}
	return r, nil
}

// anythingBut is a parsed {"anything-but": ...} operand: the event value
// must match none of these.
type anythingBut struct {
	not []matchValue
}

// parseAnythingBut accepts a string, a number, a non-empty array of strings
// or of numbers, or {"prefix"|"suffix"|"wildcard": s} or
// {"equals-ignore-case": s | [s...]}.
func parseAnythingBut(arg any) (anythingBut, error) {
	var ab anythingBut
	switch a := arg.(type) {
	case string:
		ab.not = []matchValue{{kind: kindString, s: a}}
	case json.Number:
		x, err := strconv.ParseFloat(string(a), 64)
		if err != nil {
			return ab, fmt.Errorf("%s is not a number", a)
		}
		ab.not = []matchValue{{kind: kindNumber, n: x}}
	case []any:
		if len(a) == 0 {
			return ab, errors.New("the list must not be empty")
		}
		for i, e := range a {
			switch te := e.(type) {
			case string:
				ab.not = append(ab.not, matchValue{kind: kindString, s: te})
			case json.Number:
				x, err := strconv.ParseFloat(string(te), 64)
				if err != nil {
					return ab, fmt.Errorf("element %d: %s is not a number", i, te)
				}
				ab.not = append(ab.not, matchValue{kind: kindNumber, n: x})
			default:
				return ab, fmt.Errorf("element %d must be a string or a number", i)
			}
		}
	case map[string]any:
		if len(a) != 1 {
			return ab, errors.New("the operand object must have exactly one operator")
		}
		for op, v := range a {
			switch op {
			case "prefix", "suffix", "wildcard":
				s, ok := v.(string)
				if !ok {
					return ab, fmt.Errorf("%q needs a string", op)
				}
				if op == "wildcard" {
					if err := checkWildcard(s); err != nil {
						return ab, err
					}
				}
				k := map[string]valueKind{"prefix": kindPrefix, "suffix": kindSuffix, "wildcard": kindWildcard}[op]
				ab.not = []matchValue{{kind: k, s: s}}
			case "equals-ignore-case":
				switch ev := v.(type) {
				case string:
					ab.not = []matchValue{{kind: kindFold, s: ev}}
				case []any:
					for _, e := range ev {
						s, ok := e.(string)
						if !ok {
							return ab, errors.New(`"equals-ignore-case" needs strings`)
						}
						ab.not = append(ab.not, matchValue{kind: kindFold, s: s})
					}
					if len(ab.not) == 0 {
						return ab, errors.New(`"equals-ignore-case" list must not be empty`)
					}
				default:
					return ab, errors.New(`"equals-ignore-case" needs a string or a list of strings`)
				}
			default:
				return ab, fmt.Errorf("%w %q inside anything-but (allowed: prefix, suffix, wildcard, equals-ignore-case)", ErrUnsupportedOperator, op)
			}
		}
	default:
		return ab, errors.New("the operand must be a string, a number, a list, or a prefix/suffix/wildcard/equals-ignore-case object")
	}
	return ab, nil
}

// checkWildcard applies EventBridge's wildcard rules: no consecutive
// unescaped stars, and a backslash escapes only '*' or '\'.
func checkWildcard(s string) error {
	prevStar := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return errors.New("a backslash may only escape '*' or another backslash")
			}
			i++
			prevStar = false
		case '*':
			if prevStar {
				return errors.New("consecutive wildcard characters are not allowed")
			}
			prevStar = true
		default:
			prevStar = false
		}
	}
	return nil
}
