package executor

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// StepError records a failed attempt and decides what run-step does next:
// retry per the step's retry policy, then its failure policy (ask an
// operator, abort, or continue).
//
// Which errors use the retry policy (an SRE expects retries for what can
// clear up on its own, and a prompt question otherwise):
//
//   - LockLost and PlanNotFound (the execution may no longer act) and any
//     failure of an approval step (a rejection or silence is an answer)
//     fail the execution at once;
//   - Refused (a step that refuses ungraceful mode) always asks;
//   - InvalidInput (the step's configuration or request is wrong: the same
//     plan version fails the same way every time) is never retried: the
//     failure policy applies at once;
//   - Terminal and Conflict (AWS said no: access denied, bad parameter, the
//     resource is busy or in the wrong state) skip the retries unless the
//     step's retry policy was set by the plan's author (differs from the
//     default, DefaultRetry), who then knows the error can clear up (say a
//     global cluster still busy with an earlier operation); otherwise the
//     failure policy applies at once, so an operator is asked without
//     waiting out retries that cannot help;
//   - everything else (Retryable, StepTimedOut, Lambda and States errors)
//     is retried per the policy.
//
// A step refused in ungraceful mode always asks. When the answer is ask,
// Next carries what the decision request shows: the error (unwrapped and
// trimmed) and who to ask.
func (x *Executor) StepError(ctx context.Context, req Request) (*Next, error) {
	p, _, _, step, err := x.c.locate(ctx, req.Run, req.Stage, req.Step)
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
	switch se.Error {
	case "InvalidInput":
		retries = 0
	case "Terminal", "Conflict":
		if !ExplicitRetry(step.Retry) {
			retries = 0
		}
	}
	switch {
	case se.Error == "LockLost" || se.Error == "PlanNotFound" || step.Block == "approval":
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
	if next.Next == NextAsk {
		shown := TrimError(se)
		g := approvers(p)
		g.Message = fmt.Sprintf("Step %s (%s) of plan %s failed on attempt %d: %s: %s. Retry, skip, switch to ungraceful, or abort?",
			step.Name, step.Block, p.Metadata.Name, req.Attempt, shown.Error, shown.Cause)
		next.Error, next.Approval = &shown, &g
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
		t.message = ContinuedMessage
	default:
		t.message = "failed; the execution stops"
	}
	if _, err := x.c.recordStep(ctx, t); err != nil {
		return nil, err
	}
	return &next, nil
}

// ContinuedMessage is the message of the transition that ends a step
// failed under onFailure: continue.
const ContinuedMessage = "failed; the plan continues (onFailure: continue)"

// DefaultRetry is the retry policy the plan model gives a step that sets
// none (docs/plan-format.md: 2 attempts, 15s, backoff 2).
var DefaultRetry = plan.Retry{Attempts: 2, Interval: plan.Duration(15 * time.Second), BackoffRate: 2}

// ExplicitRetry reports whether a step's retry policy was chosen by the
// plan's author. The stored plan carries its defaults applied, so a policy
// equal to DefaultRetry counts as the default even if it was written out.
func ExplicitRetry(r *plan.Retry) bool {
	return r != nil && *r != DefaultRetry
}

// MaxShownCause bounds the cause a decision request carries (Slack
// messages, API and CLI listings): the head of the message says what
// failed; the full error stays in the step record and the audit log.
const MaxShownCause = 1000

// TrimError returns e with its cause on one line, at most MaxShownCause
// characters (cut at a rune boundary, marked with an ellipsis).
func TrimError(e StatesError) StatesError {
	c := strings.Join(strings.Fields(e.Cause), " ")
	if utf8.RuneCountInString(c) > MaxShownCause {
		r := []rune(c)
		c = string(r[:MaxShownCause-1]) + "…"
	}
	if e.Error == "" {
		e.Error = "States.Runtime"
	}
	return StatesError{Error: e.Error, Cause: c}
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
