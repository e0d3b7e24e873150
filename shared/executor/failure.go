package executor

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// StepError records a failed attempt and decides what run-step does next:
// retry per the step's retry policy, then its failure policy (ask an
// operator, abort, or continue). Errors that retrying cannot fix (a lost
// lock, bad input, a rejected or expired approval) fail at once; a step
// refused in ungraceful mode always asks.
func (x *Executor) StepError(ctx context.Context, req Request) (*Next, error) {
	_, _, _, step, err := x.c.locate(ctx, req.Run, req.Stage, req.Step)
	if err != nil {
		return nil, err
	}
	if req.Attempt < 1 {
		return nil, &errclass.InvalidInput{Field: "attempt", Message: "must be ≥ 1"}
	}
	se := unwrapError(req.Error)
	now := x.c.now()
	startedAt := now
	if prev, err := x.c.cfg.Store.GetStep(ctx, req.Run.Execution, step.Name); err == nil && prev.Attempt == req.Attempt {
		startedAt = prev.StartedAt
	}
	next := Next{Attempt: req.Attempt + 1}
	status := store.StepFailed
	if se.Error == "StepTimedOut" || se.Error == "States.Timeout" {
		status = store.StepTimedOut
	}
	retries := 0
	if step.Retry != nil {
		retries = step.Retry.Attempts
	}
	switch {
	case se.Error == "LockLost" || se.Error == "InvalidInput" || se.Error == "PlanNotFound" || step.Block == "approval":
		next.Next = NextFail
	case se.Error == "Refused":
		next.Next = NextAsk
	case req.Attempt <= retries:
		next.Next = NextRetry
		next.WaitSeconds = retryWait(step.Retry, req.Attempt)
	case step.OnFailure == plan.OnFailureContinue:
		next.Next = NextContinue
	case step.OnFailure == plan.OnFailureAbort:
		next.Next = NextFail
	default:
		next.Next = NextAsk
	}
	t := transition{run: req.Run, stage: req.Stage, step: step.Name, block: step.Block, attempt: req.Attempt,
		seq: seqEnded, status: status, startedAt: startedAt, endedAt: now, err: &se}
	switch next.Next {
	case NextRetry:
		t.message = fmt.Sprintf("attempt %d failed; retrying in %ds", req.Attempt, next.WaitSeconds)
	case NextAsk:
		t.seq, t.status, t.endedAt = seqWaiting, store.StepWaiting, time.Time{}
		t.message = "waiting for an operator decision: retry, skip, ungraceful or abort"
	case NextContinue:
		t.message = "failed; the plan continues (onFailure: continue)"
	default:
		t.message = "failed; the execution stops"
	}
	if _, err := x.c.recordStep(ctx, t); err != nil {
		return nil, err
	}
	return &next, nil
}

// retryWait is interval × backoffRate^(attempt-1), in whole seconds.
func retryWait(r *plan.Retry, attempt int) int64 {
	if r == nil || r.Interval <= 0 {
		return 0
	}
	rate := r.BackoffRate
	if rate < 1 {
		rate = 1
	}
	d := r.Interval.D().Seconds() * math.Pow(rate, float64(attempt-1))
	return int64(math.Ceil(d))
}

// Decided records an operator's decision at a failed step and routes
// run-step: retry (or ungraceful, whose mode switch the approval function
// already stored) starts the next attempt, skip ends the step SKIPPED, abort
// ends it ABORTED and fails the execution.
func (x *Executor) Decided(ctx context.Context, req Request) (*Next, error) {
	_, _, _, step, err := x.c.locate(ctx, req.Run, req.Stage, req.Step)
	if err != nil {
		return nil, err
	}
	d := Decision{Action: DecideAbort}
	if req.Decision != nil {
		d = *req.Decision
	}
	now := x.c.now()
	startedAt := now
	if prev, err := x.c.cfg.Store.GetStep(ctx, req.Run.Execution, step.Name); err == nil && prev.Attempt == req.Attempt {
		startedAt = prev.StartedAt
	}
	next := Next{Attempt: req.Attempt + 1}
	t := transition{run: req.Run, stage: req.Stage, step: step.Name, block: step.Block, attempt: req.Attempt,
		seq: seqDecided, startedAt: startedAt, endedAt: now, err: req.Error}
	switch d.Action {
	case DecideRetry, DecideUngraceful:
		next.Next = NextRetry
		t.status = store.StepFailed
		t.message = fmt.Sprintf("operator %s chose %s", d.By, d.Action)
	case DecideSkip:
		next.Next = NextSkip
		t.status = store.StepSkipped
		t.message = fmt.Sprintf("skipped by operator %s", d.By)
	default:
		next.Next = NextAbort
		t.status = store.StepAborted
		t.message = fmt.Sprintf("operator %s aborted the execution", d.By)
	}
	if req.Error != nil {
		se := unwrapError(req.Error)
		t.err = &se
	}
	if _, err := x.c.recordStep(ctx, t); err != nil {
		return nil, err
	}
	if err := x.c.audit(ctx, req.Run.Execution, actor(d.By), "step.decision", fmt.Sprintf("decision/%s/%d", step.Name, req.Attempt),
		map[string]any{"step": step.Name, "attempt": req.Attempt, "action": d.Action, "note": d.Note}); err != nil {
		return nil, err
	}
	return &next, nil
}
