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
			a.Note = req.Error.Error + ": " + req.Error.Cause
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
// vote is the caller's check.
func (s *Service) Answer(ctx context.Context, id, user string, approve bool, note string) (store.Approval, error) {
	a, err := s.cfg.Store.GetApproval(ctx, id)
	if err != nil {
		return store.Approval{}, fmt.Errorf("reading approval %s: %w", id, err)
	}
	if a.Kind != store.KindApproval {
		return a, fmt.Errorf("approval %s is a %s: answer it with Decide", id, a.Kind)
	}
	v, err := s.cfg.Store.VoteApproval(ctx, id, store.Vote{User: user, Approve: approve, Note: note})
	if err != nil {
		return a, fmt.Errorf("voting on approval %s: %w", id, err)
	}
	if v.Counted {
		s.auditVote(ctx, v.Approval, user, map[string]any{"approve": approve, "note": note})
	}
	if !v.Completed {
		return v.Approval, nil
	}
	a = v.Approval
	if a.Status == store.ApprovalApproved {
		out, _ := json.Marshal(map[string]any{"approved": true, "approvers": a.Approvers})
		_, err = s.cfg.SFN.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &a.TaskToken, Output: ptr(string(out))})
	} else {
		cause := (&errclass.Rejected{By: a.DecidedBy, Reason: a.Note}).Error()
		_, err = s.cfg.SFN.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: &a.TaskToken, Error: ptr("Rejected"), Cause: &cause})
	}
	if err != nil {
		return a, fmt.Errorf("resuming execution %s after approval %s: %w", a.Execution, id, tokenError(err))
	}
	return a, nil
}

// Decide records an operator's decision at a failed step (retry, skip,
// ungraceful, abort) and resumes the execution with it. "ungraceful"
// switches the execution's mode in the store first, so the retried attempt
// starts in ungraceful mode.
func (s *Service) Decide(ctx context.Context, id, user, answer, note string) (store.Approval, error) {
	a, err := s.cfg.Store.GetApproval(ctx, id)
	if err != nil {
		return store.Approval{}, fmt.Errorf("reading decision %s: %w", id, err)
	}
	if a.Kind != store.KindDecision {
		return a, fmt.Errorf("approval %s is an %s: answer it with Answer", id, a.Kind)
	}
	if !slices.Contains(executor.DecisionOptions, answer) {
		return a, &errclass.InvalidInput{Field: "answer", Message: fmt.Sprintf("%q is not a decision (allowed: retry, skip, ungraceful, abort)", answer)}
	}
	if a.Status != store.ApprovalPending {
		return a, &store.NotPendingError{ID: id, Status: a.Status}
	}
	if answer == executor.DecideUngraceful {
		if _, err := s.cfg.Store.SetExecutionMode(ctx, a.Execution, store.ModeUngraceful); err != nil {
			return a, fmt.Errorf("switching execution %s to ungraceful: %w", a.Execution, err)
		}
		s.auditVote(ctx, a, user, map[string]any{"mode": store.ModeUngraceful})
	}
	v, err := s.cfg.Store.VoteApproval(ctx, id, store.Vote{User: user, Answer: answer, Note: note})
	if err != nil {
		return a, fmt.Errorf("recording decision %s: %w", id, err)
	}
	if v.Counted {
		s.auditVote(ctx, v.Approval, user, map[string]any{"answer": answer, "note": note})
	}
	if !v.Completed {
		return v.Approval, nil
	}
	out, _ := json.Marshal(executor.Decision{Action: answer, By: user, Note: note})
	if _, err := s.cfg.SFN.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &v.Approval.TaskToken, Output: ptr(string(out))}); err != nil {
		return v.Approval, fmt.Errorf("resuming execution %s after decision %s: %w", a.Execution, id, tokenError(err))
	}
	return v.Approval, nil
}

func (s *Service) auditVote(ctx context.Context, a store.Approval, user string, detail map[string]any) {
	detail["approvalId"] = a.ID
	detail["status"] = a.Status
	b, _ := json.Marshal(detail)
	if _, err := s.cfg.Store.AppendAudit(ctx, store.AuditRecord{Execution: a.Execution, Actor: user, Action: string(a.Kind) + ".answered", Detail: b}); err != nil {
		s.cfg.Logger.WarnContext(ctx, "auditing a vote", "approval", a.ID, "error", err)
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
