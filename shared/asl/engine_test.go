package asl

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestRunOutputs(t *testing.T) {
	tests := []struct {
		name  string
		def   string
		input string
		want  string
	}{
		{
			name:  "pass with result and result path",
			def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r.s","End":true}}}`,
			input: `{"a":1,"r":{"k":2}}`,
			want:  `{"a":1,"r":{"k":2,"s":{"x":1}}}`,
		},
		{
			name: "dev guide input/output processing order",
			def: `{"StartAt":"T","States":{"T":{"Type":"Pass","InputPath":"$.library","Parameters":{"staticValue":"Just a string","catalog":{"myFavoriteItem.$":"$.movies[0]"}},
			 "ResultPath":"$.library.result","OutputPath":"$.library","End":true}}}`,
			input: `{"library":{"movies":["Casablanca","Vertigo"]}}`,
			want:  `{"movies":["Casablanca","Vertigo"],"result":{"staticValue":"Just a string","catalog":{"myFavoriteItem":"Casablanca"}}}`,
		},
		{
			name:  "result path null keeps input; output path null gives {}",
			def:   `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"ResultPath":null,"Next":"B"},"B":{"Type":"Pass","OutputPath":null,"End":true}}}`,
			input: `{"k":"v"}`,
			want:  `{}`,
		},
		{
			name: "choice and wait",
			def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.n","NumericGreaterThan":5},{"Not":{"Variable":"$.s","StringMatches":"x*z"}}],"Next":"Big"}],"Default":"Small"},
			 "Big":{"Type":"Wait","Seconds":3600,"Next":"Done"},"Small":{"Type":"Pass","Result":"small","End":true},"Done":{"Type":"Pass","Parameters":{"t.$":"$$.State.EnteredTime"},"End":true}}}`,
			input: `{"n":7,"s":"xyy"}`,
			want:  `{"t":"2026-01-01T01:00:00.000Z"}`,
		},
		{
			name:  "intrinsics",
			def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"f.$":"States.Format('Hello, {}! {}', $.name, States.MathAdd($.n, 2))","a.$":"States.ArrayLength(States.Array(1,2,3))","h.$":"States.Hash('x', 'SHA-256')"},"End":true}}}`,
			input: `{"name":"Ada","n":40}`,
			want:  `{"f":"Hello, Ada! 42","a":3,"h":"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"}`,
		},
		{
			name: "parallel",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"a","End":true}}},
			 {"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":10,"Next":"B2"},"B2":{"Type":"Pass","Result":"b","End":true}}}],"End":true}}}`,
			input: `{}`,
			want:  `["a","b"]`,
		},
		{
			name: "map with item selector",
			def: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":2,"ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","k.$":"$.k"},
			 "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"ResultPath":"$.out","End":true}}}`,
			input: `{"xs":["p","q"],"k":9}`,
			want:  `{"xs":["p","q"],"k":9,"out":[{"i":0,"v":"p","k":9},{"i":1,"v":"q","k":9}]}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := runDef(t, tc.def, tc.input)
			if d.Status != types.ExecutionStatusSucceeded {
				t.Fatalf("status %s error %v cause %v", d.Status, deref(d.Error), deref(d.Cause))
			}
			if !jsonEq(t, deref(d.Output), tc.want) {
				t.Errorf("output = %s, want %s", deref(d.Output), tc.want)
			}
		})
	}
}
