package slackapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/switchyard-dev/switchyard/shared/store"
)

// ApprovalService is shared/approval's Service as the Slack and API paths
// use it: Answer votes on an approval, Decide answers an operator decision;
// both complete the task token on the completing vote.
type ApprovalService interface {
	Answer(ctx context.Context, id, user string, approve bool, note string) (store.Approval, error)
	Decide(ctx context.Context, id, user, answer, note string) (store.Approval, error)
}

// ApprovalReader reads an approval.
type ApprovalReader interface {
	GetApproval(ctx context.Context, id string) (store.Approval, error)
}

// ServiceAnswerer adapts an ApprovalService to Answerer. The service
// returns the approval only, so Counted and Completed are derived from the
// approval read just before the vote: exact for one voter, and at worst a
// wrong "completed" flag in an audit detail when two people click the same
// instant (the store still completes the task exactly once).
type ServiceAnswerer struct {
	// Service is the approval service.
	Service ApprovalService
	// Store reads the approval before the vote.
	Store ApprovalReader
	// Expired is the service's "the execution no longer waits" error
	// (approval.ErrExpired); it is reported as a closed (expired) approval.
	Expired error
}

var _ Answerer = ServiceAnswerer{}

// Answer votes v on approval id through the service.
func (s ServiceAnswerer) Answer(ctx context.Context, id string, v store.Vote) (store.VoteResult, error) {
	before, err := s.Store.GetApproval(ctx, id)
	if err != nil {
		return store.VoteResult{}, fmt.Errorf("reading approval %s: %w", id, err)
	}
	already := slices.Contains(before.Approvers, v.User) || before.Kind == store.KindDecision && before.DecidedBy == v.User
	var after store.Approval
	if before.Kind == store.KindDecision {
		after, err = s.Service.Decide(ctx, id, v.User, v.Answer, v.Note)
	} else {
		after, err = s.Service.Answer(ctx, id, v.User, v.Approve, v.Note)
	}
	if s.Expired != nil && errors.Is(err, s.Expired) {
		return store.VoteResult{Approval: after}, &store.NotPendingError{ID: id, Status: store.ApprovalExpired}
	}
	var np *store.NotPendingError
	if errors.As(err, &np) && already {
		return store.VoteResult{Approval: before}, nil // a repeat by the same person: no change, no error
	}
	if err != nil {
		return store.VoteResult{Approval: after}, err
	}
	counted := !already
	return store.VoteResult{Approval: after, Counted: counted,
		Completed: counted && before.Status == store.ApprovalPending && after.Status != store.ApprovalPending}, nil
}

// PostOnRequest returns the function the approval service calls for every
// new approval or decision (approval.Config.Notify): it posts the message to
// the plan's Slack channel. Plans without a Slack channel are skipped; a
// failure is logged and left for the API path (the approval stands either
// way).
func PostOnRequest(st HandlerStore, p *Poster, log *slog.Logger) func(ctx context.Context, a store.Approval) {
	return func(ctx context.Context, a store.Approval) {
		r, err := RequestFor(ctx, st, a)
		if err != nil {
			log.WarnContext(ctx, "describing approval for Slack", "approval", a.ID, "error", err.Error())
		}
		if a.Kind == store.KindDecision {
			r.StepError = a.Error
		}
		version := ""
		if e, err := st.GetExecution(ctx, a.Execution); err == nil {
			version = e.PlanVersion
		}
		pl, err := LoadPlan(ctx, st, a.Plan, version)
		if err != nil {
			log.WarnContext(ctx, "loading plan for Slack", "approval", a.ID, "plan", a.Plan, "error", err.Error())
			return
		}
		if pl.Spec.Approval == nil || pl.Spec.Approval.Slack == nil || pl.Spec.Approval.Slack.Channel == "" {
			return
		}
		if _, err := p.Post(ctx, pl.Spec.Approval.Slack.Channel, r); err != nil {
			log.WarnContext(ctx, "posting approval to Slack", "approval", a.ID, "plan", a.Plan, "error", err.Error())
		}
	}
}

// ApprovalLister lists an execution's approvals.
type ApprovalLister interface {
	ListApprovals(ctx context.Context, execution string) ([]store.Approval, error)
}

// SyncExecution re-renders the Slack message of every closed approval of an
// execution (approved, rejected, answered, or expired — an approval whose
// deadline passed reads as expired), so the channel shows how each ended.
// It is idempotent; the executor's finish step, a cancel, or an operator
// re-sync may call it. Every failure is audited by the Poster and returned
// joined.
func SyncExecution(ctx context.Context, st HandlerStore, l ApprovalLister, p *Poster, execution string) error {
	as, err := l.ListApprovals(ctx, execution)
	if err != nil {
		return fmt.Errorf("listing approvals of %s: %w", execution, err)
	}
	var errs []error
	for _, a := range as {
		if a.Message.TS == "" || a.Status == store.ApprovalPending {
			continue
		}
		if err := UpdateMessage(ctx, st, p, a.ID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
