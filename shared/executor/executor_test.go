package executor

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
)

func TestUnwrapError(t *testing.T) {
	tests := []struct {
		name string
		in   *StatesError
		want StatesError
	}{
		{"nil", nil, StatesError{Error: "States.Runtime", Cause: "unknown error"}},
		{"plain", &StatesError{Error: "ApprovalExpired", Cause: "no quorum"}, StatesError{Error: "ApprovalExpired", Cause: "no quorum"}},
		{"lambda error", &StatesError{Error: "StepTimedOut", Cause: `{"errorMessage":"step a did not complete within 2m0s","errorType":"StepTimedOut"}`},
			StatesError{Error: "StepTimedOut", Cause: "step a did not complete within 2m0s"}},
		{"failed child with a lambda error", &StatesError{Error: "States.TaskFailed",
			Cause: `{"ExecutionArn":"x","Status":"FAILED","Error":"LockLost","Cause":"{\"errorMessage\":\"lock on plan p lost\",\"errorType\":\"LockLost\"}"}`},
			StatesError{Error: "LockLost", Cause: "lock on plan p lost"}},
		{"failed child with a static error", &StatesError{Error: "States.TaskFailed", Cause: `{"Status":"FAILED","Error":"Aborted","Cause":"An operator chose to abort."}`},
			StatesError{Error: "Aborted", Cause: "An operator chose to abort."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := unwrapError(tc.in); got != tc.want {
				t.Errorf("unwrapError = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRetryWait(t *testing.T) {
	r := &plan.Retry{Attempts: 3, Interval: plan.Duration(15 * time.Second), BackoffRate: 2}
	for attempt, want := range map[int]int64{1: 15, 2: 30, 3: 60} {
		if got := retryWait(r, attempt); got != want {
			t.Errorf("retryWait(attempt %d) = %d, want %d", attempt, got, want)
		}
	}
	if got := retryWait(nil, 1); got != 0 {
		t.Errorf("retryWait(nil) = %d, want 0", got)
	}
}

func TestDecodeInput(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"console input", `{"plan": "payments", "target": "us-west-2"}`, ""},
		{"all fields", `{"plan": "p", "target": "us-east-1", "workflow": "deactivate-us-west-2", "mode": "ungraceful", "reason": "r", "startedBy": "u", "clientToken": "t"}`, ""},
		{"empty", ``, "must be a JSON object"},
		{"not an object", `[1]`, "must be a JSON object"},
		{"no plan", `{"target": "us-west-2"}`, "plan: required"},
		{"no target", `{"plan": "p"}`, "target: required"},
		{"bad Region", `{"plan": "p", "target": "us-west-9"}`, "not an AWS Region name"},
		{"bad mode", `{"plan": "p", "target": "us-west-2", "mode": "soft"}`, "allowed: graceful, ungraceful"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeInput([]byte(tc.in))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("decodeInput: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("decodeInput error = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestChildName(t *testing.T) {
	run := Run{Execution: strings.Repeat("x", 80), ExecutionArn: "arn:aws:states:us-west-2:1:execution:execute-plan:" + strings.Repeat("x", 80)}
	a, b := childName(run, 1), childName(run, 100)
	if len(a) > 80 || len(b) > 80 || a == b {
		t.Errorf("child names %q (%d) and %q (%d): want distinct and at most 80 characters", a, len(a), b, len(b))
	}
}

const resolvePlans = `apiVersion: switchyard.dev/v1
kind: RecoveryPlan
metadata: {name: shop, owner: team@example.com, version: "1"}
spec:
  approach: active-active
  regions: [us-east-1, us-west-2]
  objectives: {rto: 5m, rpo: 5s}
  workflows:
    - {name: deactivate-us-east-1, kind: deactivate, region: us-east-1, stages: [{name: s, steps: [{name: a, block: http-check, with: {url: "https://a.example.com"}}]}]}
    - {name: activate-us-east-1, kind: activate, region: us-east-1, stages: [{name: s, steps: [{name: a, block: http-check, with: {url: "https://a.example.com"}}]}]}
    - {name: activate-us-west-2, kind: activate, region: us-west-2, stages: [{name: s, steps: [{name: a, block: http-check, with: {url: "https://a.example.com"}}]}]}
---
apiVersion: switchyard.dev/v1
kind: RecoveryPlan
metadata: {name: tri, owner: team@example.com, version: "1"}
spec:
  approach: active-active
  regions: [us-east-1, us-west-2, eu-west-1]
  objectives: {rto: 5m, rpo: 5s}
  workflows:
    - {name: out-of-use1, kind: deactivate, region: us-east-1, stages: [{name: s, steps: [{name: a, block: http-check, with: {url: "https://a.example.com"}}]}]}
---
apiVersion: switchyard.dev/v1
kind: RecoveryPlan
metadata: {name: pay, owner: team@example.com, version: "1"}
spec:
  approach: active-passive
  regions: [us-east-1, us-west-2]
  primary: us-east-1
  objectives: {rto: 5m, rpo: 5s}
  workflows:
    - {name: failover, kind: activate, region: us-west-2, stages: [{name: s, steps: [{name: a, block: http-check, with: {url: "https://a.example.com"}}]}]}
`

func TestResolveWorkflow(t *testing.T) {
	ps, err := plan.Parse("plans.yaml", []byte(resolvePlans))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*plan.Plan{}
	for _, p := range ps {
		byName[p.Metadata.Name] = p
	}
	tests := []struct {
		name, plan, target, workflow string
		want, wantErr                string
	}{
		{"active-active: deactivate the Region left", "shop", "us-west-2", "", "deactivate-us-east-1", ""},
		{"active-active: no deactivate of the other Region, activate", "shop", "us-east-1", "", "activate-us-east-1", ""},
		{"named activate into the target", "shop", "us-west-2", "activate-us-west-2", "activate-us-west-2", ""},
		{"named workflow into another Region", "shop", "us-west-2", "activate-us-east-1", "",
			"workflow activate-us-east-1 of plan shop moves traffic into us-east-1, not into us-west-2; workflows into us-west-2: deactivate-us-east-1, activate-us-west-2"},
		{"named deactivate of the target itself", "shop", "us-east-1", "deactivate-us-east-1", "", "takes us-east-1 out of service, moving traffic into us-west-2, not into us-east-1"},
		{"unknown workflow", "shop", "us-west-2", "nope", "", `has no workflow "nope" (it has: deactivate-us-east-1 (deactivate us-east-1)`},
		{"three Regions: no default deactivate", "tri", "us-west-2", "", "", `no deactivate workflow of the Region left and no activate workflow of "us-west-2"; name one with "workflow" (into us-west-2: out-of-use1)`},
		{"three Regions: named deactivate from another Region", "tri", "eu-west-1", "out-of-use1", "out-of-use1", ""},
		{"three Regions: named deactivate of the target", "tri", "us-east-1", "out-of-use1", "", "takes us-east-1 out of service, not into us-east-1"},
		{"active-passive", "pay", "us-west-2", "", "failover", ""},
		{"active-passive into the primary", "pay", "us-east-1", "", "", `no workflow that moves traffic into "us-east-1" (allowed: us-west-2)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := ResolveWorkflow(byName[tc.plan], tc.target, tc.workflow)
			switch {
			case tc.wantErr != "":
				var ii *errclass.InvalidInput
				if !errors.As(err, &ii) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error = %v, want InvalidInput containing %q", err, tc.wantErr)
				}
			case err != nil:
				t.Errorf("ResolveWorkflow: %v", err)
			case w.Name != tc.want:
				t.Errorf("workflow = %s, want %s", w.Name, tc.want)
			}
		})
	}
}

func TestTrimError(t *testing.T) {
	long := strings.Repeat("é", MaxShownCause+10)
	tests := []struct {
		name string
		in   StatesError
		want StatesError
	}{
		{"short", StatesError{Error: "Terminal", Cause: "access denied"}, StatesError{Error: "Terminal", Cause: "access denied"}},
		{"lines and tabs", StatesError{Error: "Conflict", Cause: "a\n\tb  c\n"}, StatesError{Error: "Conflict", Cause: "a b c"}},
		{"no name", StatesError{Cause: "x"}, StatesError{Error: "States.Runtime", Cause: "x"}},
		{"long", StatesError{Error: "Terminal", Cause: long}, StatesError{Error: "Terminal", Cause: strings.Repeat("é", MaxShownCause-1) + "…"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := TrimError(tc.in); got != tc.want {
				t.Errorf("TrimError = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestExplicitRetry(t *testing.T) {
	ps, err := plan.Parse("plans.yaml", []byte(resolvePlans))
	if err != nil {
		t.Fatal(err)
	}
	if r := ps[0].Spec.Workflows[0].Stages[0].Steps[0].Retry; r == nil || *r != DefaultRetry || ExplicitRetry(r) {
		t.Errorf("a step without retry parses to %+v; DefaultRetry %+v is out of date with the plan model", r, DefaultRetry)
	}
	for _, r := range []plan.Retry{{Attempts: 3, Interval: DefaultRetry.Interval, BackoffRate: 2}, {Attempts: 2, Interval: plan.Duration(time.Second), BackoffRate: 2}, {}} {
		if !ExplicitRetry(&r) {
			t.Errorf("ExplicitRetry(%+v) = false, want true", r)
		}
	}
	if ExplicitRetry(nil) {
		t.Error("ExplicitRetry(nil) = true")
	}
}

func TestFailedContinued(t *testing.T) {
	steps := []store.Step{{Name: "a", Status: store.StepSucceeded}, {Name: "b", Status: store.StepFailed}, {Name: "c", Status: store.StepSkipped}, {Name: "d", Status: store.StepTimedOut}}
	if got := FailedContinued(steps); strings.Join(got, ",") != "b,d" {
		t.Errorf("FailedContinued = %v, want [b d]", got)
	}
	if got := FailedContinued(nil); got == nil || len(got) != 0 {
		t.Errorf("FailedContinued(nil) = %#v, want empty, not nil", got)
	}
}
