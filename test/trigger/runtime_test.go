package trigger_test

import (
	"context"
	"testing"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// TestHeld5xxRunsExecutionWaitingForApproval drives the 5xx sample through
// the trigger onto the local runtime: once the alarm has held for its 3m,
// a real execute-plan execution runs in us-west-2 and waits at the plan's
// approval step.
func TestHeld5xxRunsExecutionWaitingForApproval(t *testing.T) {
	e := newEnv(t, loadPlan(t, payments), envOptions{runtime: true})
	e.until(t0)
	e.deliver(sample(t, alarmUp, "", time.Time{}))
	e.until(t0.Add(4 * time.Minute))
	t.Log("\n" + e.dump())
	started := e.local.Started()
	if len(started) != 1 {
		t.Fatalf("runtime executions = %d, want 1\n%s", len(started), e.dump())
	}
	s := started[0]
	if s.Region != "us-west-2" || s.Plan != "payments" || !s.WaitForApproval {
		t.Errorf("started = %+v, want payments in us-west-2 waiting for approval", s)
	}
	st := e.decided(awsevent.DecisionStarted)
	if len(st) != 1 || st[0].ExecutionID != s.ExecutionArn {
		t.Errorf("started decisions = %v, want one naming %s", st, s.ExecutionArn)
	}
	var status sfntypes.ExecutionStatus
	e.inClock(func(ctx context.Context) {
		var err error
		if status, err = e.local.Status(ctx, s); err != nil {
			t.Error(err)
		}
	})
	if status != sfntypes.ExecutionStatusRunning {
		t.Errorf("execution status = %s, want RUNNING", status)
	}
	a, ok := e.local.WaitingApproval(s)
	if !ok {
		t.Fatalf("no approval request recorded for %s (approvals: %+v)", s.ExecutionArn, e.local.Approvals())
	}
	if a.Kind != store.KindApproval || a.Plan != "payments" {
		t.Errorf("approval request = %+v, want an approval of plan payments", a)
	}
	// A second delivery of the same alarm starts nothing new.
	e.deliver(sample(t, alarmUp, "", time.Time{}))
	e.until(t0.Add(5 * time.Minute))
	if n := len(e.local.Started()); n != 1 {
		t.Errorf("after a repeated delivery: %d executions, want 1", n)
	}
}
