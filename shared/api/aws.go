package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// SFN is the part of Step Functions the AWS backend calls.
type SFN interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, opts ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
	StopExecution(ctx context.Context, in *sfn.StopExecutionInput, opts ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error)
}

var _ SFN = (*sfn.Client)(nil)

// Answerer votes on an approval and completes its task token when the vote
// completes it (shared/approval; the same contract as slackapp.Answerer).
type Answerer interface {
	Answer(ctx context.Context, id string, v store.Vote) (store.VoteResult, error)
}

// BackendStore is the part of the store the AWS backend uses.
type BackendStore interface {
	store.Executions
	store.Steps
	store.Audit
	store.Approvals
	store.Locks
}

// AWSConfig wires an AWSBackend.
type AWSConfig struct {
	// SFN and StateMachineArn start and stop execute-plan executions.
	SFN             SFN
	StateMachineArn string
	// Store holds executions, steps, audit, approvals and locks.
	Store BackendStore
	// Answerer votes and completes task tokens.
	Answerer Answerer
	// OnApprovalChanged is told after a vote or an expiry so the Slack
	// message can be updated (optional; it must not block long, and records
	// its own failures).
	OnApprovalChanged func(ctx context.Context, approvalID string)
	// Clock is the time source.
	Clock clock.Clock
	// Region is the Region this control plane runs in: it only executes
	// failovers into it (empty: any target, as the local runtime).
	Region string
	// StartLease is how long the plan lock taken at start holds before the
	// execution's Begin state renews it (default 15 minutes).
	StartLease time.Duration
}

// AWSBackend is the Backend of a deployed Region: Step Functions runs the
// executions, the store holds their state.
//
// Starting takes the plan's lock with the execution name as holder before
// StartExecution, so two concurrent starts of a plan yield one execution and
// a 409; execute-plan's Begin state must acquire the lock with the same
// holder ($$.Execution.Name), which the store makes idempotent. A client
// token maps to a fixed execution name, so Step Functions' own name
// idempotency returns the same execution for the same token.
type AWSBackend struct {
	cfg AWSConfig
}

var _ Backend = (*AWSBackend)(nil)

// NewAWSBackend checks cfg and returns the backend.
func NewAWSBackend(cfg AWSConfig) (*AWSBackend, error) {
	if cfg.SFN == nil || cfg.Store == nil || cfg.Answerer == nil || cfg.Clock == nil {
		return nil, errors.New("api: AWS backend needs SFN, Store, Answerer and Clock")
	}
	if !strings.Contains(cfg.StateMachineArn, ":stateMachine:") {
		return nil, fmt.Errorf("api: %q is not a state machine ARN", cfg.StateMachineArn)
	}
	if cfg.StartLease <= 0 {
		cfg.StartLease = 15 * time.Minute
	}
	return &AWSBackend{cfg: cfg}, nil
}

// ExecutionName is the execution name used for a client token: the same
// token always names the same execution.
func ExecutionName(clientToken string) string {
	if clientToken == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		return "api-" + hex.EncodeToString(b[:])
	}
	sum := sha256.Sum256([]byte(clientToken))
	return "api-" + hex.EncodeToString(sum[:16])
}

func (b *AWSBackend) executionArn(id string) string {
	return strings.Replace(b.cfg.StateMachineArn, ":stateMachine:", ":execution:", 1) + ":" + id
}

// startInput is execute-plan's input.
type startInput struct {
	Plan        string `json:"plan"`
	Target      string `json:"target"`
	Mode        string `json:"mode"`
	Reason      string `json:"reason,omitempty"`
	StartedBy   string `json:"startedBy"`
	ClientToken string `json:"clientToken,omitempty"`
	Workflow    string `json:"workflow,omitempty"`
}

// Start starts execute-plan (see AWSBackend for the concurrency contract).
func (b *AWSBackend) Start(ctx context.Context, caller string, in StartInput) (Execution, bool, error) {
	if b.cfg.Region != "" && in.Target != b.cfg.Region {
		return Execution{}, false, invalid("target", "wrong_region", "this control plane runs in %s and only executes failovers into it; call the API in %s to fail over into %s", b.cfg.Region, in.Target, in.Target)
	}
	id := ExecutionName(in.ClientToken)
	if in.ClientToken != "" {
		if e, err := b.Describe(ctx, id); err == nil {
			return b.sameToken(e, in)
		} else if !errors.Is(err, ErrNotFound) {
			return Execution{}, false, err
		}
	}
	lock, err := b.cfg.Store.AcquireLock(ctx, in.Plan, id, b.cfg.StartLease)
	var held *store.LockHeldError
	if errors.As(err, &held) {
		return Execution{}, false, &ConflictError{Code: "already_running", Execution: held.Holder,
			Message: fmt.Sprintf("plan %s is already running: execution %s (cancel it or wait for it to finish)", in.Plan, held.Holder)}
	}
	if err != nil {
		return Execution{}, false, fmt.Errorf("locking plan %s: %w", in.Plan, err)
	}
	input, _ := json.Marshal(startInput{Plan: in.Plan, Target: in.Target, Mode: in.Mode, Reason: in.Reason, StartedBy: caller, ClientToken: in.ClientToken, Workflow: in.Workflow})
	_, err = b.cfg.SFN.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(b.cfg.StateMachineArn), Name: aws.String(id), Input: aws.String(string(input)),
	})
	var exists *sfntypes.ExecutionAlreadyExists
	switch {
	case errors.As(err, &exists):
		e, derr := b.Describe(ctx, id)
		if derr != nil {
			return Execution{}, false, derr
		}
		return b.sameToken(e, in)
	case err != nil:
		if rerr := b.cfg.Store.ReleaseLock(ctx, in.Plan, id, lock.Epoch); rerr != nil {
			err = errors.Join(err, fmt.Errorf("releasing the start lock: %w", rerr))
		}
		return Execution{}, false, fmt.Errorf("starting execution %s of %s: %w", id, in.Plan, err)
	}
	b.audit(ctx, id, caller, "execution.start_requested", "start", map[string]any{"plan": in.Plan, "target": in.Target, "mode": in.Mode, "reason": in.Reason, "via": "api"})
	now := b.cfg.Clock.Now()
	return Execution{ID: id, Plan: in.Plan, Target: in.Target, Mode: in.Mode, Status: string(store.ExecutionRunning),
		ClientToken: in.ClientToken, StartedBy: caller, Reason: in.Reason, StartedAt: &now}, true, nil
}

// sameToken returns the execution a client token already started, or a
// conflict if the token was used for another plan or target.
func (b *AWSBackend) sameToken(e Execution, in StartInput) (Execution, bool, error) {
	if e.Plan != in.Plan || e.Target != in.Target {
		return Execution{}, false, &ConflictError{Code: "client_token_reused", Execution: e.ID,
			Message: fmt.Sprintf("clientToken was already used for execution %s of plan %s to %s", e.ID, e.Plan, e.Target)}
	}
	return e, false, nil
}

// Describe reads the execution from the store (from Step Functions if its
// Begin state has not recorded it yet), reconciling a RUNNING record with
// Step Functions' status (a stopped execution never updates the store).
func (b *AWSBackend) Describe(ctx context.Context, id string) (Execution, error) {
	se, err := b.cfg.Store.GetExecution(ctx, id)
	inStore := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Execution{}, fmt.Errorf("reading execution %s: %w", id, err)
	}
	var e Execution
	if inStore {
		e = FromStore(se)
	}
	if !inStore || se.Status == store.ExecutionRunning {
		out, err := b.cfg.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(b.executionArn(id))})
		var missing *sfntypes.ExecutionDoesNotExist
		switch {
		case errors.As(err, &missing) && !inStore:
			return Execution{}, fmt.Errorf("execution %s: %w", id, ErrNotFound)
		case err != nil && !inStore:
			return Execution{}, fmt.Errorf("describing execution %s: %w", id, err)
		case err == nil && !inStore:
			var si startInput
			_ = json.Unmarshal([]byte(aws.ToString(out.Input)), &si)
			e = Execution{ID: id, Plan: si.Plan, Target: si.Target, Mode: si.Mode, StartedBy: si.StartedBy,
				Reason: si.Reason, ClientToken: si.ClientToken, StartedAt: out.StartDate, EndedAt: out.StopDate}
			e.Status = sfnStatus(out.Status)
			e.Error, e.Cause = aws.ToString(out.Error), aws.ToString(out.Cause)
		case err == nil && sfnStatus(out.Status) != e.Status:
			e.Status = sfnStatus(out.Status)
			e.EndedAt = out.StopDate
			e.Error, e.Cause = aws.ToString(out.Error), aws.ToString(out.Cause)
		}
	}
	steps, err := b.cfg.Store.ListSteps(ctx, id)
	if err != nil {
		return Execution{}, fmt.Errorf("reading steps of %s: %w", id, err)
	}
	for _, s := range steps {
		e.Steps = append(e.Steps, Step{Name: s.Name, Block: s.Block, Stage: s.Stage, Status: string(s.Status),
			Attempt: s.Attempt, StartedAt: timePtr(s.StartedAt), EndedAt: timePtr(s.EndedAt), Error: s.Error})
	}
	if a, ok, err := b.pending(ctx, id, ""); err != nil {
		return Execution{}, err
	} else if ok && e.Status == string(store.ExecutionRunning) {
		e.Pending = &Pending{ApprovalID: a.ID, Kind: string(a.Kind), Step: a.Step, Quorum: a.Quorum,
			Approvers: nonNil(a.Approvers), Options: a.Options, Error: a.Error, ExpiresAt: a.ExpiresAt}
	}
	return e, nil
}

func sfnStatus(s sfntypes.ExecutionStatus) string {
	if s == sfntypes.ExecutionStatusPendingRedrive {
		return string(store.ExecutionRunning)
	}
	return string(s)
}

// pending returns the execution's newest pending approval of kind (any kind
// when empty).
func (b *AWSBackend) pending(ctx context.Context, id string, kind store.ApprovalKind) (store.Approval, bool, error) {
	as, err := b.cfg.Store.ListApprovals(ctx, id)
	if err != nil {
		return store.Approval{}, false, fmt.Errorf("reading approvals of %s: %w", id, err)
	}
	for i := len(as) - 1; i >= 0; i-- {
		if as[i].Status == store.ApprovalPending && (kind == "" || as[i].Kind == kind) {
			return as[i], true, nil
		}
	}
	return store.Approval{}, false, nil
}

// List lists executions from the store.
func (b *AWSBackend) List(ctx context.Context, f ListFilter) ([]Execution, error) {
	es, err := b.cfg.Store.ListExecutions(ctx, store.ExecutionFilter{Plan: f.Plan, Status: store.ExecutionStatus(f.Status)})
	if err != nil {
		return nil, fmt.Errorf("listing executions: %w", err)
	}
	out := make([]Execution, 0, len(es))
	for _, e := range es {
		out = append(out, FromStore(e))
	}
	return out, nil
}

// Events returns the execution's audit log.
func (b *AWSBackend) Events(ctx context.Context, id string) ([]Event, error) {
	if _, err := b.Describe(ctx, id); err != nil {
		return nil, err
	}
	recs, err := b.cfg.Store.ListAudit(ctx, id, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("reading the audit of %s: %w", id, err)
	}
	out := make([]Event, 0, len(recs))
	for _, r := range recs {
		out = append(out, Event{Seq: r.Seq, Time: r.Time, Actor: r.Actor, Action: r.Action, Detail: r.Detail})
	}
	return out, nil
}

// AuditAPIVote is the audit action of a counted API vote, with the IAM
// caller as actor and the comment; the vote itself is audited by the
// approval service (approval.answered / decision.answered).
const AuditAPIVote = "api.vote"

// Approve votes on the pending approval.
func (b *AWSBackend) Approve(ctx context.Context, id, caller string, in ApproveInput) (Vote, error) {
	return b.vote(ctx, id, caller, store.KindApproval, store.Vote{User: caller, Approve: in.Approve != nil && *in.Approve, Note: in.Comment})
}

// Decide answers the pending operator decision.
func (b *AWSBackend) Decide(ctx context.Context, id, caller string, in DecisionInput) (Vote, error) {
	return b.vote(ctx, id, caller, store.KindDecision, store.Vote{User: caller, Answer: in.Action, Note: in.Comment})
}

func (b *AWSBackend) vote(ctx context.Context, id, caller string, kind store.ApprovalKind, v store.Vote) (Vote, error) {
	if _, err := b.Describe(ctx, id); err != nil {
		return Vote{}, err
	}
	a, ok, err := b.pending(ctx, id, kind)
	if err != nil {
		return Vote{}, err
	}
	if !ok {
		return Vote{}, &ConflictError{Code: "not_pending", Execution: id, Message: fmt.Sprintf("execution %s has no pending %s", id, kind)}
	}
	res, err := b.cfg.Answerer.Answer(ctx, a.ID, v)
	if err != nil {
		return Vote{}, fmt.Errorf("answering %s %s of %s: %w", kind, a.ID, id, err)
	}
	if res.Counted {
		b.audit(ctx, id, caller, AuditAPIVote, "vote:"+a.ID+":"+caller, map[string]any{
			"approval": a.ID, "via": "api", "approve": v.Approve, "answer": v.Answer, "comment": v.Note,
			"completed": res.Completed, "status": res.Approval.Status,
		})
		if b.cfg.OnApprovalChanged != nil {
			b.cfg.OnApprovalChanged(ctx, a.ID)
		}
	}
	return VoteFromStore(res), nil
}

// Cancel stops the execution, records it ABORTED, closes its pending
// approvals and frees the plan lock it holds (a stopped execution runs no
// Catch, so nobody else would).
func (b *AWSBackend) Cancel(ctx context.Context, id, caller string, in CancelInput) (Execution, error) {
	e, err := b.Describe(ctx, id)
	if err != nil {
		return Execution{}, err
	}
	if e.Status != string(store.ExecutionRunning) {
		return Execution{}, &ConflictError{Code: "finished", Execution: id, Message: fmt.Sprintf("execution %s is already %s", id, e.Status)}
	}
	cause := "cancelled by " + caller
	if in.Reason != "" {
		cause += ": " + in.Reason
	}
	_, err = b.cfg.SFN.StopExecution(ctx, &sfn.StopExecutionInput{
		ExecutionArn: aws.String(b.executionArn(id)), Error: aws.String("Cancelled"), Cause: aws.String(cause),
	})
	if err != nil {
		return Execution{}, fmt.Errorf("stopping execution %s: %w", id, err)
	}
	if _, err := b.cfg.Store.FinishExecution(ctx, id, store.ExecutionAborted, store.ExecutionResult{Error: "Cancelled", Cause: cause}); err != nil && !errors.Is(err, store.ErrNotFound) {
		return Execution{}, fmt.Errorf("recording execution %s as aborted: %w", id, err)
	}
	as, err := b.cfg.Store.ListApprovals(ctx, id)
	if err != nil {
		return Execution{}, fmt.Errorf("reading approvals of %s: %w", id, err)
	}
	for _, a := range as {
		if a.Status != store.ApprovalPending {
			continue
		}
		if _, changed, err := b.cfg.Store.ExpireApproval(ctx, a.ID); err != nil {
			return Execution{}, fmt.Errorf("closing approval %s of %s: %w", a.ID, id, err)
		} else if changed && b.cfg.OnApprovalChanged != nil {
			b.cfg.OnApprovalChanged(ctx, a.ID)
		}
	}
	if l, err := b.cfg.Store.GetLock(ctx, e.Plan); err == nil && l.Holder == id {
		if err := b.cfg.Store.ReleaseLock(ctx, e.Plan, id, l.Epoch); err != nil && !errors.Is(err, store.ErrLockLost) {
			return Execution{}, fmt.Errorf("releasing the lock of %s: %w", e.Plan, err)
		}
	}
	b.audit(ctx, id, caller, "execution.cancelled", "cancel", map[string]any{"reason": in.Reason, "via": "api"})
	return b.Describe(ctx, id)
}

func (b *AWSBackend) audit(ctx context.Context, id, actor, action, key string, detail map[string]any) {
	raw, _ := json.Marshal(detail)
	// The action happened; a missing audit line must not turn it into an
	// error the caller would retry. Append is idempotent by key, so a
	// retried request does not duplicate it.
	_, _ = b.cfg.Store.AppendAudit(ctx, store.AuditRecord{Execution: id, Actor: actor, Action: action, Detail: raw, Key: key})
}
