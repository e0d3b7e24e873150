package executor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// Polling bounds: a block's PollAfter is kept within [MinPoll, MaxPoll]; a
// block that gives none is polled with exponential backoff from MinPoll.
const (
	MinPoll = 2 * time.Second
	MaxPoll = 60 * time.Second
	// DefaultStepTimeout applies to a step with no timeout at all.
	DefaultStepTimeout = time.Hour
)

// SFN is the part of the Step Functions API the runner and approvals use to
// answer task tokens (*sfn.Client and the local engine implement it).
type SFN interface {
	SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
	SendTaskFailure(ctx context.Context, in *sfn.SendTaskFailureInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error)
}

var _ SFN = (*sfn.Client)(nil)

// StepRunner is the run-step function: it starts a step's block, polls it,
// and subscribes a task token to the AWS event that completes it. OnAWSEvent
// answers those subscriptions.
//
// Retry contract: start, poll and subscribe are idempotent per (execution,
// step, attempt); the fencing epoch is checked before every block call and a
// stale one fails with LockLost.
type StepRunner struct {
	c   *core
	sfn SFN
}

// NewStepRunner returns the step runner; api answers event subscriptions.
func NewStepRunner(cfg Config, api SFN) *StepRunner { return &StepRunner{c: newCore(cfg), sfn: api} }

// Handle is the Lambda entry point (actions start, poll, subscribe; an RDS
// event envelope goes to OnAWSEvent).
func (r *StepRunner) Handle(ctx context.Context, req Request) (any, error) {
	res, err := r.handle(ctx, req)
	if err != nil {
		r.c.cfg.Logger.WarnContext(ctx, "step action failed", "action", req.Action, "step", stepName(req.Step), "error", err.Error())
		return nil, errclass.Boundary(err)
	}
	return res, nil
}

func stepName(s *StepItem) string {
	if s == nil {
		return ""
	}
	return s.Name
}

func (r *StepRunner) handle(ctx context.Context, req Request) (any, error) {
	if req.Action == "" && req.Source == awsevent.SourceRDS {
		var d awsevent.RDSEventDetail
		if err := json.Unmarshal(req.Detail, &d); err != nil {
			return nil, &errclass.InvalidInput{Field: "detail", Message: err.Error()}
		}
		return nil, r.onRDS(ctx, req.Account, req.Resources, d)
	}
	switch req.Action {
	case "start":
		return r.Start(ctx, req)
	case "poll":
		return r.Poll(ctx, req)
	case "subscribe":
		return struct{}{}, r.Subscribe(ctx, req)
	}
	return nil, &errclass.InvalidInput{Field: "action", Message: fmt.Sprintf("unknown action %q (start, poll, subscribe)", req.Action)}
}

// stepCtx is one step invocation, located in its plan.
type stepCtx struct {
	req  Request
	plan *plan.Plan
	wf   *plan.Workflow
	st   *plan.Stage
	step *plan.Step
}

func (r *StepRunner) locate(ctx context.Context, req Request) (*stepCtx, error) {
	if req.Attempt < 1 {
		return nil, &errclass.InvalidInput{Field: "attempt", Message: "must be ≥ 1"}
	}
	p, w, st, step, err := r.c.locate(ctx, req.Run, req.Stage, req.Step)
	if err != nil {
		return nil, err
	}
	if err := r.c.checkEpoch(ctx, req.Run); err != nil {
		return nil, err
	}
	return &stepCtx{req: req, plan: p, wf: w, st: st, step: step}, nil
}

func (s *stepCtx) transition(status store.StepStatus, seq int, state StepState, now time.Time) transition {
	t := transition{run: s.req.Run, stage: s.req.Stage, step: s.step.Name, block: s.step.Block, attempt: s.req.Attempt,
		seq: seq, status: status, startedAt: state.StartedAt}
	if seq >= seqEnded {
		t.endedAt = now
	}
	return t
}

func (s *stepCtx) blockRequest(state StepState) blocks.Request {
	return blocks.Request{
		Execution: s.req.Run.ExecutionArn, Plan: s.plan, Workflow: s.wf, Stage: s.st, Step: s.step,
		Target: s.req.Run.Target, Source: s.req.Run.Source, Mode: blocks.Mode(state.Mode), Attempt: s.req.Attempt,
		Epoch: s.req.Run.Epoch, AttemptStarted: state.StartedAt, State: state.Block,
	}
}

// Start begins an attempt: it reads the execution's current mode, applies
// the step's ungraceful behaviour, records the step RUNNING and starts the
// block.
func (r *StepRunner) Start(ctx context.Context, req Request) (*StepProgress, error) {
	s, err := r.locate(ctx, req)
	if err != nil {
		return nil, err
	}
	exec, err := r.c.cfg.Store.GetExecution(ctx, req.Run.Execution)
	if err != nil {
		return nil, errclass.Classify("reading execution "+req.Run.Execution, err)
	}
	now := r.c.now()
	state := StepState{Mode: string(exec.Mode), StartedAt: now}
	if prev, err := r.c.cfg.Store.GetStep(ctx, req.Run.Execution, s.step.Name); err == nil && prev.Attempt == req.Attempt && !prev.StartedAt.IsZero() {
		state.StartedAt = prev.StartedAt // a repeated Start of the same attempt keeps its deadline
	}
	timeout := s.step.Timeout.D()
	ungraceful := exec.Mode == store.ModeUngraceful
	if ungraceful && s.step.Ungraceful != nil && s.step.Ungraceful.Timeout > 0 {
		timeout = s.step.Ungraceful.Timeout.D()
	}
	if timeout <= 0 {
		timeout = DefaultStepTimeout
	}
	state.Deadline = state.StartedAt.Add(timeout)
	if ungraceful && s.step.Ungraceful != nil {
		switch s.step.Ungraceful.Behavior {
		case plan.UngracefulSkip:
			t := s.transition(store.StepSkipped, seqEnded, state, now)
			t.message = "skipped: the execution runs ungracefully and the step's ungraceful behaviour is skip"
			if _, err := r.c.recordStep(ctx, t); err != nil {
				return nil, err
			}
			return &StepProgress{Done: true, State: state, Message: t.message}, nil
		case plan.UngracefulRefuse:
			return nil, &errclass.Refused{Step: s.step.Name, Reason: "the execution runs ungracefully and this step's ungraceful behaviour is refuse: an operator must decide"}
		}
	}
	t := s.transition(store.StepRunning, seqRunning, state, now)
	t.message = fmt.Sprintf("attempt %d started (%s, timeout %s)", req.Attempt, state.Mode, timeout)
	if _, err := r.c.recordStep(ctx, t); err != nil {
		return nil, err
	}
	if s.step.Block == "approval" {
		return r.askApprovers(s, state, now)
	}
	b, ok := r.c.cfg.Blocks.Block(s.step.Block)
	if !ok {
		return nil, &errclass.Terminal{Op: fmt.Sprintf("step %s: no execution block %q is registered", s.step.Name, s.step.Block)}
	}
	p, err := b.Start(ctx, s.blockRequest(state))
	if err != nil {
		return nil, fmt.Errorf("starting step %s: %w", s.step.Name, err)
	}
	return r.progress(ctx, s, state, p)
}

// askApprovers turns an approval step into a wait for its approvers.
func (r *StepRunner) askApprovers(s *stepCtx, state StepState, now time.Time) (*StepProgress, error) {
	a := s.plan.Spec.Approval
	if a == nil {
		return nil, &errclass.Terminal{Op: fmt.Sprintf("step %s: an approval step needs spec.approval in plan %s", s.step.Name, s.plan.Metadata.Name)}
	}
	g := &ApprovalGate{Required: true, Quorum: max(1, a.Quorum), Message: fmt.Sprintf("Approve step %s of plan %s.", s.step.Name, s.plan.Metadata.Name)}
	if cfg, ok := s.step.With.(*plan.ApprovalStep); ok {
		if cfg.Quorum > 0 {
			g.Quorum = cfg.Quorum
		}
		if cfg.Message != "" {
			g.Message = cfg.Message
		}
	}
	if a.Slack != nil {
		g.Channel, g.Approvers = a.Slack.Channel, append([]string(nil), a.Slack.Approvers...)
	}
	g.Approvers = append(g.Approvers, a.FallbackApprovers...)
	wait := seconds(state.Deadline.Sub(now))
	g.TimeoutSeconds = wait
	state.Approval = g
	return &StepProgress{WaitForApproval: true, PollAfterSeconds: wait, State: state, Message: "waiting for approval"}, nil
}

// Poll observes an attempt in progress, failing it with StepTimedOut once
// its deadline passed.
func (r *StepRunner) Poll(ctx context.Context, req Request) (*StepProgress, error) {
	s, err := r.locate(ctx, req)
	if err != nil {
		return nil, err
	}
	if req.State == nil {
		return nil, &errclass.InvalidInput{Field: "state", Message: "required for poll (the progress state Start returned)"}
	}
	state := *req.State
	state.Polls++
	now := r.c.now()
	if s.step.Block == "approval" {
		return r.pollApproval(ctx, s, state, now)
	}
	if !now.Before(state.Deadline) {
		return nil, &errclass.StepTimedOut{Step: s.step.Name, Timeout: state.Deadline.Sub(state.StartedAt).String()}
	}
	b, ok := r.c.cfg.Blocks.Block(s.step.Block)
	if !ok {
		return nil, &errclass.Terminal{Op: fmt.Sprintf("step %s: no execution block %q is registered", s.step.Name, s.step.Block)}
	}
	p, err := b.Poll(ctx, s.blockRequest(state))
	if err != nil {
		return nil, fmt.Errorf("polling step %s: %w", s.step.Name, err)
	}
	return r.progress(ctx, s, state, p)
}

func (r *StepRunner) pollApproval(ctx context.Context, s *stepCtx, state StepState, now time.Time) (*StepProgress, error) {
	as, err := r.c.cfg.Store.ListApprovals(ctx, s.req.Run.Execution)
	if err != nil {
		return nil, errclass.Classify("listing approvals of "+s.req.Run.Execution, err)
	}
	for i := len(as) - 1; i >= 0; i-- {
		a := as[i]
		if a.Step != s.step.Name || a.Kind != store.KindApproval {
			continue
		}
		switch a.Status {
		case store.ApprovalApproved:
			return r.progress(ctx, s, state, blocks.Progress{Done: true, Message: "approved by " + fmt.Sprint(a.Approvers),
				Outputs: map[string]any{"approvers": a.Approvers}})
		case store.ApprovalRejected:
			return nil, &errclass.Rejected{By: a.DecidedBy, Reason: a.Note}
		}
	}
	if !now.Before(state.Deadline) {
		return nil, &errclass.StepTimedOut{Step: s.step.Name, Timeout: state.Deadline.Sub(state.StartedAt).String()}
	}
	wait := seconds(state.Deadline.Sub(now))
	return &StepProgress{WaitForApproval: true, PollAfterSeconds: wait, State: state, Message: "waiting for approval"}, nil
}

// progress records a finished step or computes when to look again.
func (r *StepRunner) progress(ctx context.Context, s *stepCtx, state StepState, p blocks.Progress) (*StepProgress, error) {
	now := r.c.now()
	state.Block = p.State
	if p.Done {
		t := s.transition(store.StepSucceeded, seqEnded, state, now)
		t.outputs, t.message = p.Outputs, p.Message
		if _, err := r.c.recordStep(ctx, t); err != nil {
			return nil, err
		}
		return &StepProgress{Done: true, State: StepState{Mode: state.Mode, StartedAt: state.StartedAt, Deadline: state.Deadline}, Message: p.Message}, nil
	}
	remaining := state.Deadline.Sub(now)
	if remaining <= 0 {
		return nil, &errclass.StepTimedOut{Step: s.step.Name, Timeout: state.Deadline.Sub(state.StartedAt).String()}
	}
	after := p.PollAfter
	if after <= 0 {
		after = MinPoll << min(state.Polls, 5)
	}
	after = min(max(after, MinPoll, s.pollFloor(state)), max(MaxPoll, s.pollFloor(state)), remaining)
	out := &StepProgress{PollAfterSeconds: seconds(after), State: state, Message: p.Message}
	if p.WaitForEvent && p.EventKey != "" {
		out.WaitForEvent = true
		out.State.EventKey = p.EventKey
	}
	return out, nil
}

// MaxPollsPerStep bounds the polls of all of a step's planned attempts, so a
// run-step child stays far below the 25,000-event history quota (a poll
// costs about 9 events) even with a week-long timeout.
const MaxPollsPerStep = 1000

// pollFloor is the shortest poll interval that keeps the step within
// MaxPollsPerStep over its timeout and retries.
func (s *stepCtx) pollFloor(state StepState) time.Duration {
	attempts := 1
	if s.step.Retry != nil {
		attempts += s.step.Retry.Attempts
	}
	return state.Deadline.Sub(state.StartedAt) * time.Duration(attempts) / MaxPollsPerStep
}

// seconds rounds d up to whole seconds, at least 1.
func seconds(d time.Duration) int64 {
	return max(1, int64(math.Ceil(d.Seconds())))
}

// subscriptionPrefix marks the approvals store records that are event
// subscriptions rather than people's approvals: Execution holds the prefix
// and the event key, so OnAWSEvent finds them with ListApprovals.
const subscriptionPrefix = "event:"

// Subscribe stores the task token under the block's event key, so that the
// completion event answers it. The state machine falls back to polling when
// no event arrives in time.
func (r *StepRunner) Subscribe(ctx context.Context, req Request) error {
	s, err := r.locate(ctx, req)
	if err != nil {
		return err
	}
	if req.State == nil || req.State.EventKey == "" || req.Token == "" {
		return &errclass.InvalidInput{Field: "state.eventKey, token", Message: "required for subscribe"}
	}
	key := req.State.EventKey
	if cfg, ok := s.step.With.(*plan.AuroraGlobal); ok && key == cfg.GlobalCluster && cfg.Members[req.Run.Target] != "" {
		// RDS sends global switchover and failover events as DB cluster
		// events of the member clusters, never naming the global cluster:
		// wait on the target member, which the completion event names.
		key = cfg.Members[req.Run.Target]
	}
	expires := req.State.Deadline
	if min := r.c.now().Add(MaxPoll); expires.Before(min) {
		expires = min
	}
	_, _, err = r.c.cfg.Store.CreateApproval(ctx, store.Approval{
		Kind: store.KindDecision, Execution: subscriptionPrefix + key, Plan: req.Run.Plan,
		Step: s.step.Name, TaskToken: req.Token, Options: []string{"event"}, ExpiresAt: expires,
	})
	if err != nil {
		return errclass.Classify("subscribing step "+s.step.Name+" to "+key, err)
	}
	return nil
}

// OnAWSEvent answers the subscriptions an AWS event completes (today: RDS
// global-cluster switchover/failover events). Each subscription is answered
// exactly once, however often the event is delivered; the step then polls
// its block, which confirms the outcome.
func (r *StepRunner) OnAWSEvent(ctx context.Context, event []byte) error {
	raw, err := awsevent.DecodeEnvelope(event)
	if err != nil {
		return &errclass.InvalidInput{Field: "event", Message: err.Error()}
	}
	if raw.Source != awsevent.SourceRDS {
		return nil
	}
	var d awsevent.RDSEventDetail
	if err := json.Unmarshal(raw.Detail, &d); err != nil {
		return &errclass.InvalidInput{Field: "detail", Message: err.Error()}
	}
	return r.onRDS(ctx, raw.Account, raw.Resources, d)
}

func (r *StepRunner) onRDS(ctx context.Context, account string, resources []string, d awsevent.RDSEventDetail) error {
	op, ok := d.GlobalOperation()
	if !ok || !op.Terminal() {
		return nil
	}
	keys := map[string]bool{d.SourceArn: true, d.SourceIdentifier: true, op.Cluster: true}
	if op.Cluster != "" && op.Region != "" && account != "" {
		// The message names the operation's target cluster, whichever
		// member the event was sent for.
		keys[fmt.Sprintf("arn:%s:rds:%s:%s:cluster:%s", partition(op.Region), op.Region, account, op.Cluster)] = true
	}
	for _, k := range resources {
		keys[k] = true
	}
	delete(keys, "")
	for k := range keys {
		if err := r.answer(ctx, k, d.EventID); err != nil {
			return err
		}
	}
	return nil
}

// answer completes every pending subscription on key.
func (r *StepRunner) answer(ctx context.Context, key, eventID string) error {
	s := r.c.cfg.Store
	subs, err := s.ListApprovals(ctx, subscriptionPrefix+key)
	if err != nil {
		return errclass.Classify("listing subscriptions to "+key, err)
	}
	for _, a := range subs {
		if a.Status != store.ApprovalPending {
			continue
		}
		v, err := s.VoteApproval(ctx, a.ID, store.Vote{User: "aws-event", Answer: "event", Note: eventID})
		var np *store.NotPendingError
		if errors.As(err, &np) {
			continue
		}
		if err != nil {
			return errclass.Classify("answering subscription "+a.ID, err)
		}
		if !v.Completed {
			continue
		}
		out := fmt.Sprintf(`{"event":%q}`, eventID)
		if _, err := r.sfn.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &a.TaskToken, Output: &out}); err != nil && !gone(err) {
			return errclass.Classify("resuming step "+a.Step, err)
		}
	}
	return nil
}

func partition(region string) string {
	if p := plan.Partition(region); p != "" {
		return p
	}
	return "aws"
}

// gone reports a task token that no longer waits (timed out into its poll
// fallback, or its execution ended): nothing to answer.
func gone(err error) bool {
	var timedOut *sfntypes.TaskTimedOut
	var missing *sfntypes.TaskDoesNotExist
	return errors.As(err, &timedOut) || errors.As(err, &missing)
}
