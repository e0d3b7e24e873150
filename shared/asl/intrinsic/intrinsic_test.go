package intrinsic

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/switchyard-dev/switchyard/shared/asl/jsonpath"
)

func eval(t testing.TB, expr, input string) (any, error) {
	t.Helper()
	c, err := Parse(expr)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(input))
	dec.UseNumber()
	var in any
	if err := dec.Decode(&in); err != nil {
		t.Fatal(err)
	}
	return c.Eval(func(p *jsonpath.Path) (any, error) { return p.Get(in) })
}

func TestEval(t *testing.T) {
	in := `{"name":"Ada","a":[1,2,2,3],"s":"a,b;c","o1":{"x":1,"y":1},"o2":{"y":2},"n":5,"j":"{\"k\":[1]}"}`
	tests := []struct{ expr, want string }{
		{`States.Format('Hi {}, \{literal\} {}', $.name, $.n)`, `"Hi Ada, {literal} 5"`},
		{`States.StringToJson($.j)`, `{"k":[1]}`},
		{`States.JsonToString($.o2)`, `"{\"y\":2}"`},
		{`States.Array(1, 'two', true, null, $.n)`, `[1,"two",true,null,5]`},
		{`States.ArrayPartition($.a, 3)`, `[[1,2,2],[3]]`},
		{`States.ArrayContains($.a, 3)`, `true`},
		{`States.ArrayRange(1, 9, 3)`, `[1,4,7]`},
		{`States.ArrayGetItem($.a, 3)`, `3`},
		{`States.ArrayLength($.a)`, `4`},
		{`States.ArrayUnique($.a)`, `[1,2,3]`},
		{`States.Base64Encode('Data to encode')`, `"RGF0YSB0byBlbmNvZGU="`},
		{`States.Base64Decode('RGF0YSB0byBlbmNvZGU=')`, `"Data to encode"`},
		{`States.Hash('input data', 'SHA-1')`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{`States.JsonMerge($.o1, $.o2, false)`, `{"x":1,"y":2}`},
		{`States.MathAdd($.n, -7)`, `-2`},
		{`States.StringSplit($.s, ',;')`, `["a","b","c"]`},
		{`States.MathRandom(1, 2)`, `1`},
		{`States.ArrayLength(States.Array(States.UUID(), 'x'))`, `2`},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := eval(t, tc.expr, in)
			if err != nil {
				t.Fatal(err)
			}
			var w any
			_ = json.Unmarshal([]byte(tc.want), &w)
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(w)
			if string(gb) != string(wb) {
				t.Errorf("= %s, want %s", gb, wb)
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{`States.Format('{} {}', 1)`, "more {} placeholders"},
		{`States.Format('{}', 1, 2)`, "placeholder"},
		{`States.ArrayGetItem($.a, 9)`, "out of range"},
		{`States.MathAdd(1.5, 1)`, "must be an integer"},
		{`States.ArrayRange(1, 5000, 1)`, "more than 1000"},
		{`States.Hash('x', 'MD4')`, "unsupported algorithm"},
		{`States.Hash($.o, 'MD5')`, "must be a string"},
		{`States.JsonMerge($.o, $.o, true)`, "deep merging"},
		{`States.StringToJson('{bad')`, "not valid JSON"},
		{`States.ArrayLength($.missing)`, "argument 1"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			_, err := eval(t, tc.expr, `{"a":[1],"o":{}}`)
			var ie *Error
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want an *Error containing %q", err, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{`States.Nope()`, "unknown function"},
		{`States.Format('x'`, "unclosed"},
		{`States.Format('x)`, "unterminated string"},
		{`States.Format('x') trailing`, "unexpected"},
		{`States.Array(@)`, "unexpected"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			_, err := Parse(tc.expr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func FuzzIntrinsic(f *testing.F) {
	for _, s := range []string{
		`States.Format('a{}b', $.x)`, `States.Array(1, 'x', States.UUID())`, `States.ArrayRange(0, 10, 2)`,
		`States.Hash($.x, 'SHA-256')`, `States.JsonMerge($.o, $.o, false)`, `States.StringSplit('a,b', ',')`,
		`States.MathRandom(1, 100, 7)`, `States.ArrayPartition(States.Array(1,2,3), 2)`,
	} {
		f.Add(s)
	}
	in := map[string]any{"x": "v", "o": map[string]any{"k": 1.0}}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			return
		}
		_, _ = c.Eval(func(p *jsonpath.Path) (any, error) { return p.Get(in) })
	})
}
