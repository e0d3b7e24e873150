package asl

import (
	"errors"
	"strings"
	"testing"
)

func TestParseDefinitionErrors(t *testing.T) {
	tests := []struct {
		name     string
		def      string
		wantPath string
		wantMsg  string
	}{
		{"not json", `{`, "", "not valid JSON"},
		{"missing StartAt", `{"States":{"A":{"Type":"Succeed"}}}`, "StartAt", "required"},
		{"unknown StartAt", `{"StartAt":"X","States":{"A":{"Type":"Succeed"}}}`, "StartAt", `"X" does not exist`},
		{"bad Next", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`, "States.A.Next", `"B" does not exist`},
		{"Next and End", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A","End":true}}}`, "States.A", "both Next and End"},
		{"no transition", `{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`, "States.A", "either Next or"},
		{"unknown type", `{"StartAt":"A","States":{"A":{"Type":"Nope"}}}`, "States.A.Type", "unknown state type"},
		{"unknown field", `{"StartAt":"A","States":{"A":{"Type":"Succeed","Resultt":1}}}`, "States.A.Resultt", "not allowed"},
		{"States.ALL not alone", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","Retry":[{"ErrorEquals":["States.ALL","X"]}],"End":true}}}`,
			"States.A.Retry[0].ErrorEquals", "alone"},
		{"States.ALL not last", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","Catch":[{"ErrorEquals":["States.ALL"],"Next":"A"},{"ErrorEquals":["X"],"Next":"A"}],"End":true}}}`,
			"States.A.Catch[0].ErrorEquals", "must be the last"},
		{"bad path", `{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"a.b","End":true}}}`, "States.A.InputPath", "must start with '$'"},
		{"ResultPath not reference", `{"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":"$.a[*]","End":true}}}`, "States.A.ResultPath", "Reference Path"},
		{"bad intrinsic", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"States.Nope(1)"},"End":true}}}`, "States.A.Parameters.x.$", "unknown function"},
		{"wait needs one", `{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true}}}`, "States.A", "exactly one"},
		{"choice operator", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":"1","Next":"A"}]}}}`, "States.A.Choices[0].NumericEquals", "must be a number"},
		{"duplicate name in branch", `{"StartAt":"A","States":{"A":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}],"End":true}}}`, "States.A.Branches[0].States.A", "already used"},
		{"branch cannot jump out", `{"StartAt":"A","States":{"A":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Next":"A"}}}],"End":true}}}`, "States.A.Branches[0].States.B.Next", "does not exist in this scope"},
		{"jsonata", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Succeed"}}}`, "QueryLanguage", "only \"JSONPath\""},
		{"heartbeat >= timeout", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","TimeoutSeconds":5,"HeartbeatSeconds":5,"End":true}}}`, "States.A.HeartbeatSeconds", "smaller"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDefinition([]byte(tc.def))
			var de *DefinitionError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a *DefinitionError", err)
			}
			found := false
			for _, line := range strings.Split(err.Error(), "\n") {
				if strings.Contains(line, "at "+tc.wantPath+":") || (tc.wantPath == "" && strings.HasPrefix(line, "invalid definition: ")) {
					if strings.Contains(line, tc.wantMsg) {
						found = true
					}
				}
			}
			if !found {
				t.Errorf("err = %q, want a line at %q containing %q", err, tc.wantPath, tc.wantMsg)
			}
		})
	}
}

func TestMockConfig(t *testing.T) {
	cfg := `{"StateMachines":{"test":{"TestCases":{"Flaky":{"T":"twoFailsThenOK"}}}},
	 "MockedResponses":{"twoFailsThenOK":{"0-1":{"Throw":{"Error":"Lambda.ServiceException","Cause":"boom"}},"2":{"Return":{"Payload":{"ok":true}}}}}}`
	mc, err := ParseMockConfig([]byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},
	  "Retry":[{"ErrorEquals":["Lambda.ServiceException"],"IntervalSeconds":2}],"OutputPath":"$.Payload","End":true}}}`
	d, e := runDef(t, def, `{}`, WithMocks(mc, "Flaky"))
	if !jsonEq(t, deref(d.Output), `{"ok":true}`) {
		t.Fatalf("got %s %s (%s)", d.Status, deref(d.Output), deref(d.Cause))
	}
	if el := d.StopDate.Sub(*d.StartDate).Seconds(); el != 6 { // 2s + 4s backoff
		t.Errorf("took %vs of clock time, want 6", el)
	}
	if st, _ := e.Stats(*d.ExecutionArn); st.StateTransitions != 3 {
		t.Errorf("transitions = %d, want 3", st.StateTransitions)
	}

	bad := []struct{ name, cfg, want string }{
		{"undefined response", `{"StateMachines":{"m":{"TestCases":{"c":{"S":"nope"}}}},"MockedResponses":{}}`, `"nope" is not defined`},
		{"bad range", `{"MockedResponses":{"r":{"x":{"Return":1}}}}`, "invocation index"},
		{"both", `{"MockedResponses":{"r":{"0":{"Return":1,"Throw":{"Error":"E"}}}}}`, "exactly one of Return or Throw"},
		{"overlap", `{"MockedResponses":{"r":{"0-2":{"Return":1},"1":{"Return":2}}}}`, "overlap"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseMockConfig([]byte(tc.cfg))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
