package approval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/executor"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// DecisionTTL is how long an operator decision stays open: as long as the
// execution may still run.
const DecisionTTL = 24 * time.Hour

// Request is what the approval and decision states send (the task token
// travels only here and into the store).
type Request struct {
	// Kind is "approval" or "decision".
	Kind string `json:"kind"`
	// Token is the waitForTaskToken token. Secret: never logged.
	Token string `json:"token"`
	// Run is the execution's summary.
	Run *executor.Run `json:"run"`
	// Approval is what to ask (approvals only).
	Approval *executor.ApprovalGate `json:"approval,omitempty"`
	// Stage, Step, Attempt and Error locate a decision (or an approval step).
	Stage   *executor.StageRef    `json:"stage,omitempty"`
	Step    *executor.StepItem    `json:"step,omitempty"`
	Attempt int                   `json:"attempt,omitempty"`
	Error   *executor.StatesError `json:"error,omitempty"`
}

// Requested is what the handler returns: the approval's short opaque id.
type Requested struct {
	ApprovalID string `json:"approvalId"`
}

// Publisher sends one EventBridge event (the full envelope as JSON).
type Publisher = executor.Publisher

// Notifier is told about every new approval or decision (the drill answers
// here; the Slack issue posts the message). It runs inside the handler.
type Notifier func(ctx context.Context, a store.Approval)

// Config holds the approval function's dependencies.
type Config struct {
	Store  store.Store
	Clock  clock.Clock
	SFN    executor.SFN
	Events Publisher
	// Account is used in event envelopes (default: from the invoked
	// function's ARN, else "000000000000").
	Account string
	// Notify is called after an approval is recorded (optional).
	Notify Notifier
	Logger *slog.Logger
}

// Service records approval requests and answers them.
type Service struct {
	cfg Config
}

// New returns the approval service.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{cfg: cfg}
}

// Handle is the Lambda entry point of the approval and decision states: it
// records the request (idempotently by token), audits it and emits
// "Approval Requested". Answering is Answer's and Decide's job.
func (s *Service) Handle(ctx context.Context, req Request) (*Requested, error) {
	out, err := s.handle(ctx, req)
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "approval request failed", "kind", req.Kind, "error", err.Error())
		return nil, errclass.Boundary(err)
	}
	return out, nil
}

func (s *Service) handle(ctx context.Context, req Request) (*Requested, error) {
	if req.Run == nil || req.Token == "" {
		return nil, &errclass.InvalidInput{Field: "run, token", Message: "required"}
	}
	now := s.cfg.Clock.Now()
	a := store.Approval{Execution: req.Run.Execution, Plan: req.Run.Plan, TaskToken: req.Token}
	if req.Step != nil {
		a.Step = req.Step.Name
	}
	switch req.Kind {
	case string(store.KindApproval):
		if req.Approval == nil {
			return nil, &errclass.InvalidInput{Field: "approval", Message: "required for kind approval"}
		}
		a.Kind, a.Quorum = store.KindApproval, max(1, req.Approval.Quorum)
		a.ExpiresAt = now.Add(time.Duration(max(1, req.Approval.TimeoutSeconds)) * time.Second)
	case string(store.KindDecision):
		a.Kind, a.Quorum, a.Options = store.KindDecision, 1, slices.Clone(executor.DecisionOptions)
		a.ExpiresAt = now.Add(DecisionTTL)
		if req.Error != nil {
			a.Error = req.Error.Error + ": " + req.Error.Cause
		}
	default:
		return nil, &errclass.InvalidInput{Field: "kind", Message: fmt.Sprintf("%q is not a kind (allowed: approval, decision)", req.Kind)}
	}
	stored, created, err := s.cfg.Store.CreateApproval(ctx, a)
	if err != nil {
		return nil, errclass.Classify("recording the approval request", err)
	}
	if !created {
		return &Requested{ApprovalID: stored.ID}, nil
	}
	detail, _ := json.Marshal(map[string]any{"approvalId": stored.ID, "kind": stored.Kind, "step": stored.Step,
		"quorum": stored.Quorum, "expiresAt": stored.ExpiresAt, "options": stored.Options})
	if _, err := s.cfg.Store.AppendAudit(ctx, store.AuditRecord{Execution: req.Run.Execution, Actor: "approval",
		Action: string(stored.Kind) + ".requested", Detail: detail, Key: "approval/" + stored.ID}); err != nil {
		return nil, errclass.Classify("auditing the approval request", err)
	}
	s.emit(ctx, req, stored)
	if s.cfg.Notify != nil {
		s.cfg.Notify(ctx, stored)
	}
	return &Requested{ApprovalID: stored.ID}, nil
}

func (s *Service) emit(ctx context.Context, req Request, a store.Approval) {
	if s.cfg.Events == nil {
		return
	}
	d := awsevent.ApprovalRequestedDetail{
		Plan: a.Plan, ExecutionID: a.Execution, ApprovalID: a.ID, TargetRegion: req.Run.Target,
		RequestedAt: a.CreatedAt, ExpiresAt: a.ExpiresAt, Quorum: a.Quorum, Approvers: []string{},
	}
	if exec, err := s.cfg.Store.GetExecution(ctx, a.Execution); err == nil {
		d.Mode, d.Reason = string(exec.Mode), exec.Reason
	}
	if req.Approval != nil {
		d.Approvers = append(d.Approvers, req.Approval.Approvers...)
		d.Channel = req.Approval.Channel
	}
	b, err := json.Marshal(awsevent.NewSwitchyardEvent(s.account(ctx), req.Run.Target, s.cfg.Clock.Now(), []string{req.Run.ExecutionArn}, d))
	if err == nil {
		err = s.cfg.Events.Publish(ctx, b)
	}
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "publishing Approval Requested", "error", err)
	}
}

func (s *Service) account(ctx context.Context) string {
	if s.cfg.Account != "" {
		return s.cfg.Account
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		if parts := strings.Split(lc.InvokedFunctionArn, ":"); len(parts) > 4 && parts[4] != "" {
			return parts[4]
		}
	}
	return "000000000000"
}

// Answer records one approver's vote on an approval. The vote that reaches
// the quorum resumes the execution (SendTaskSuccess); a rejection fails the
// approval task with error Rejected. Repeated votes change nothing. Who may
// vote is the caller's check. It returns the approval after the vote; Vote
// returns the store's whole result (Counted, Completed).
func (s *Service) Answer(ctx context.Context, id, user string, approve bool, note string) (store.Approval, error) {
	r, err := s.vote(ctx, id, store.KindApproval, store.Vote{User: user, Approve: approve, Note: note})
	return r.Approval, err
}

// Decide records an operator's decision at a failed step (retry, skip,
// ungraceful, abort) and resumes the execution with it. "ungraceful"
// switches the execution's mode in the store first, so the retried attempt
// starts in ungraceful mode. It returns the decision after the vote; Vote
// returns the store's whole result.
func (s *Service) Decide(ctx context.Context, id, user, answer, note string) (store.Approval, error) {
	r, err := s.vote(ctx, id, store.KindDecision, store.Vote{User: user, Answer: answer, Note: note})
	return r.Approval, err
}

// Vote records v on approval id, whichever its kind (v.Approve for an
// approval, v.Answer for a decision), and returns the store's result:
// Counted is false for a repeat by the same user, Completed true for the
// one vote that closed it.
//
// Contract: idempotent per (id, user). The completing vote resumes the
// execution; if resuming failed (Step Functions unreachable), any later
// call for the same approval — a retry by the same user, or another
// user's vote, which still gets *store.NotPendingError — sends the answer
// again, so a counted vote never leaves the task stranded. A vote on an
// approval whose execution has ended, or whose task Step Functions no
// longer waits for, returns ErrExpired and closes the approval as expired
// where it is still pending.
func (s *Service) Vote(ctx context.Context, id string, v store.Vote) (store.VoteResult, error) {
	return s.vote(ctx, id, "", v)
}

// Answerer returns s as the Answerer the Slack handler and the HTTP API
// take (slackapp.Answerer, api.Answerer), with exact Counted and Completed.
func (s *Service) Answerer() Answerer { return Answerer{Service: s} }

// Answerer adapts Service.Vote to the Answer(ctx, id, vote) method of
// slackapp.Answerer and api.Answerer. ErrExpired is reported as
// *store.NotPendingError with status expired, which both callers map to
// "expired".
type Answerer struct {
	// Service is the approval service.
	Service *Service
}

// Answer votes v on approval id.
func (a Answerer) Answer(ctx context.Context, id string, v store.Vote) (store.VoteResult, error) {
	r, err := a.Service.Vote(ctx, id, v)
	if errors.Is(err, ErrExpired) {
		return r, errors.Join(&store.NotPendingError{ID: id, Status: store.ApprovalExpired}, err)
	}
	return r, err
}

// vote implements Answer, Decide and Vote; kind "" accepts either kind.
func (s *Service) vote(ctx context.Context, id string, kind store.ApprovalKind, v store.Vote) (store.VoteResult, error) {
	a, err := s.cfg.Store.GetApproval(ctx, id)
	if err != nil {
		return store.VoteResult{}, fmt.Errorf("reading approval %s: %w", id, err)
	}
	res := store.VoteResult{Approval: a}
	if kind != "" && a.Kind != kind {
		if a.Kind == store.KindDecision {
			return res, fmt.Errorf("approval %s is a %s: answer it with Decide", id, a.Kind)
		}
		return res, fmt.Errorf("approval %s is an %s: answer it with Answer", id, a.Kind)
	}
	if a.Kind == store.KindDecision && !slices.Contains(executor.DecisionOptions, v.Answer) {
		return res, &errclass.InvalidInput{Field: "answer", Message: fmt.Sprintf("%q is not a decision (allowed: retry, skip, ungraceful, abort)", v.Answer)}
	}
	if a.Status != store.ApprovalPending {
		if err := s.resendIfStranded(ctx, a); err != nil {
			return res, err
		}
		if a.Kind == store.KindDecision && a.DecidedBy == v.User || a.Kind == store.KindApproval && slices.Contains(a.Approvers, v.User) {
			return res, nil // a repeat by the same person: no change, no error
		}
		return res, &store.NotPendingError{ID: id, Status: a.Status}
	}
	if e, err := s.cfg.Store.GetExecution(ctx, a.Execution); err == nil && e.Status.Terminal() {
		s.expire(ctx, a, "execution "+string(e.Status))
		res.Approval, _ = s.cfg.Store.GetApproval(ctx, id)
		return res, fmt.Errorf("approval %s: execution %s is %s: %w", id, a.Execution, e.Status, ErrExpired)
	}
	if a.Kind == store.KindDecision && v.Answer == executor.DecideUngraceful {
		if _, err := s.cfg.Store.SetExecutionMode(ctx, a.Execution, store.ModeUngraceful); err != nil {
			return res, fmt.Errorf("switching execution %s to ungraceful: %w", a.Execution, err)
		}
		s.audit(ctx, a, v.User, string(a.Kind)+".mode_changed", "mode/"+a.ID, map[string]any{"mode": store.ModeUngraceful})
	}
	res, err = s.cfg.Store.VoteApproval(ctx, id, v)
	if err != nil {
		return store.VoteResult{Approval: a}, fmt.Errorf("voting on %s %s: %w", a.Kind, id, err)
	}
	if res.Counted {
		detail := map[string]any{"note": v.Note}
		if a.Kind == store.KindDecision {
			detail["answer"] = v.Answer
		} else {
			detail["approve"] = v.Approve
		}
		s.audit(ctx, res.Approval, v.User, string(a.Kind)+".answered", "vote/"+a.ID+"/"+v.User, detail)
	}
	switch {
	case res.Completed:
		err = s.resume(ctx, res.Approval)
	case !res.Counted && res.Approval.Status != store.ApprovalPending:
		err = s.resendIfStranded(ctx, res.Approval)
	}
	return res, err
}

// Audit actions of the service besides <kind>.requested and
// <kind>.answered.
const (
	// AuditResumed records that the execution was sent the answer.
	AuditResumed = "resumed"
	// AuditExpired records that the answer came too late.
	AuditExpired = "expired"
)

func resumedKey(id string) string { return "resumed/" + id }

// resume sends a closed approval's answer to the waiting task and records
// that it did. A task Step Functions no longer waits for is ErrExpired.
func (s *Service) resume(ctx context.Context, a store.Approval) error {
	var err error
	switch a.Status {
	case store.ApprovalApproved:
		out, _ := json.Marshal(map[string]any{"approved": true, "approvers": a.Approvers})
		_, err = s.cfg.SFN.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &a.TaskToken, Output: ptr(string(out))})
	case store.ApprovalRejected:
		cause := (&errclass.Rejected{By: a.DecidedBy, Reason: a.Note}).Error()
		_, err = s.cfg.SFN.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: &a.TaskToken, Error: ptr("Rejected"), Cause: &cause})
	case store.ApprovalAnswered:
		out, _ := json.Marshal(executor.Decision{Action: a.Answer, By: a.DecidedBy, Note: a.Note})
		_, err = s.cfg.SFN.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &a.TaskToken, Output: ptr(string(out))})
	default:
		return nil
	}
	if err != nil {
		err = tokenError(err)
		if errors.Is(err, ErrExpired) {
			s.expire(ctx, a, "Step Functions no longer waits for the task")
		}
		return fmt.Errorf("resuming execution %s after %s %s: %w", a.Execution, a.Kind, a.ID, err)
	}
	s.audit(ctx, a, "approval", string(a.Kind)+"."+AuditResumed, resumedKey(a.ID), map[string]any{"answer": a.Answer, "decidedBy": a.DecidedBy})
	return nil
}

// resendIfStranded resumes the execution again for a closed approval whose
// answer was never delivered (no resumed audit record): the completing
// vote was counted but SendTask* failed.
func (s *Service) resendIfStranded(ctx context.Context, a store.Approval) error {
	if a.Status == store.ApprovalPending || a.Status == store.ApprovalExpired {
		return nil
	}
	recs, err := s.cfg.Store.ListAudit(ctx, a.Execution, 0, 0)
	if err != nil {
		return fmt.Errorf("checking whether %s %s was delivered: %w", a.Kind, a.ID, err)
	}
	for _, r := range recs {
		if r.Key == resumedKey(a.ID) || r.Key == "expired/"+a.ID {
			return nil
		}
	}
	s.cfg.Logger.InfoContext(ctx, "resending a stranded answer", "approval", a.ID, "execution", a.Execution)
	return s.resume(ctx, a)
}

// expire closes a pending approval as expired (a decided one keeps its
// status: the store never reopens a decision) and records why.
func (s *Service) expire(ctx context.Context, a store.Approval, why string) {
	if _, _, err := s.cfg.Store.ExpireApproval(ctx, a.ID); err != nil {
		s.cfg.Logger.WarnContext(ctx, "expiring an approval", "approval", a.ID, "error", err.Error())
	}
	s.audit(ctx, a, "approval", string(a.Kind)+"."+AuditExpired, "expired/"+a.ID, map[string]any{"reason": why})
}

// audit appends an audit record about a, idempotently by key.
func (s *Service) audit(ctx context.Context, a store.Approval, actor, action, key string, detail map[string]any) {
	detail["approvalId"] = a.ID
	detail["status"] = a.Status
	b, _ := json.Marshal(detail)
	if _, err := s.cfg.Store.AppendAudit(ctx, store.AuditRecord{Execution: a.Execution, Actor: actor, Action: action, Detail: b, Key: key}); err != nil {
		s.cfg.Logger.WarnContext(ctx, "auditing an approval", "approval", a.ID, "action", action, "error", err.Error())
	}
}

// ErrExpired means the execution no longer waits for the answer (the
// approval timed out or the execution ended).
var ErrExpired = errors.New("the execution no longer waits for this answer")

func tokenError(err error) error {
	var timedOut *sfntypes.TaskTimedOut
	var missing *sfntypes.TaskDoesNotExist
	if errors.As(err, &timedOut) || errors.As(err, &missing) {
		return ErrExpired
	}
	return err
}

func ptr[T any](v T) *T { return &v }
