package execute_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/runtime"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// answer is a scripted approver: approvals get approve (true/false/nil for
// silence); decisions get decision ("" for silence).
func answer(approve *bool, decision string) runtime.Approver {
	return func(ctx context.Context, rt *runtime.Runtime, req runtime.ApprovalRequest) {
		var err error
		switch {
		case req.Kind == store.KindApproval && approve != nil && *approve:
			err = rt.Approve(ctx, req.ID, "U1")
		case req.Kind == store.KindApproval && approve != nil:
			err = rt.Reject(ctx, req.ID, "U2", "not now")
		case req.Kind == store.KindDecision && decision != "":
			err = rt.Decide(ctx, req.ID, "U1", decision)
		}
		if err != nil {
			panic(fmt.Sprintf("answering %s: %v", req.Kind, err))
		}
	}
}

var yes, no = ptr(true), ptr(false)

const consoleInput = `{"plan": "payments", "target": "us-west-2"}`

func TestExecutePlan(t *testing.T) {
	twoStages := [][]stepSpec{{{name: "a"}, {name: "b"}}, {{name: "c"}}}
	tests := []struct {
		name     string
		plan     planSpec
		input    string
		approver runtime.Approver
		script   map[string]behaviour
		twice    bool

		wantStatus  string
		wantCause   string              // substring of the execution's cause
		wantParent  []string            // states entered in the parent, in order
		wantChild   map[string][]string // states entered per step child, in order
		wantSteps   map[string]store.StepStatus
		wantAttempt map[string]int
		wantExec    store.ExecutionStatus
		wantMode    store.Mode
		wantCalls   map[string][]string
	}{
		{
			name: "success with approval", plan: planSpec{name: "payments", approval: true, stages: twoStages},
			approver:   answer(yes, ""),
			wantStatus: "SUCCEEDED",
			wantParent: []string{"Begin", "Run", "Preflight", "Approval needed?", "Approval", "Stages", "Steps", "Run step", "Post-checks", "Finish"},
			wantChild:  map[string][]string{"a": {"Start", "Done?", "Wait", "Poll", "Done?", "Step done"}},
			wantSteps:  map[string]store.StepStatus{"a": store.StepSucceeded, "b": store.StepSucceeded, "c": store.StepSucceeded},
			wantExec:   store.ExecutionSucceeded,
		},
		{
			name: "approval rejected", plan: planSpec{name: "payments", approval: true, stages: twoStages},
			approver:   answer(no, ""),
			wantStatus: "FAILED Rejected", wantCause: "rejected by U2: not now",
			wantParent: []string{"Begin", "Run", "Preflight", "Approval", "Release after failure", "Failed"},
			wantSteps:  map[string]store.StepStatus{}, wantExec: store.ExecutionFailed,
		},
		{
			name: "approval expired", plan: planSpec{name: "payments", approval: true, stages: twoStages},
			approver:   answer(nil, ""),
			wantStatus: "FAILED ApprovalExpired",
			wantParent: []string{"Approval", "Approval expired", "Release after failure", "Failed"},
			wantSteps:  map[string]store.StepStatus{}, wantExec: store.ExecutionFailed,
		},
		{
			name: "approval step approved", plan: planSpec{name: "payments", approval: true, stages: [][]stepSpec{{{name: "approve", block: "approval", timeout: "30m"}}, {{name: "c"}}}},
			approver:   answer(yes, ""),
			wantStatus: "SUCCEEDED",
			wantParent: []string{"Approval needed?", "Stages", "Finish"},
			wantChild:  map[string][]string{"approve": {"Start", "Done?", "Ask approvers", "Poll", "Done?", "Step done"}},
			wantSteps:  map[string]store.StepStatus{"approve": store.StepSucceeded, "c": store.StepSucceeded},
			wantExec:   store.ExecutionSucceeded,
		},
		{
			name: "approval step expired", plan: planSpec{name: "payments", approval: true, stages: [][]stepSpec{{{name: "approve", block: "approval", timeout: "30m"}}, {{name: "c"}}}},
			approver:   answer(nil, ""),
			wantStatus: "FAILED ApprovalExpired", wantCause: "No quorum of approvers (1 needed) answered approval step approve within 1800 seconds",
			wantParent: []string{"Stages", "Release after failure", "Failed"},
			wantChild:  map[string][]string{"approve": {"Start", "Done?", "Ask approvers", "Approval expired", "On error", "Then?", "Step failed"}},
			wantSteps:  map[string]store.StepStatus{"approve": store.StepFailed},
			wantExec:   store.ExecutionFailed,
		},
		{
			name: "retry then succeed", plan: planSpec{name: "payments", stages: [][]stepSpec{{{name: "a", retry: 2}}}},
			script:      map[string]behaviour{"a": failAttempts(2)},
			wantStatus:  "SUCCEEDED",
			wantChild:   map[string][]string{"a": {"Start", "On error", "Then?", "Wait before retry", "Next attempt", "Start", "On error", "Wait before retry", "Start", "Wait", "Poll", "Step done"}},
			wantSteps:   map[string]store.StepStatus{"a": store.StepSucceeded},
			wantAttempt: map[string]int{"a": 3},
			wantExec:    store.ExecutionSucceeded,
		},
		{
			name: "ask then retry", plan: planSpec{name: "payments", stages: [][]stepSpec{{{name: "a", onFailure: "ask"}}}},
			script: map[string]behaviour{"a": failAttempts(1)}, approver: answer(nil, "retry"),
			wantStatus:  "SUCCEEDED",
			wantChild:   map[string][]string{"a": {"Start", "On error", "Ask operator", "Record decision", "Then?", "Wait before retry", "Start", "Step done"}},
			wantSteps:   map[string]store.StepStatus{"a": store.StepSucceeded},
			wantAttempt: map[string]int{"a": 2},
			wantExec:    store.ExecutionSucceeded,
		},
		{
			name: "ask then skip", plan: planSpec{name: "payments", stages: [][]stepSpec{{{name: "a", onFailure: "ask"}}, {{name: "c"}}}},
			script: map[string]behaviour{"a": failAttempts(99)}, approver: answer(nil, "skip"),
			wantStatus: "SUCCEEDED",
			wantChild:  map[string][]string{"a": {"Start", "On error", "Ask operator", "Record decision", "Step skipped"}, "c": {"Step done"}},
			wantSteps:  map[string]store.StepStatus{"a": store.StepSkipped, "c": store.StepSucceeded},
			wantExec:   store.ExecutionSucceeded,
		},
		{
			name: "ask then ungraceful", plan: planSpec{name: "payments", stages: [][]stepSpec{{{name: "a", onFailure: "ask"}}}},
			script: map[string]behaviour{"a": failGraceful}, approver: answer(nil, "ungraceful"),
			wantStatus:  "SUCCEEDED",
			wantChild:   map[string][]string{"a": {"Start", "On error", "Ask operator", "Record decision", "Start", "Step done"}},
			wantSteps:   map[string]store.StepStatus{"a": store.StepSucceeded},
			wantAttempt: map[string]int{"a": 2},
			wantExec:    store.ExecutionSucceeded, wantMode: store.ModeUngraceful,
			wantCalls: map[string][]string{"a": {"start#1(graceful)", "start#2(ungraceful)", "poll#2(ungraceful)"}},
		},
		{
			name: "ask then abort", plan: planSpec{name: "payments", stages: [][]stepSpec{{{name: "a", onFailure: "ask"}}, {{name: "c"}}}},
			script: map[string]behaviour{"a": failAttempts(99)}, approver: answer(nil, "abort"),
			wantStatus: "FAILED Aborted",
			wantParent: []string{"Stages", "Release after failure", "Failed"},
			wantChild:  map[string][]string{"a": {"Ask operator", "Record decision", "Aborted by operator"}},
			wantSteps:  map[string]store.StepStatus{"a": store.StepAborted},
			wantExec:   store.ExecutionFailed,
		},
		{
			name: "continue", plan: planSpec{name: "payments", stages: [][]stepSpec{{{name: "a", onFailure: "continue"}}, {{name: "c"}}}},
			script:     map[string]behaviour{"a": failAttempts(99)},
			wantStatus: "SUCCEEDED",
			wantChild:  map[string][]string{"a": {"Start", "On error", "Then?", "Step failed, continuing"}},
			wantSteps:  map[string]store.StepStatus{"a": store.StepFailed, "c": store.StepSucceeded},
			wantExec:   store.ExecutionSucceeded,
		},
		{
			name: "timeout then continue", plan: planSpec{name: "payments", stages: [][]stepSpec{{{name: "a", timeout: "2m", onFailure: "continue"}}, {{name: "c"}}}},
			script:     map[string]behaviour{"a": never},
			wantStatus: "SUCCEEDED",
			wantChild:  map[string][]string{"a": {"Start", "Wait", "Poll", "On error", "Step failed, continuing"}},
			wantSteps:  map[string]store.StepStatus{"a": store.StepTimedOut, "c": store.StepSucceeded},
			wantExec:   store.ExecutionSucceeded,
		},
		{
			name: "step timeout", plan: planSpec{name: "payments", stages: [][]stepSpec{{{name: "a", timeout: "2m"}}, {{name: "c"}}}},
			script:     map[string]behaviour{"a": never},
			wantStatus: "FAILED StepTimedOut", wantCause: "did not complete within 2m0s",
			wantChild: map[string][]string{"a": {"Start", "Wait", "Poll", "On error", "Step failed"}},
			wantSteps: map[string]store.StepStatus{"a": store.StepTimedOut},
			wantExec:  store.ExecutionFailed,
		},
		{
			name: "ungraceful skip and refuse", input: `{"plan": "payments", "target": "us-west-2", "mode": "ungraceful"}`,
			plan:       planSpec{name: "payments", stages: [][]stepSpec{{{name: "a", ungraceful: "skip"}, {name: "b", ungraceful: "refuse", onFailure: "abort"}}}},
			approver:   answer(nil, "skip"),
			wantStatus: "SUCCEEDED",
			wantChild:  map[string][]string{"a": {"Start", "Done?", "Step done"}, "b": {"Start", "On error", "Ask operator", "Record decision", "Step skipped"}},
			wantSteps:  map[string]store.StepStatus{"a": store.StepSkipped, "b": store.StepSkipped},
			wantExec:   store.ExecutionSucceeded, wantMode: store.ModeUngraceful,
			wantCalls: map[string][]string{"a": nil, "b": nil},
		},
		{
			name: "duplicate invocations", plan: planSpec{name: "payments", approval: true, stages: twoStages},
			approver: answer(yes, ""), twice: true,
			wantStatus: "SUCCEEDED",
			wantCalls:  map[string][]string{"a": {"start#1(graceful)", "start#1(graceful)", "poll#1(graceful)", "poll#1(graceful)"}},
			wantSteps:  map[string]store.StepStatus{"a": store.StepSucceeded, "b": store.StepSucceeded, "c": store.StepSucceeded},
			wantExec:   store.ExecutionSucceeded,
		},
		{
			name: "top-level timeout", plan: planSpec{name: "payments", stages: [][]stepSpec{{{name: "a", onFailure: "ask"}}}},
			script: map[string]behaviour{"a": failAttempts(99)}, approver: answer(nil, ""),
			wantStatus: "TIMED_OUT States.Timeout",
			wantSteps:  map[string]store.StepStatus{"a": store.StepAborted},
			wantExec:   store.ExecutionTimedOut,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.plan.parse(t)
			e := newEnvTwice(t, tc.approver, tc.script, tc.twice, p)
			input := tc.input
			if input == "" {
				input = consoleInput
			}
			d := e.run(t, "drill-1", input)
			if got := status(d); got != tc.wantStatus {
				t.Fatalf("status = %s (cause %q), want %s", got, deref(d.Cause), tc.wantStatus)
			}
			if tc.wantCause != "" && !strings.Contains(deref(d.Cause), tc.wantCause) {
				t.Errorf("cause = %q, want it to contain %q", deref(d.Cause), tc.wantCause)
			}
			parent, children := e.states(t, *d.ExecutionArn)
			if tc.wantParent != nil && !contains(parent, tc.wantParent...) {
				t.Errorf("parent path %v does not contain %v in order", parent, tc.wantParent)
			}
			for step, want := range tc.wantChild {
				if !contains(children[step], want...) {
					t.Errorf("step %s path %v does not contain %v in order", step, children[step], want)
				}
			}
			steps := e.stepStatuses(t, "drill-1")
			for name, want := range tc.wantSteps {
				if steps[name].Status != want {
					t.Errorf("step %s status = %q, want %s (record %+v)", name, steps[name].Status, want, steps[name])
				}
			}
			if len(steps) != len(tc.wantSteps) {
				t.Errorf("store has %d steps, want %d", len(steps), len(tc.wantSteps))
			}
			for name, want := range tc.wantAttempt {
				if steps[name].Attempt != want {
					t.Errorf("step %s attempt = %d, want %d", name, steps[name].Attempt, want)
				}
			}
			for name, want := range tc.wantCalls {
				if got := e.fake.callsOf(name); strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("block calls of %s = %v, want %v", name, got, want)
				}
			}
			x, err := e.st.GetExecution(t.Context(), "drill-1")
			if err != nil {
				t.Fatal(err)
			}
			if x.Status != tc.wantExec {
				t.Errorf("stored execution status = %s, want %s", x.Status, tc.wantExec)
			}
			if tc.wantMode != "" && x.Mode != tc.wantMode {
				t.Errorf("stored mode = %s, want %s", x.Mode, tc.wantMode)
			}
			if !e.lockFree(t, "payments") {
				t.Error("the plan lock is still held after the execution ended")
			}
			e.checkAudit(t, "drill-1", tc.wantSteps)
		})
	}
}

// checkAudit: the log starts with execution.started, ends with the
// execution's end, and has exactly one record per step transition written.
func (e *env) checkAudit(t *testing.T, execution string, steps map[string]store.StepStatus) {
	t.Helper()
	recs, err := e.st.ListAudit(t.Context(), execution, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 2 || recs[0].Action != "execution.started" || !strings.HasPrefix(recs[len(recs)-1].Action, "execution.") {
		var acts []string
		for _, r := range recs {
			acts = append(acts, r.Action)
		}
		t.Fatalf("audit log = %v", acts)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		if r.Key == "" {
			continue
		}
		if seen[r.Key] {
			t.Errorf("audit key %s appears twice", r.Key)
		}
		seen[r.Key] = true
	}
	for name, st := range steps {
		want := "step." + strings.ToLower(string(st))
		found := false
		for _, r := range recs {
			if r.Actor == "step:"+name && r.Action == want {
				found = true
			}
		}
		if !found {
			t.Errorf("no audit record %s for step %s", want, name)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func newEnvTwice(t *testing.T, approver runtime.Approver, script map[string]behaviour, twice bool, plans ...*plan.Plan) *env {
	t.Helper()
	if !twice {
		return newEnv(t, approver, script, plans...)
	}
	return newEnvWith(t, approver, script, func(c *runtime.Config) { c.DuplicateInvocations = true }, plans...)
}

func TestRefusedInput(t *testing.T) {
	p := planSpec{name: "payments", stages: [][]stepSpec{{{name: "a"}}}}.parse(t)
	tests := []struct {
		name, input, wantError, wantCause string
	}{
		{"unknown plan", `{"plan": "billing", "target": "us-west-2"}`, "PlanNotFound", `plan \"billing\" is not deployed in this Region (deployed: payments)`},
		{"wrong Region", `{"plan": "payments", "target": "eu-west-1"}`, "InvalidInput", "allowed: us-west-2"},
		{"not a Region", `{"plan": "payments", "target": "mars-1"}`, "InvalidInput", "not an AWS Region name"},
		{"missing plan", `{"target": "us-west-2"}`, "InvalidInput", "plan: required"},
		{"bad mode", `{"plan": "payments", "target": "us-west-2", "mode": "fast"}`, "InvalidInput", "allowed: graceful, ungraceful"},
		{"unknown field", `{"plan": "payments", "target": "us-west-2", "force": true}`, "InvalidInput", `unknown field \"force\"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil, nil, p)
			d := e.run(t, "bad", tc.input)
			if got := status(d); got != "FAILED "+tc.wantError {
				t.Fatalf("status = %s, want FAILED %s", got, tc.wantError)
			}
			if !strings.Contains(deref(d.Cause), tc.wantCause) {
				t.Errorf("cause = %s, want it to contain %s", deref(d.Cause), tc.wantCause)
			}
			parent, _ := e.states(t, *d.ExecutionArn)
			if strings.Join(parent, ",") != "Begin,Refused" {
				t.Errorf("path = %v, want Begin, Refused", parent)
			}
			if _, err := e.st.GetExecution(t.Context(), "bad"); err == nil {
				t.Error("a refused execution was recorded")
			}
		})
	}
}

// TestLockHeld starts a second execution of the plan while the first waits
// for approval.
func TestLockHeld(t *testing.T) {
	p := planSpec{name: "payments", approval: true, stages: [][]stepSpec{{{name: "a"}}}}.parse(t)
	var second string
	var secondCause string
	approver := func(ctx context.Context, rt *runtime.Runtime, req runtime.ApprovalRequest) {
		if second != "" {
			if err := rt.Approve(ctx, req.ID, "U1"); err != nil {
				panic(err)
			}
			return
		}
		arn, err := rt.StartRaw(ctx, "drill-2", consoleInput)
		if err != nil {
			panic(err)
		}
		d, err := rt.Wait(ctx, arn)
		if err != nil {
			panic(err)
		}
		second, secondCause = status(d), deref(d.Cause)
		if err := rt.Approve(ctx, req.ID, "U1"); err != nil {
			panic(err)
		}
	}
	e := newEnv(t, approver, nil, p)
	d := e.run(t, "drill-1", consoleInput)
	if status(d) != "SUCCEEDED" {
		t.Fatalf("first execution: %s %s", status(d), deref(d.Cause))
	}
	if second != "FAILED LockHeld" || !strings.Contains(secondCause, "already running: drill-1") {
		t.Errorf("second execution = %s %q, want FAILED LockHeld naming drill-1", second, secondCause)
	}
	if !e.lockFree(t, "payments") {
		t.Error("lock still held")
	}
	// The lock is free again: a third execution runs.
	d = e.run(t, "drill-3", consoleInput)
	if status(d) != "SUCCEEDED" {
		t.Errorf("third execution: %s %s", status(d), deref(d.Cause))
	}
}

// TestStopExecution stops the execution while it waits for approval: the
// cleanup rule records ABORTED and releases the lock.
func TestStopExecution(t *testing.T) {
	p := planSpec{name: "payments", approval: true, stages: [][]stepSpec{{{name: "a"}}}}.parse(t)
	approver := func(ctx context.Context, rt *runtime.Runtime, req runtime.ApprovalRequest) {
		arn := "arn:aws:states:us-west-2:123456789012:execution:execute-plan:" + req.Execution
		if err := rt.Stop(ctx, arn, "operator stopped the drill"); err != nil {
			panic(err)
		}
	}
	e := newEnv(t, approver, nil, p)
	d := e.run(t, "drill-1", consoleInput)
	if status(d) != "ABORTED Stopped" {
		t.Fatalf("status = %s", status(d))
	}
	x, err := e.st.GetExecution(t.Context(), "drill-1")
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != store.ExecutionAborted {
		t.Errorf("stored status = %s, want ABORTED", x.Status)
	}
	if !e.lockFree(t, "payments") {
		t.Error("lock still held after StopExecution")
	}
	as, _ := e.st.ListApprovals(t.Context(), "drill-1")
	if len(as) != 1 || as[0].Status != store.ApprovalExpired {
		t.Errorf("approvals = %+v, want one expired", as)
	}
}

// TestWaitForEvent: a block that waits for an RDS event completes when the
// event arrives, before its fallback poll. An aurora-global step keyed by
// its global cluster is answered by the event of its target member.
func TestWaitForEvent(t *testing.T) {
	const (
		member = "arn:aws:rds:us-west-2:123456789012:cluster:payments-db-usw2"
		global = "arn:aws:rds::123456789012:global-cluster:payments-global"
	)
	tests := []struct {
		name, key string
		step      stepSpec
	}{
		{"keyed by the cluster", member, stepSpec{name: "db", timeout: "20m"}},
		{"aurora-global keyed by the global cluster", global, stepSpec{name: "db", timeout: "20m", block: "aurora-global",
			with: "{globalCluster: \"" + global + "\", members: {us-east-1: \"arn:aws:rds:us-east-1:123456789012:cluster:payments-db-use1\", us-west-2: \"" + member + "\"}}"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := planSpec{name: "payments", stages: [][]stepSpec{{tc.step}}}.parse(t)
			var e *env
			script := map[string]behaviour{"db": func(op string, n int, req blocks.Request) (blocks.Progress, error) {
				if op == "start" {
					e.clk.AfterFunc(30*time.Second, func() {
						ev := awsevent.Event[awsevent.RDSEventDetail]{Header: awsevent.Header{Version: "0", ID: "e1", DetailType: awsevent.DetailTypeRDSClusterEvent,
							Source: awsevent.SourceRDS, Account: "123456789012", Time: e.clk.Now(), Region: "us-west-2", Resources: []string{member}},
							Detail: awsevent.RDSEventDetail{EventCategories: []string{"global-failover"}, SourceType: "CLUSTER", SourceArn: member,
								Message: "Global switchover to DB cluster payments-db-usw2 in Region us-west-2 finished.", SourceIdentifier: "payments-db-usw2",
								EventID: awsevent.EventGlobalSwitchoverFinished}}
						b, _ := jsonMarshal(ev)
						if _, err := e.rt.PublishAWSEvent(context.Background(), b); err != nil {
							panic(err)
						}
					})
					return blocks.Progress{WaitForEvent: true, EventKey: tc.key, PollAfter: 5 * time.Minute}, nil
				}
				return blocks.Progress{Done: true, Outputs: map[string]any{"rpoSeconds": 0}}, nil
			}}
			e = newEnv(t, nil, script, p)
			d := e.run(t, "drill-1", consoleInput)
			if status(d) != "SUCCEEDED" {
				t.Fatalf("status = %s %s", status(d), deref(d.Cause))
			}
			_, children := e.states(t, *d.ExecutionArn)
			if !contains(children["db"], "Start", "Done?", "Wait for event", "Poll", "Step done") {
				t.Errorf("path = %v", children["db"])
			}
			st := e.stepStatuses(t, "drill-1")["db"]
			if took := st.EndedAt.Sub(st.StartedAt); took != 30*time.Second {
				t.Errorf("step took %s, want 30s (the event, not the 5m fallback poll)", took)
			}
		})
	}
}

// TestHistoryOf100Steps measures the history of a 100-step plan (10 stages
// of 10 parallel steps, each polled once).
func TestHistoryOf100Steps(t *testing.T) {
	var stages [][]stepSpec
	for s := range 10 {
		var steps []stepSpec
		for i := range 10 {
			steps = append(steps, stepSpec{name: fmt.Sprintf("s%02d-%02d", s, i)})
		}
		stages = append(stages, steps)
	}
	p := planSpec{name: "payments", approval: true, stages: stages}.parse(t)
	// Every step polls 20 times before it is done.
	script := map[string]behaviour{}
	for _, st := range stages {
		for _, s := range st {
			script[s.name] = func(op string, n int, req blocks.Request) (blocks.Progress, error) {
				if n > 20 {
					return blocks.Progress{Done: true}, nil
				}
				return blocks.Progress{PollAfter: 5 * time.Second}, nil
			}
		}
	}
	e := newEnv(t, answer(yes, ""), script, p)
	d := e.run(t, "drill-1", consoleInput)
	if status(d) != "SUCCEEDED" {
		t.Fatalf("status = %s %s", status(d), deref(d.Cause))
	}
	eng := e.rt.Engine()
	ps, err := eng.Stats(*d.ExecutionArn)
	if err != nil {
		t.Fatal(err)
	}
	_, children := e.states(t, *d.ExecutionArn)
	if len(children) != 100 {
		t.Fatalf("%d children, want 100", len(children))
	}
	list := e.childArns(t)
	maxChild := 0
	for _, arn := range list {
		cs, err := eng.Stats(arn)
		if err != nil {
			t.Fatal(err)
		}
		maxChild = max(maxChild, cs.HistoryEvents)
	}
	t.Logf("100 steps: parent %d history events, %d state transitions; largest child %d history events", ps.HistoryEvents, ps.StateTransitions, maxChild)
	if ps.HistoryEvents >= 2500 || maxChild >= 2500 {
		t.Errorf("history too large: parent %d, child %d (quota 25000; want far below)", ps.HistoryEvents, maxChild)
	}
}

// TestCleanupSample delivers the sample Step Functions status change (as
// EventBridge would after a StopExecution in AWS) through the project's
// rules to the cleanup handler.
func TestCleanupSample(t *testing.T) {
	p := planSpec{name: "payments", stages: [][]stepSpec{{{name: "a"}}}}.parse(t)
	e := newEnv(t, nil, nil, p)
	ctx := t.Context()
	pv, err := e.st.GetPlan(ctx, "payments")
	if err != nil {
		t.Fatal(err)
	}
	lock, err := e.st.AcquireLock(ctx, "payments", "payments-drill-1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.CreateExecution(ctx, store.Execution{ID: "payments-drill-1", Plan: "payments", PlanVersion: pv.Version,
		Target: "us-west-2", Mode: store.ModeGraceful}); err != nil {
		t.Fatal(err)
	}
	sample, err := os.ReadFile("testdata/sfn-execution-status-change-aborted.json")
	if err != nil {
		t.Fatal(err)
	}
	release := e.clk.Hold()
	rc, err := e.rt.PublishAWSEvent(ctx, sample)
	if err != nil {
		release()
		t.Fatal(err)
	}
	err = rc.Wait(ctx)
	release()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rc.Rules, ",") != "execution-status-change" {
		t.Errorf("matched rules %v, want execution-status-change", rc.Rules)
	}
	for _, r := range rc.Results() {
		if r.Err != nil {
			t.Errorf("delivery to %s: %v", r.Target, r.Err)
		}
	}
	x, err := e.st.GetExecution(ctx, "payments-drill-1")
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != store.ExecutionAborted || x.Result.Error != "Stopped" {
		t.Errorf("execution = %s %q, want ABORTED Stopped", x.Status, x.Result.Error)
	}
	if _, err := e.st.GetLock(ctx, "payments"); err == nil {
		t.Errorf("lock (epoch %d) still held after cleanup", lock.Epoch)
	}
}

// TestLockLost: when another holder takes the plan lock (say the lease was
// broken by hand), the next poll fails with LockLost, the execution fails
// and the new holder's lock is left alone.
func TestLockLost(t *testing.T) {
	p := planSpec{name: "payments", stages: [][]stepSpec{{{name: "a", retry: 3, onFailure: "ask"}}}}.parse(t)
	var e *env
	script := map[string]behaviour{"a": func(op string, n int, req blocks.Request) (blocks.Progress, error) {
		if op == "start" {
			ctx := context.Background()
			if err := e.st.ReleaseLock(ctx, "payments", "drill-1", req.Epoch); err != nil {
				panic(err)
			}
			if _, err := e.st.AcquireLock(ctx, "payments", "intruder", time.Hour); err != nil {
				panic(err)
			}
			return blocks.Progress{PollAfter: 10 * time.Second}, nil
		}
		return blocks.Progress{Done: true}, nil
	}}
	e = newEnv(t, nil, script, p)
	d := e.run(t, "drill-1", consoleInput)
	if status(d) != "FAILED LockLost" {
		t.Fatalf("status = %s %s", status(d), deref(d.Cause))
	}
	if got := e.fake.callsOf("a"); strings.Join(got, ",") != "start#1(graceful)" {
		t.Errorf("block calls = %v, want only the first start (no poll without the lock)", got)
	}
	l, err := e.st.GetLock(t.Context(), "payments")
	if err != nil || l.Holder != "intruder" {
		t.Errorf("lock = %+v, %v; want the intruder's lock left alone", l, err)
	}
}

// TestHistoryOfLongStep: a step that never completes, polled as often as
// its block asks (every 2 s) for a 20-hour timeout, stays below the history
// quota because the runner spaces its polls (MaxPollsPerStep).
func TestHistoryOfLongStep(t *testing.T) {
	p := planSpec{name: "payments", stages: [][]stepSpec{{{name: "a", timeout: "20h", onFailure: "continue"}}}}.parse(t)
	script := map[string]behaviour{"a": func(string, int, blocks.Request) (blocks.Progress, error) {
		return blocks.Progress{PollAfter: 2 * time.Second}, nil
	}}
	e := newEnv(t, nil, script, p)
	d := e.run(t, "drill-1", consoleInput)
	if status(d) != "SUCCEEDED" {
		t.Fatalf("status = %s %s", status(d), deref(d.Cause))
	}
	if st := e.stepStatuses(t, "drill-1")["a"]; st.Status != store.StepTimedOut || st.Attempt != 1 {
		t.Errorf("step = %s attempt %d, want TIMED_OUT after attempt 1", st.Status, st.Attempt)
	}
	arns := e.childArns(t)
	if len(arns) != 1 {
		t.Fatalf("%d children", len(arns))
	}
	cs, err := e.rt.Engine().Stats(arns[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("20h step, block asking for 2 s polls: child %d history events, %d polls", cs.HistoryEvents, len(e.fake.callsOf("a")))
	if cs.HistoryEvents >= 12500 {
		t.Errorf("child history %d events: not far below the 25000 quota", cs.HistoryEvents)
	}
}
