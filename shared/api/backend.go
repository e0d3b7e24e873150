package api

import (
	"context"
	"encoding/json"
	"time"

	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// StartInput is the body of POST /v1/executions.
type StartInput struct {
	Plan        string `json:"plan"`
	Target      string `json:"target"`
	Mode        string `json:"mode,omitempty"`
	ClientToken string `json:"clientToken,omitempty"`
	Reason      string `json:"reason,omitempty"`
	// Workflow names the workflow to run (optional; see
	// executor.ResolveWorkflow for the default).
	Workflow string `json:"workflow,omitempty"`
}

// ApproveInput is the body of POST /v1/executions/{id}/approve.
type ApproveInput struct {
	Approve *bool  `json:"approve"`
	Comment string `json:"comment,omitempty"`
}

// DecisionInput is the body of POST /v1/executions/{id}/decision.
type DecisionInput struct {
	Action  string `json:"action"`
	Comment string `json:"comment,omitempty"`
}

// CancelInput is the (optional) body of POST /v1/executions/{id}/cancel.
type CancelInput struct {
	Reason string `json:"reason,omitempty"`
}

// Execution is an execution as the API shows it.
type Execution struct {
	ID          string     `json:"executionId"`
	Plan        string     `json:"plan"`
	PlanVersion string     `json:"planVersion,omitempty"`
	Target      string     `json:"target"`
	Source      string     `json:"source,omitempty"`
	Mode        string     `json:"mode"`
	Status      string     `json:"status"`
	ClientToken string     `json:"clientToken,omitempty"`
	StartedBy   string     `json:"startedBy,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	StartedAt   *time.Time `json:"startedAt,omitempty"`
	EndedAt     *time.Time `json:"endedAt,omitempty"`
	RTO         string     `json:"rto,omitempty"`
	RPO         string     `json:"rpo,omitempty"`
	Error       string     `json:"error,omitempty"`
	Cause       string     `json:"cause,omitempty"`
	// Steps and Pending are filled by Describe, not by List.
	Steps   []Step   `json:"steps,omitempty"`
	Pending *Pending `json:"pending,omitempty"`
}

// Step is one step of an execution.
type Step struct {
	Name      string     `json:"name"`
	Block     string     `json:"block"`
	Stage     int        `json:"stage"`
	Status    string     `json:"status"`
	Attempt   int        `json:"attempt"`
	StartedAt *time.Time `json:"startedAt,omitempty"`
	EndedAt   *time.Time `json:"endedAt,omitempty"`
	Error     string     `json:"error,omitempty"`
}

// Pending is an approval or operator decision the execution waits for.
type Pending struct {
	ApprovalID string   `json:"approvalId"`
	Kind       string   `json:"kind"`
	Step       string   `json:"step,omitempty"`
	Quorum     int      `json:"quorum,omitempty"`
	Approvers  []string `json:"approvers"`
	Options    []string `json:"options,omitempty"`
	// Error is the failed step's error an operator decision is about.
	Error     string    `json:"error,omitempty"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Vote is the outcome of an approve or decision call.
type Vote struct {
	ApprovalID string   `json:"approvalId"`
	Kind       string   `json:"kind"`
	Status     string   `json:"status"`
	Approvers  []string `json:"approvers"`
	Quorum     int      `json:"quorum,omitempty"`
	Answer     string   `json:"answer,omitempty"`
	// Counted is false when the caller had already voted; Completed is true
	// for the one vote that closed the approval.
	Counted   bool `json:"counted"`
	Completed bool `json:"completed"`
}

// Event is one line of an execution's audit timeline.
type Event struct {
	Seq    int64           `json:"seq"`
	Time   time.Time       `json:"time"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"`
	Detail json.RawMessage `json:"detail,omitempty"`
}

// ListFilter selects executions.
type ListFilter struct {
	Plan   string
	Status string
}

// Backend carries out the API's actions. Inputs reach it validated (plan
// exists, target is one of its Regions, mode and action are known) and
// authorized (the caller is a fallback approver of the plan for approve,
// decide and cancel). Errors: ErrNotFound (wrapped) for an unknown
// execution, *ConflictError for a refused state change, *InputError for a
// problem only the backend can see; anything else is a 500.
type Backend interface {
	// Start starts an execution, idempotently by ClientToken: a token
	// already used returns that execution with created false. Another
	// execution of the plan running is *ConflictError naming it.
	Start(ctx context.Context, caller string, in StartInput) (e Execution, created bool, err error)
	// Describe returns an execution with its steps and pending approval.
	Describe(ctx context.Context, id string) (Execution, error)
	// List returns executions, newest first.
	List(ctx context.Context, f ListFilter) ([]Execution, error)
	// Events returns an execution's audit timeline, oldest first.
	Events(ctx context.Context, id string) ([]Event, error)
	// Approve votes on the execution's pending approval as caller
	// (idempotent per caller); none pending is *ConflictError.
	Approve(ctx context.Context, id, caller string, in ApproveInput) (Vote, error)
	// Decide answers the execution's pending operator decision; none
	// pending is *ConflictError.
	Decide(ctx context.Context, id, caller string, in DecisionInput) (Vote, error)
	// Cancel stops a running execution (ABORTED); a finished one is
	// *ConflictError.
	Cancel(ctx context.Context, id, caller string, in CancelInput) (Execution, error)
}

// PlanSummary is a plan in GET /v1/plans.
type PlanSummary struct {
	Name        string    `json:"name"`
	Version     string    `json:"version"`
	Description string    `json:"description,omitempty"`
	Owner       string    `json:"owner,omitempty"`
	Regions     []string  `json:"regions"`
	Primary     string    `json:"primary,omitempty"`
	DeployedAt  time.Time `json:"deployedAt"`
}

// Readiness is a plan's readiness in one Region.
type Readiness struct {
	Region      string          `json:"region"`
	PlanVersion string          `json:"planVersion"`
	Ready       bool            `json:"ready"`
	Summary     string          `json:"summary"`
	Checks      json.RawMessage `json:"checks,omitempty"`
	EvaluatedAt time.Time       `json:"evaluatedAt"`
	ChangedAt   time.Time       `json:"changedAt"`
}

// Plans reads plans and readiness. StorePlans implements it on the store.
type Plans interface {
	// ListPlans returns the latest version of every plan, by name.
	ListPlans(ctx context.Context) ([]PlanSummary, error)
	// Plan returns a plan version (latest when version is empty) parsed, or
	// ErrNotFound.
	Plan(ctx context.Context, name, version string) (*plan.Plan, PlanSummary, error)
	// Readiness returns the plan's latest readiness per Region.
	Readiness(ctx context.Context, name string) ([]Readiness, error)
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// FromStore converts a stored execution.
func FromStore(e store.Execution) Execution {
	out := Execution{
		ID: e.ID, Plan: e.Plan, PlanVersion: e.PlanVersion, Target: e.Target, Source: e.Source,
		Mode: string(e.Mode), Status: string(e.Status), ClientToken: e.ClientToken, StartedBy: e.StartedBy,
		Reason: e.Reason, StartedAt: timePtr(e.StartedAt), EndedAt: timePtr(e.EndedAt),
		Error: e.Result.Error, Cause: e.Result.Cause,
	}
	if e.Status.Terminal() {
		out.RTO, out.RPO = e.Result.RTO.String(), e.Result.RPO.String()
	}
	return out
}

// VoteFromStore converts a vote result.
func VoteFromStore(r store.VoteResult) Vote {
	a := r.Approval
	return Vote{
		ApprovalID: a.ID, Kind: string(a.Kind), Status: string(a.Status), Approvers: nonNil(a.Approvers),
		Quorum: a.Quorum, Answer: a.Answer, Counted: r.Counted, Completed: r.Completed,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
