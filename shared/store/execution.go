package store

import (
	"context"
	"time"
)

// Mode is how an execution treats the Region it leaves.
type Mode string

// The execution modes.
const (
	// ModeGraceful coordinates with the source Region (switchover, RPO 0).
	ModeGraceful Mode = "graceful"
	// ModeUngraceful never needs the source Region (failover, data loss
	// accepted up to the lag).
	ModeUngraceful Mode = "ungraceful"
)

// ExecutionStatus is an execution's lifecycle state, named as Step Functions
// names execution statuses.
type ExecutionStatus string

// The execution statuses; all but RUNNING are terminal.
const (
	ExecutionRunning   ExecutionStatus = "RUNNING"
	ExecutionSucceeded ExecutionStatus = "SUCCEEDED"
	ExecutionFailed    ExecutionStatus = "FAILED"
	ExecutionTimedOut  ExecutionStatus = "TIMED_OUT"
	ExecutionAborted   ExecutionStatus = "ABORTED"
)

// Terminal reports whether s is a final status.
func (s ExecutionStatus) Terminal() bool {
	switch s {
	case ExecutionSucceeded, ExecutionFailed, ExecutionTimedOut, ExecutionAborted:
		return true
	}
	return false
}

// Execution is one run of a plan towards a target Region.
type Execution struct {
	// ID identifies the execution (the Step Functions execution name); no '#'.
	ID string
	// Plan and PlanVersion name the plan version being carried out.
	Plan        string
	PlanVersion string
	// Target is the Region being moved to; Source the Region being left
	// (optional).
	Target string
	Source string
	// Mode is graceful or ungraceful; it may change while RUNNING.
	Mode Mode
	// Status is RUNNING until FinishExecution.
	Status ExecutionStatus
	// ClientToken makes starting idempotent: a second start with the same
	// token returns the first execution (optional).
	ClientToken string
	// StartedBy is who or what started it (user, trigger, API caller).
	StartedBy string
	// Reason is the human reason given at start.
	Reason string
	// StartedAt is set by the store when zero; EndedAt by FinishExecution.
	StartedAt time.Time
	EndedAt   time.Time
	// Result is set by FinishExecution.
	Result ExecutionResult
}

// ExecutionResult is the outcome of a finished execution.
type ExecutionResult struct {
	// RTO is the achieved recovery time, RPO the data-loss window accepted.
	RTO time.Duration
	RPO time.Duration
	// Error and Cause describe a failure (Step Functions style), empty on
	// success.
	Error string
	Cause string
}

// ExecutionFilter selects executions for ListExecutions; zero fields match
// everything.
type ExecutionFilter struct {
	// Plan limits the listing to one plan.
	Plan string
	// Status limits the listing to one status.
	Status ExecutionStatus
	// Limit caps the number returned (0: no cap). The DynamoDB store reads
	// every match before applying it: listings are meant for the executions
	// of a plan, not for paging through history.
	Limit int
}

// Executions stores executions.
type Executions interface {
	// CreateExecution stores a new RUNNING execution. ID, Plan, Target and
	// Mode are required (ErrInvalid). With a ClientToken it is idempotent:
	// a token already used returns that execution with created false, and
	// ErrConflict if it was for another plan or target. An ID already stored
	// (under another or no token) is ErrConflict.
	CreateExecution(ctx context.Context, e Execution) (stored Execution, created bool, err error)
	// GetExecution returns an execution, or ErrNotFound.
	GetExecution(ctx context.Context, id string) (Execution, error)
	// SetExecutionMode switches the mode of a RUNNING execution; setting the
	// current mode is a no-op. A finished execution is ErrConflict.
	SetExecutionMode(ctx context.Context, id string, mode Mode) (Execution, error)
	// FinishExecution moves a RUNNING execution to a terminal status, setting
	// EndedAt and Result. Repeating it with the same status returns the stored
	// execution unchanged (idempotent); another terminal status is
	// ErrConflict.
	FinishExecution(ctx context.Context, id string, status ExecutionStatus, r ExecutionResult) (Execution, error)
	// ListExecutions returns the executions matching f, newest StartedAt
	// first. An unknown status or a negative limit is ErrInvalid.
	ListExecutions(ctx context.Context, f ExecutionFilter) ([]Execution, error)
}
