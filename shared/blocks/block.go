package blocks

import (
	"context"
	"encoding/json"
	"time"

	"github.com/switchyard-dev/switchyard/shared/plan"
)

// Mode is how an execution treats the Region it is leaving.
type Mode string

// The execution modes. An execution can switch from graceful to ungraceful
// while it runs (an operator decision); each step reads the current mode when
// it starts an attempt.
const (
	// Graceful: the source Region is reachable; move writes without data
	// loss and touch the source where the block needs to.
	Graceful Mode = "graceful"
	// Ungraceful: the source Region is impaired; never depend on it, accept
	// the data loss the plan allows.
	Ungraceful Mode = "ungraceful"
)

// Request is one invocation of a step's block: the first Start of an attempt,
// or a Poll of the attempt in progress.
type Request struct {
	// Execution is the execute-plan execution ID (ARN) the step belongs to.
	Execution string
	// Plan is the plan version the execution runs; Workflow, Stage and Step
	// point into it.
	Plan     *plan.Plan
	Workflow *plan.Workflow
	Stage    *plan.Stage
	Step     *plan.Step
	// Target is the Region being moved into (where this code runs); Source
	// the Region being left ("" when the plan does not name one).
	Target string
	Source string
	// Mode is the execution's mode when this attempt started.
	Mode Mode
	// Attempt counts from 1; a new attempt starts over with Start.
	Attempt int
	// Epoch is the plan lock's fencing epoch held by the execution. Blocks
	// pass it to anything that records ownership; the caller checks it is
	// still current before every Start and Poll.
	Epoch int64
	// AttemptStarted is when this attempt's Start first ran; with the step's
	// timeout it gives the attempt's deadline.
	AttemptStarted time.Time
	// State is what the previous Start or Poll of this attempt returned in
	// Progress.State (nil on Start).
	State json.RawMessage
}

// Progress is what a block reports after Start or Poll.
type Progress struct {
	// Done is true when the step reached its goal (verified by observing,
	// not assumed from having acted).
	Done bool
	// State is the block's own progress record, handed back in the next
	// Poll; keep it small (it travels through the state machine).
	State json.RawMessage
	// PollAfter is when to look again while not Done. With WaitForEvent it
	// is the fallback poll interval if no event arrives.
	PollAfter time.Duration
	// WaitForEvent asks the runner to wait for the completion event named by
	// EventKey (for example an RDS global-cluster event) rather than poll.
	WaitForEvent bool
	// EventKey identifies the event that completes the step, e.g. the
	// global cluster ARN.
	EventKey string
	// Message is a one-line account of where the step stands, for the
	// timeline and the live progress view.
	Message string
	// Outputs are figures the step measured (for example "rpoSeconds",
	// "writerRegion", "desiredCount"), recorded with the step and in the
	// report.
	Outputs map[string]any
}

// Block carries out one kind of step. Implementations are idempotent:
// Start observes the current state, compares it with the desired one and acts
// only on the difference, so a retried or duplicated Start does no harm, and
// a Start that finds the goal already reached returns Done.
//
// Errors: return errclass values (errclass.Classify for AWS errors), so the
// runner can tell retryable failures from terminal ones. A block never sleeps
// to wait for completion: it returns Done=false and the runner polls.
type Block interface {
	// Start begins (or resumes) the step's action for req.Attempt.
	Start(ctx context.Context, req Request) (Progress, error)
	// Poll observes an attempt in progress.
	Poll(ctx context.Context, req Request) (Progress, error)
}

// Finding is one readiness observation about a step's resources.
type Finding struct {
	// Severity is "error" (the step would fail), "warning" (it would run
	// degraded or slow) or "info".
	Severity string
	// Resource is the ARN or name the finding is about.
	Resource string
	// Check names the check, e.g. "aurora-global/replication-lag".
	Check string
	// Message is a sentence for a person.
	Message string
}

// Checker evaluates whether a step could run now. Every Block implements it;
// the readiness evaluation calls it for each step of a plan's workflows.
// A Checker never changes anything.
type Checker interface {
	Check(ctx context.Context, req Request) ([]Finding, error)
}
