package execute_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/executor"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/runtime"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// failWith fails the first n block calls (Start or Poll, counted per step
// across attempts) with err, then behaves as succeedAfterPoll.
func failWith(n int, err error) behaviour {
	return func(op string, k int, req blocks.Request) (blocks.Progress, error) {
		if k <= n {
			return blocks.Progress{}, err
		}
		return succeedAfterPoll(op, k, req)
	}
}

// TestErrorClassesAndRetries: errors retrying cannot fix (Terminal,
// Conflict) skip the plan's default retries and go straight to the failure
// policy; a retry policy the author set is honoured; InvalidInput is never
// retried; Retryable errors that outlast the Lambda-level retries use the
// step's retry policy.
func TestErrorClassesAndRetries(t *testing.T) {
	terminal := &errclass.Terminal{Op: "UpdateService", Err: fmt.Errorf("InvalidParameterException: bad task definition")}
	tests := []struct {
		name      string
		step      stepSpec
		script    behaviour
		decision  string
		wantChild []string
		noState   string // a state the child must not enter
		wantStep  store.StepStatus
		wantTries int
		wantExec  store.ExecutionStatus
	}{
		{
			name: "terminal with the default policy asks at once", step: stepSpec{name: "a", planRetry: true, onFailure: "ask"},
			script: failWith(1, terminal), decision: "skip",
			wantChild: []string{"Start", "On error", "Then?", "Ask operator", "Record decision", "Step skipped"}, noState: "Wait before retry",
			wantStep: store.StepSkipped, wantTries: 1, wantExec: store.ExecutionSucceeded,
		},
		{
			name: "conflict with the default policy asks at once", step: stepSpec{name: "a", planRetry: true, onFailure: "ask"},
			script: failWith(1, &errclass.Conflict{Resource: "global cluster", Message: "already switching over"}), decision: "skip",
			wantChild: []string{"Start", "On error", "Ask operator", "Step skipped"}, noState: "Wait before retry",
			wantStep: store.StepSkipped, wantTries: 1, wantExec: store.ExecutionSucceeded,
		},
		{
			name: "terminal with the default policy and abort fails at once", step: stepSpec{name: "a", planRetry: true, onFailure: "abort"},
			script:    failWith(99, terminal),
			wantChild: []string{"Start", "On error", "Step failed"}, noState: "Wait before retry",
			wantStep: store.StepFailed, wantTries: 1, wantExec: store.ExecutionFailed,
		},
		{
			name: "terminal with the author's policy is retried", step: stepSpec{name: "a", retry: 1, onFailure: "abort"},
			script:    failWith(1, terminal),
			wantChild: []string{"Start", "On error", "Wait before retry", "Start", "Step done"},
			wantStep:  store.StepSucceeded, wantTries: 2, wantExec: store.ExecutionSucceeded,
		},
		{
			name: "invalid input is never retried", step: stepSpec{name: "a", retry: 3, onFailure: "continue"},
			script:    failWith(99, &errclass.InvalidInput{Field: "with.members", Message: "no member cluster for us-west-2"}),
			wantChild: []string{"Start", "On error", "Step failed, continuing"}, noState: "Wait before retry",
			wantStep: store.StepFailed, wantTries: 1, wantExec: store.ExecutionSucceeded,
		},
		{
			// run-step retries Retryable 3 times itself (4 Start calls); a
			// fifth failure burns the step's first attempt.
			name: "retryable beyond the Lambda retries uses the default policy", step: stepSpec{name: "a", planRetry: true, onFailure: "abort"},
			script:    failWith(4, &errclass.Retryable{Op: "UpdateService", Err: fmt.Errorf("ServiceUnavailableException")}),
			wantChild: []string{"Start", "On error", "Wait before retry", "Start", "Step done"},
			wantStep:  store.StepSucceeded, wantTries: 2, wantExec: store.ExecutionSucceeded,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := planSpec{name: "payments", stages: [][]stepSpec{{tc.step}}}.parse(t)
			if tc.step.planRetry && executor.ExplicitRetry(p.Spec.Workflows[0].Stages[0].Steps[0].Retry) {
				t.Fatalf("a step without retry parses to %+v, which ExplicitRetry calls explicit: DefaultRetry is out of date", *p.Spec.Workflows[0].Stages[0].Steps[0].Retry)
			}
			e := newEnv(t, answer(nil, tc.decision), map[string]behaviour{"a": tc.script}, p)
			d := e.run(t, "drill-1", consoleInput)
			_, children := e.states(t, *d.ExecutionArn)
			if !contains(children["a"], tc.wantChild...) {
				t.Errorf("step a path %v does not contain %v in order", children["a"], tc.wantChild)
			}
			if tc.noState != "" && contains(children["a"], tc.noState) {
				t.Errorf("step a path %v entered %s", children["a"], tc.noState)
			}
			st := e.stepStatuses(t, "drill-1")["a"]
			if st.Status != tc.wantStep || st.Attempt != tc.wantTries {
				t.Errorf("step a = %s after %d attempt(s), want %s after %d", st.Status, st.Attempt, tc.wantStep, tc.wantTries)
			}
			x, err := e.st.GetExecution(t.Context(), "drill-1")
			if err != nil {
				t.Fatal(err)
			}
			if x.Status != tc.wantExec {
				t.Errorf("execution %s (%s), want %s", x.Status, status(d), tc.wantExec)
			}
		})
	}
}

// TestFailedContinued: steps that failed or timed out under onFailure:
// continue do not fail the post-checks; the execution's output and its end
// audit record name them.
func TestFailedContinued(t *testing.T) {
	p := planSpec{name: "payments", stages: [][]stepSpec{
		{{name: "a", onFailure: "continue"}, {name: "b"}, {name: "slow", timeout: "2m", onFailure: "continue"}},
		{{name: "c"}},
	}}.parse(t)
	e := newEnv(t, nil, map[string]behaviour{"a": failAttempts(99), "slow": never}, p)
	d := e.run(t, "drill-1", consoleInput)
	if status(d) != "SUCCEEDED" {
		t.Fatalf("status = %s (%s), want SUCCEEDED", status(d), deref(d.Cause))
	}
	parent, _ := e.states(t, *d.ExecutionArn)
	if !contains(parent, "Post-checks", "Finish") {
		t.Errorf("parent path %v: want Post-checks then Finish", parent)
	}
	var out executor.Result
	if err := json.Unmarshal([]byte(deref(d.Output)), &out); err != nil {
		t.Fatalf("output %s: %v", deref(d.Output), err)
	}
	if strings.Join(out.FailedContinued, ",") != "a,slow" {
		t.Errorf("output failedContinued = %v, want [a slow] (output %s)", out.FailedContinued, deref(d.Output))
	}
	recs, err := e.st.ListAudit(t.Context(), "drill-1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, r := range recs {
		if r.Action != "execution.succeeded" && r.Action != "execution.postcheck" {
			continue
		}
		var detail struct {
			FailedContinued []string `json:"failedContinued"`
		}
		if err := json.Unmarshal(r.Detail, &detail); err != nil {
			t.Fatal(err)
		}
		found[r.Action] = strings.Join(detail.FailedContinued, ",") == "a,slow"
	}
	if !found["execution.succeeded"] || !found["execution.postcheck"] {
		t.Errorf("audit records naming the failed-continued steps: %v, want execution.postcheck and execution.succeeded", found)
	}
}

// TestDecisionCarriesError: the decision request carries the failed step's
// own error, its cause on one line and trimmed, and the plan's approvers
// and channel.
func TestDecisionCarriesError(t *testing.T) {
	long := "UpdateService: " + strings.Repeat("access denied\n\t", 400)
	tests := []struct {
		name      string
		err       error
		wantNote  string // exact, or prefix when trimmed
		trimmed   bool
		wantError string
	}{
		{"short", &errclass.Terminal{Op: "UpdateService", Err: fmt.Errorf("AccessDeniedException: not authorized")}, "Terminal: starting step a: UpdateService: AccessDeniedException: not authorized", false, "Terminal"},
		{"long, on several lines", &errclass.Terminal{Op: long}, "Terminal: starting step a: UpdateService: access denied access denied", true, "Terminal"},
		{"conflict", &errclass.Conflict{Resource: "global cluster payments", Message: "already failing over"}, "Conflict: global cluster payments: already failing over", false, "Conflict"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := planSpec{name: "payments", approval: true, stages: [][]stepSpec{{{name: "a", onFailure: "ask"}}}}.parse(t)
			var mu sync.Mutex
			var notes []string
			approver := func(ctx context.Context, rt *runtime.Runtime, req runtime.ApprovalRequest) {
				var err error
				switch req.Kind {
				case store.KindApproval:
					err = rt.Approve(ctx, req.ID, "U1")
				case store.KindDecision:
					mu.Lock()
					notes = append(notes, req.Note)
					mu.Unlock()
					err = rt.Decide(ctx, req.ID, "U1", "skip")
				}
				if err != nil {
					panic(err)
				}
			}
			e := newEnv(t, approver, map[string]behaviour{"a": failWith(99, tc.err)}, p)
			d := e.run(t, "drill-1", consoleInput)
			if status(d) != "SUCCEEDED" {
				t.Fatalf("status = %s (%s)", status(d), deref(d.Cause))
			}
			if len(notes) != 1 {
				t.Fatalf("decisions asked: %q, want one", notes)
			}
			note := notes[0]
			switch {
			case tc.trimmed && (!strings.HasPrefix(note, tc.wantNote) || !strings.HasSuffix(note, "…")):
				t.Errorf("note = %q, want it to start with %q and end with …", note, tc.wantNote)
			case !tc.trimmed && note != tc.wantNote:
				t.Errorf("note = %q, want %q", note, tc.wantNote)
			}
			if n := utf8.RuneCountInString(note); n > executor.MaxShownCause+len(tc.wantError)+2 {
				t.Errorf("note has %d characters, want at most %d", n, executor.MaxShownCause+len(tc.wantError)+2)
			}
			if strings.ContainsAny(note, "\n\t{") {
				t.Errorf("note %q: want one line, not the raw Lambda error JSON", note)
			}
			// The decision task's payload names whom to ask.
			params := e.taskParameters(t, "Ask operator")
			if len(params) != 1 {
				t.Fatalf("Ask operator scheduled %d times, want 1", len(params))
			}
			var payload struct {
				Payload struct {
					Kind     string                 `json:"kind"`
					Error    executor.StatesError   `json:"error"`
					Approval *executor.ApprovalGate `json:"approval"`
					Attempt  int                    `json:"attempt"`
				} `json:"Payload"`
			}
			if err := json.Unmarshal([]byte(params[0]), &payload); err != nil {
				t.Fatal(err)
			}
			pl := payload.Payload
			if pl.Kind != "decision" || pl.Error.Error != tc.wantError || pl.Attempt != 1 {
				t.Errorf("payload kind %q error %+v attempt %d", pl.Kind, pl.Error, pl.Attempt)
			}
			if pl.Approval == nil || pl.Approval.Channel != "C0TESTCHAN" || strings.Join(pl.Approval.Approvers, ",") != "U01ALICE,U02BOBBY" ||
				!strings.Contains(pl.Approval.Message, "Step a (http-check) of plan payments failed on attempt 1") {
				t.Errorf("payload approval = %+v, want the plan's channel, approvers and a message naming the step", pl.Approval)
			}
		})
	}
}

// taskParameters returns the parameters of every task state called state
// scheduled in the run-step children.
func (e *env) taskParameters(t *testing.T, state string) []string {
	t.Helper()
	var out []string
	for _, arn := range e.childArns(t) {
		h, err := e.rt.Engine().History(arn)
		if err != nil {
			t.Fatal(err)
		}
		current := ""
		for _, ev := range h {
			if d := ev.StateEnteredEventDetails; d != nil {
				current = *d.Name
			}
			if d := ev.TaskScheduledEventDetails; d != nil && current == state && d.Parameters != nil {
				out = append(out, *d.Parameters)
			}
		}
	}
	return out
}

// activeActive is a two-Region active-active plan with a deactivate and an
// activate workflow per Region.
const activeActive = `apiVersion: switchyard.dev/v1
kind: RecoveryPlan
metadata: {name: shop, owner: team@example.com, version: "1"}
spec:
  approach: active-active
  regions: [us-east-1, us-west-2]
  objectives: {rto: 5m, rpo: 5s}
  triggers: []
  workflows:
    - name: deactivate-us-east-1
      kind: deactivate
      region: us-east-1
      stages:
        - name: traffic
          steps:
            - {name: route-away, block: http-check, with: {url: "https://use1.example.com/health"}}
    - name: activate-us-east-1
      kind: activate
      region: us-east-1
      stages:
        - name: traffic
          steps:
            - {name: route-back, block: http-check, with: {url: "https://use1.example.com/health"}}
    - name: activate-us-west-2
      kind: activate
      region: us-west-2
      stages:
        - name: traffic
          steps:
            - {name: route-in, block: http-check, with: {url: "https://usw2.example.com/health"}}
`

// TestActiveActive: {"plan", "target"} of an active-active plan runs the
// deactivate workflow of the Region left, from the target; "workflow"
// picks another workflow into the target; a workflow that does not move
// traffic into the target is refused.
func TestActiveActive(t *testing.T) {
	ps, err := plan.Parse("shop.yaml", []byte(activeActive))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, input string
		wantStatus  string
		wantCause   string
		wantStep    string // the one step that ran
		wantFlow    string // the workflow the blocks were handed
	}{
		{"default: deactivate the Region left", `{"plan": "shop", "target": "us-west-2"}`, "SUCCEEDED", "", "route-away", "deactivate-us-east-1"},
		{"named activate workflow", `{"plan": "shop", "target": "us-west-2", "workflow": "activate-us-west-2"}`, "SUCCEEDED", "", "route-in", "activate-us-west-2"},
		{"named deactivate workflow", `{"plan": "shop", "target": "us-west-2", "workflow": "deactivate-us-east-1"}`, "SUCCEEDED", "", "route-away", "deactivate-us-east-1"},
		{"workflow into another Region", `{"plan": "shop", "target": "us-west-2", "workflow": "activate-us-east-1"}`, "FAILED InvalidInput",
			"workflow activate-us-east-1 of plan shop moves traffic into us-east-1, not into us-west-2; workflows into us-west-2: deactivate-us-east-1, activate-us-west-2", "", ""},
		{"unknown workflow", `{"plan": "shop", "target": "us-west-2", "workflow": "failover"}`, "FAILED InvalidInput", `plan shop has no workflow \"failover\"`, "", ""},
		{"target elsewhere", `{"plan": "shop", "target": "us-east-1"}`, "FAILED InvalidInput", "this control plane runs in us-west-2", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var seen []string
			record := func(op string, n int, req blocks.Request) (blocks.Progress, error) {
				mu.Lock()
				seen = append(seen, fmt.Sprintf("%s %s %s→%s", req.Step.Name, req.Workflow.Name, req.Source, req.Target))
				mu.Unlock()
				return blocks.Progress{Done: true}, nil
			}
			e := newEnv(t, nil, map[string]behaviour{"route-away": record, "route-in": record, "route-back": record}, ps[0])
			d := e.run(t, "drill-1", tc.input)
			if got := status(d); got != tc.wantStatus {
				t.Fatalf("status = %s (%s), want %s", got, deref(d.Cause), tc.wantStatus)
			}
			if !strings.Contains(deref(d.Cause), tc.wantCause) {
				t.Errorf("cause = %s, want it to contain %s", deref(d.Cause), tc.wantCause)
			}
			if tc.wantStep == "" {
				return
			}
			steps := e.stepStatuses(t, "drill-1")
			if len(steps) != 1 || steps[tc.wantStep].Status != store.StepSucceeded {
				t.Errorf("steps = %+v, want only %s SUCCEEDED", steps, tc.wantStep)
			}
			want := fmt.Sprintf("%s %s us-east-1→us-west-2", tc.wantStep, tc.wantFlow)
			if len(seen) != 1 || seen[0] != want {
				t.Errorf("block calls %q, want [%s]", seen, want)
			}
			x, err := e.st.GetExecution(t.Context(), "drill-1")
			if err != nil {
				t.Fatal(err)
			}
			if x.Target != "us-west-2" || x.Source != "us-east-1" {
				t.Errorf("execution target %s source %s, want us-west-2 from us-east-1", x.Target, x.Source)
			}
			if !e.lockFree(t, "shop") {
				t.Error("lock still held")
			}
		})
	}
}
