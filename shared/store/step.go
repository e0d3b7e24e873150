package store

import (
	"context"
	"encoding/json"
	"time"
)

// StepStatus is a step's state within an execution.
type StepStatus string

// The step statuses.
const (
	StepPending   StepStatus = "PENDING"
	StepRunning   StepStatus = "RUNNING"
	StepWaiting   StepStatus = "WAITING" // paused for an operator decision
	StepSucceeded StepStatus = "SUCCEEDED"
	StepFailed    StepStatus = "FAILED"
	StepSkipped   StepStatus = "SKIPPED"
	StepTimedOut  StepStatus = "TIMED_OUT"
	StepAborted   StepStatus = "ABORTED"
)

// Step is the state of one step of an execution.
type Step struct {
	// Execution and Name identify the step; no '#' in either.
	Execution string
	Name      string
	// Block is the execution block (aurora-global, ecs-scale, …); Stage the
	// stage's index in the workflow.
	Block string
	Stage int
	// Status is the step's state.
	Status StepStatus
	// Attempt (1, 2, …) and Seq (a counter within the attempt) order the
	// updates of a step: a write applies only if (Attempt, Seq) is greater
	// than the stored pair.
	Attempt int
	Seq     int
	// StartedAt and EndedAt bound the current attempt.
	StartedAt time.Time
	EndedAt   time.Time
	// Error is the last failure's message.
	Error string
	// Output is a short JSON summary of the block's result.
	Output json.RawMessage
	// UpdatedAt is set by the store on every applied write.
	UpdatedAt time.Time
}

// Steps stores the steps of executions.
type Steps interface {
	// PutStep writes a step's state if its (Attempt, Seq) is greater than the
	// stored one (or none is stored), and returns what is stored. Repeating a
	// write with the same (Attempt, Seq) and the same content is a no-op
	// (duplicate delivery); the same pair with different content, or an older
	// pair, is ErrStale. Attempt must be ≥ 1 and Seq ≥ 0.
	PutStep(ctx context.Context, s Step) (Step, error)
	// GetStep returns a step, or ErrNotFound.
	GetStep(ctx context.Context, execution, name string) (Step, error)
	// ListSteps returns an execution's steps by Stage, then StartedAt, then
	// Name.
	ListSteps(ctx context.Context, execution string) ([]Step, error)
}
