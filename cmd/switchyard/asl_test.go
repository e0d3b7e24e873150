package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestASLRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flow := write("flow.asl.json", `{"StartAt":"Wait","States":{
	  "Wait":{"Type":"Wait","Seconds":86400,"Next":"Call"},
	  "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},
	    "Retry":[{"ErrorEquals":["Throttled"],"MaxAttempts":1}],"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Failed"}],
	    "OutputPath":"$.Payload","End":true},
	  "Failed":{"Type":"Fail","ErrorPath":"$.error.Error","CausePath":"$.error.Cause"}}}`)
	approval := write("approval.asl.json", `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
	  "Parameters":{"FunctionName":"f","Payload":{"t.$":"$$.Task.Token"}},"End":true}}}`)
	mocks := write("mocks.json", `{"StateMachines":{
	    "flow":{"TestCases":{"Happy":{"Call":"ok"},"Sad":{"Call":"throttled"}}},
	    "renamed":{"TestCases":{"Happy":{"Call":"ok"}}},
	    "approval":{"TestCases":{"Approved":{"Ask":"approved"}}}},
	  "MockedResponses":{
	    "ok":{"0":{"Return":{"StatusCode":200,"Payload":{"done":true}}}},
	    "throttled":{"0-1":{"Throw":{"Error":"Throttled","Cause":"slow down"}}},
	    "approved":{"0":{"Return":{"approved":true}}}}}`)
	bad := write("bad.asl.json", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}`)
	inputFile := write("input.json", `{"plan":"payments"}`)

	tests := []struct {
		name      string
		args      []string
		wantCode  int
		wantOut   string // substring of stdout
		wantErr   string // substring of stderr
		wantJSON  map[string]any
		wantCount bool
	}{
		{name: "mocked success prints output", args: []string{flow, "--input", `{"a":1}`, "--mock-config", mocks, "--test-case", "Happy"}, wantCode: 0, wantOut: `{"done":true}`},
		{name: "input from file", args: []string{flow, "--input", "@" + inputFile, "--mock-config", mocks, "--test-case", "Happy"}, wantCode: 0, wantOut: `{"done":true}`},
		{name: "json failure", args: []string{flow, "--mock-config", mocks, "--test-case", "Sad", "--json"}, wantCode: 1,
			wantJSON: map[string]any{"status": "FAILED", "output": nil, "error": "Throttled", "cause": "slow down"}, wantCount: true},
		{name: "json success", args: []string{flow, "--mock-config", mocks, "--test-case", "Happy", "--json"}, wantCode: 0,
			wantJSON: map[string]any{"status": "SUCCEEDED", "output": map[string]any{"done": true}, "error": nil, "cause": nil}, wantCount: true},
		{name: "name selects the mocks", args: []string{flow, "--name", "renamed", "--mock-config", mocks, "--test-case", "Happy"}, wantCode: 0, wantOut: `{"done":true}`},
		{name: "failure without json", args: []string{flow, "--mock-config", mocks, "--test-case", "Sad"}, wantCode: 1, wantErr: "FAILED: Throttled: slow down"},
		{name: "mocked callback", args: []string{approval, "--mock-config", mocks, "--test-case", "Approved"}, wantCode: 0, wantOut: `{"approved":true}`},
		{name: "callback without mock fails clearly", args: []string{approval, "--json"}, wantCode: 1,
			wantJSON: map[string]any{"status": "FAILED", "error": "States.Runtime"}},
		{name: "definition error", args: []string{bad}, wantCode: 2, wantErr: `States.A.Next: target state "Nowhere" does not exist`},
		{name: "bad input", args: []string{flow, "--input", "{"}, wantCode: 2, wantErr: "--input is not valid JSON"},
		{name: "mock without test case", args: []string{flow, "--mock-config", mocks}, wantCode: 2, wantErr: "go together"},
		{name: "unknown test case", args: []string{flow, "--mock-config", mocks, "--test-case", "Nope"}, wantCode: 2, wantErr: `no test case "Nope" for state machine "flow"`},
		{name: "missing file", args: []string{filepath.Join(dir, "none.asl.json")}, wantCode: 2, wantErr: "reading definition"},
		{name: "no argument", args: nil, wantCode: 2, wantErr: "accepts 1 arg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(t.Context(), append([]string{"asl", "run"}, tc.args...), streams{out: &out, err: &errb})
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, tc.wantCode, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), tc.wantOut) {
				t.Errorf("stdout %q, want it to contain %q", out.String(), tc.wantOut)
			}
			if !strings.Contains(errb.String(), tc.wantErr) {
				t.Errorf("stderr %q, want it to contain %q", errb.String(), tc.wantErr)
			}
			if tc.wantJSON == nil {
				return
			}
			var got map[string]any
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("stdout is not one JSON object: %v: %q", err, out.String())
			}
			for _, k := range []string{"status", "output", "error", "cause", "historyEvents", "stateTransitions"} {
				if _, ok := got[k]; !ok {
					t.Errorf("--json output lacks %q: %v", k, got)
				}
			}
			for k, v := range tc.wantJSON {
				gb, _ := json.Marshal(got[k])
				wb, _ := json.Marshal(v)
				if string(gb) != string(wb) {
					t.Errorf("%s = %s, want %s", k, gb, wb)
				}
			}
			if tc.wantCount {
				if n, _ := got["historyEvents"].(float64); n < 5 {
					t.Errorf("historyEvents = %v, want a real count", got["historyEvents"])
				}
				if n, _ := got["stateTransitions"].(float64); n < 2 {
					t.Errorf("stateTransitions = %v, want a real count", got["stateTransitions"])
				}
			}
		})
	}
}
