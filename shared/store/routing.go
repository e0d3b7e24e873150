package store

import (
	"context"
	"time"
)

// RoutingState is where a plan's traffic is meant to go, as Switchyard last
// set it (the routing controls' own state is the source of truth; this is
// the record readiness and reports compare against).
type RoutingState struct {
	// Plan is the plan.
	Plan string
	// Active is the Region serving traffic.
	Active string
	// Controls maps routing-control (or signal) names to their on state.
	Controls map[string]bool
	// Execution is the execution that last changed it (optional).
	Execution string
	// Version is the stored version, for compare-and-set (0: never stored).
	Version int64
	// UpdatedAt is set by the store.
	UpdatedAt time.Time
}

// Routing stores routing state with compare-and-set.
type Routing interface {
	// GetRouting returns a plan's routing state, or ErrNotFound.
	GetRouting(ctx context.Context, plan string) (RoutingState, error)
	// PutRouting stores r if r.Version is the stored version (0: not stored
	// yet) and returns it with Version incremented; otherwise ErrStale.
	PutRouting(ctx context.Context, r RoutingState) (RoutingState, error)
}
