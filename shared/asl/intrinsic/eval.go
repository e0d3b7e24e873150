package intrinsic

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	mrand "math/rand/v2"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/switchyard-dev/switchyard/shared/asl/jsonpath"
)

// Error is an evaluation failure; Step Functions reports it as
// States.IntrinsicFailure.
type Error struct {
	Func string
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Func, e.Msg) }

// Resolver looks up a path argument ($ against the input, $$ against the
// context object).
type Resolver func(p *jsonpath.Path) (any, error)

type fn func(name string, args []any) (any, error)

var functions map[string]fn

func init() {
	functions = map[string]fn{
		"States.Format":         format,
		"States.StringToJson":   stringToJSON,
		"States.JsonToString":   jsonToString,
		"States.Array":          func(_ string, a []any) (any, error) { return append([]any{}, a...), nil },
		"States.ArrayPartition": arrayPartition,
		"States.ArrayContains":  arrayContains,
		"States.ArrayRange":     arrayRange,
		"States.ArrayGetItem":   arrayGetItem,
		"States.ArrayLength":    arrayLength,
		"States.ArrayUnique":    arrayUnique,
		"States.Base64Encode":   base64Encode,
		"States.Base64Decode":   base64Decode,
		"States.Hash":           hashFn,
		"States.JsonMerge":      jsonMerge,
		"States.MathRandom":     mathRandom,
		"States.MathAdd":        mathAdd,
		"States.StringSplit":    stringSplit,
		"States.UUID":           uuid,
	}
}

func functionNames() []string {
	names := make([]string, 0, len(functions))
	for n := range functions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Eval evaluates the call, resolving path arguments with r.
func (c *Call) Eval(r Resolver) (any, error) {
	args := make([]any, len(c.Args))
	for i, a := range c.Args {
		switch {
		case a.Call != nil:
			v, err := a.Call.Eval(r)
			if err != nil {
				return nil, err
			}
			args[i] = v
		case a.Path != nil:
			v, err := r(a.Path)
			if err != nil {
				return nil, &Error{c.Name, fmt.Sprintf("argument %d: %v", i+1, err)}
			}
			args[i] = v
		default:
			args[i] = a.Literal
		}
	}
	return functions[c.Name](c.Name, args)
}

func fail(name, f string, a ...any) error { return &Error{name, fmt.Sprintf(f, a...)} }

func nargs(name string, args []any, want ...int) error {
	for _, w := range want {
		if len(args) == w {
			return nil
		}
	}
	return fail(name, "takes %v argument(s), got %d", want, len(args))
}

func str(name string, v any, i int) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fail(name, "argument %d must be a string, got %s", i, typeName(v))
	}
	return s, nil
}

func integer(name string, v any, i int) (int64, error) {
	f, ok := ToFloat(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fail(name, "argument %d must be an integer, got %s", i, typeName(v))
	}
	return int64(f), nil
}

// ToFloat converts a JSON number (json.Number, float64, int) to float64.
func ToFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64, int, int64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// Marshal renders v as compact JSON without HTML escaping.
func Marshal(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func format(name string, args []any) (any, error) {
	if len(args) < 1 {
		return nil, fail(name, "needs a template string")
	}
	tmpl, err := str(name, args[0], 1)
	if err != nil {
		return nil, err
	}
	var sb strings.Builder
	next := 1
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c == '\\' && i+1 < len(tmpl) && (tmpl[i+1] == '{' || tmpl[i+1] == '}') {
			sb.WriteByte(tmpl[i+1])
			i++
			continue
		}
		if c == '{' && i+1 < len(tmpl) && tmpl[i+1] == '}' {
			if next >= len(args) {
				return nil, fail(name, "the template has more {} placeholders than the %d argument(s) given", len(args)-1)
			}
			v := args[next]
			next++
			switch x := v.(type) {
			case string:
				sb.WriteString(x)
			case nil:
				sb.WriteString("null")
			case bool:
				sb.WriteString(strconv.FormatBool(x))
			case json.Number:
				sb.WriteString(x.String())
			case float64:
				sb.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
			default:
				return nil, fail(name, "argument %d must be a string, number, boolean or null, got %s", next, typeName(v))
			}
			i++
			continue
		}
		sb.WriteByte(c)
	}
	if next != len(args) {
		return nil, fail(name, "%d argument(s) given but the template has %d {} placeholder(s)", len(args)-1, next-1)
	}
	return sb.String(), nil
}

func stringToJSON(name string, args []any) (any, error) {
	if err := nargs(name, args, 1); err != nil {
		return nil, err
	}
	s, err := str(name, args[0], 1)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fail(name, "argument is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, fail(name, "argument has trailing data after the JSON value")
	}
	return v, nil
}

func jsonToString(name string, args []any) (any, error) {
	if err := nargs(name, args, 1); err != nil {
		return nil, err
	}
	s, err := Marshal(args[0])
	if err != nil {
		return nil, fail(name, "%v", err)
	}
	return s, nil
}

func array(name string, v any, i int) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fail(name, "argument %d must be an array, got %s", i, typeName(v))
	}
	return a, nil
}

func arrayPartition(name string, args []any) (any, error) {
	if err := nargs(name, args, 2); err != nil {
		return nil, err
	}
	a, err := array(name, args[0], 1)
	if err != nil {
		return nil, err
	}
	n, err := integer(name, args[1], 2)
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, fail(name, "chunk size must be a positive integer, got %d", n)
	}
	out := []any{}
	for i := 0; i < len(a); i += int(n) {
		out = append(out, append([]any{}, a[i:min(len(a), i+int(n))]...))
	}
	return out, nil
}

func arrayContains(name string, args []any) (any, error) {
	if err := nargs(name, args, 2); err != nil {
		return nil, err
	}
	a, err := array(name, args[0], 1)
	if err != nil {
		return nil, err
	}
	for _, x := range a {
		if Equal(x, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

// Equal compares two JSON values, numbers by value.
func Equal(a, b any) bool {
	fa, oka := ToFloat(a)
	fb, okb := ToFloat(b)
	if oka && okb {
		return fa == fb
	}
	if oka != okb {
		return false
	}
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func num(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

func arrayRange(name string, args []any) (any, error) {
	if err := nargs(name, args, 3); err != nil {
		return nil, err
	}
	var v [3]int64
	for i := range v {
		n, err := integer(name, args[i], i+1)
		if err != nil {
			return nil, err
		}
		v[i] = n
	}
	if v[2] == 0 {
		return nil, fail(name, "step must not be 0")
	}
	out := []any{}
	for x := v[0]; (v[2] > 0 && x <= v[1]) || (v[2] < 0 && x >= v[1]); x += v[2] {
		if len(out) == 1000 {
			return nil, fail(name, "the range has more than 1000 items")
		}
		out = append(out, num(x))
	}
	return out, nil
}

func arrayGetItem(name string, args []any) (any, error) {
	if err := nargs(name, args, 2); err != nil {
		return nil, err
	}
	a, err := array(name, args[0], 1)
	if err != nil {
		return nil, err
	}
	i, err := integer(name, args[1], 2)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= int64(len(a)) {
		return nil, fail(name, "index %d out of range for an array of %d item(s)", i, len(a))
	}
	return a[i], nil
}

func arrayLength(name string, args []any) (any, error) {
	if err := nargs(name, args, 1); err != nil {
		return nil, err
	}
	a, err := array(name, args[0], 1)
	if err != nil {
		return nil, err
	}
	return num(int64(len(a))), nil
}

func arrayUnique(name string, args []any) (any, error) {
	if err := nargs(name, args, 1); err != nil {
		return nil, err
	}
	a, err := array(name, args[0], 1)
	if err != nil {
		return nil, err
	}
	out := []any{}
outer:
	for _, x := range a {
		for _, y := range out {
			if Equal(x, y) {
				continue outer
			}
		}
		out = append(out, x)
	}
	return out, nil
}

const maxInputChars = 10000

func base64Encode(name string, args []any) (any, error) {
	if err := nargs(name, args, 1); err != nil {
		return nil, err
	}
	s, err := str(name, args[0], 1)
	if err != nil {
		return nil, err
	}
	if len(s) > maxInputChars {
		return nil, fail(name, "input longer than %d characters", maxInputChars)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func base64Decode(name string, args []any) (any, error) {
	if err := nargs(name, args, 1); err != nil {
		return nil, err
	}
	s, err := str(name, args[0], 1)
	if err != nil {
		return nil, err
	}
	if len(s) > maxInputChars {
		return nil, fail(name, "input longer than %d characters", maxInputChars)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fail(name, "invalid base64: %v", err)
	}
	return string(b), nil
}

func hashFn(name string, args []any) (any, error) {
	if err := nargs(name, args, 2); err != nil {
		return nil, err
	}
	data, err := str(name, args[0], 1)
	if err != nil {
		return nil, err
	}
	if len(data) > maxInputChars {
		return nil, fail(name, "input longer than %d characters", maxInputChars)
	}
	alg, err := str(name, args[1], 2)
	if err != nil {
		return nil, err
	}
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, fail(name, "unsupported algorithm %q (allowed: MD5, SHA-1, SHA-256, SHA-384, SHA-512)", alg)
	}
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func jsonMerge(name string, args []any) (any, error) {
	if err := nargs(name, args, 3); err != nil {
		return nil, err
	}
	a, ok1 := args[0].(map[string]any)
	b, ok2 := args[1].(map[string]any)
	if !ok1 || !ok2 {
		return nil, fail(name, "the first two arguments must be objects, got %s and %s", typeName(args[0]), typeName(args[1]))
	}
	deep, ok := args[2].(bool)
	if !ok {
		return nil, fail(name, "argument 3 must be a boolean")
	}
	if deep {
		return nil, fail(name, "deep merging (true) is not supported; pass false")
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out, nil
}

func mathRandom(name string, args []any) (any, error) {
	if err := nargs(name, args, 2, 3); err != nil {
		return nil, err
	}
	lo, err := integer(name, args[0], 1)
	if err != nil {
		return nil, err
	}
	hi, err := integer(name, args[1], 2)
	if err != nil {
		return nil, err
	}
	if hi <= lo {
		return nil, fail(name, "end (%d) must be greater than start (%d)", hi, lo)
	}
	var r *mrand.Rand
	if len(args) == 3 {
		seed, err := integer(name, args[2], 3)
		if err != nil {
			return nil, err
		}
		r = mrand.New(mrand.NewPCG(uint64(seed), 0))
	} else {
		var b [16]byte
		_, _ = rand.Read(b[:])
		r = mrand.New(mrand.NewPCG(beUint64(b[:8]), beUint64(b[8:])))
	}
	return num(lo + r.Int64N(hi-lo)), nil
}

func beUint64(b []byte) uint64 {
	var x uint64
	for _, c := range b {
		x = x<<8 | uint64(c)
	}
	return x
}

func mathAdd(name string, args []any) (any, error) {
	if err := nargs(name, args, 2); err != nil {
		return nil, err
	}
	a, err := integer(name, args[0], 1)
	if err != nil {
		return nil, err
	}
	b, err := integer(name, args[1], 2)
	if err != nil {
		return nil, err
	}
	return num(a + b), nil
}

func stringSplit(name string, args []any) (any, error) {
	if err := nargs(name, args, 2); err != nil {
		return nil, err
	}
	s, err := str(name, args[0], 1)
	if err != nil {
		return nil, err
	}
	d, err := str(name, args[1], 2)
	if err != nil {
		return nil, err
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(d, r) })
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func uuid(name string, args []any) (any, error) {
	if err := nargs(name, args, 0); err != nil {
		return nil, err
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
