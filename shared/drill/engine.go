package drill

import (
	"context"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/runtime"
	"github.com/switchyard-dev/switchyard/shared/sim"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// engine is what the drill needs from the local runtime.
type engine interface {
	// Start starts execute-plan for p towards target under the execution
	// name and returns the execution ARN.
	Start(ctx context.Context, name string, p *plan.Plan, target, mode, startedBy, reason string) (string, error)
	// Route sends the world's events to this runtime from now on.
	Route()
	// Wait blocks (off the clock) until the execution ends. On a clock that
	// can be held, time stands still from the end until release is called
	// (release is never nil).
	Wait(ctx context.Context, id string) (f finished, release func(), err error)
	// Approve votes on an approval; Decide answers an operator decision.
	Approve(ctx context.Context, approvalID, user string, approve bool) error
	Decide(ctx context.Context, approvalID, user, answer string) error
	// Close stops what the runtime runs.
	Close()
}

// finished is how an execution ended.
type finished struct {
	Status, Error, Cause  string
	EndedAt               time.Time
	HistoryEvents         int
	StateTransitions      int
	ChildHistoryEventsMax int
}

// engineConfig is what newEngine builds the runtime from.
type engineConfig struct {
	Clock       clock.Clock
	Store       store.Store
	World       *sim.World
	Plans       []*plan.Plan
	Definitions string
	// Region is the Region the control plane runs in: the target.
	Region string
	// Notify is told about every new approval or decision, inside the
	// approval handler (the clock stands still until it returns).
	Notify func(ctx context.Context, a runtime.ApprovalRequest)
	// Router forwards the world's events to the runtime.
	Router *eventRouter
	// Peaks are the sources' recorded peaks for the scaling blocks.
	Peaks recordedPeaks
	// Duplicate delivers every Lambda invocation twice.
	Duplicate bool
	// Latency is the modelled service time of transitions and invocations.
	Latency Latency
}
