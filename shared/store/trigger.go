package store

import (
	"context"
	"time"
)

// TriggerState is what the trigger function remembers about one trigger of
// a plan between events.
type TriggerState struct {
	// Plan and Trigger identify it.
	Plan    string
	Trigger string
	// Since maps each condition currently holding to when it started to
	// hold; a condition that stopped holding is removed.
	Since map[string]time.Time
	// LastFiredAt is when it last fired; CooldownUntil when it may fire again.
	LastFiredAt   time.Time
	CooldownUntil time.Time
	// Fires counts the times it fired.
	Fires int64
	// Version is the stored version, for compare-and-set: 0 for a trigger
	// never stored.
	Version int64
	// UpdatedAt is set by the store.
	UpdatedAt time.Time
}

// Triggers stores trigger state with compare-and-set, so two concurrent
// deliveries of one event cannot both fire.
type Triggers interface {
	// GetTrigger returns a trigger's state, or ErrNotFound.
	GetTrigger(ctx context.Context, plan, trigger string) (TriggerState, error)
	// PutTrigger stores Since if s.Version is the stored version (0: not
	// stored yet) and returns the new state (Version incremented); otherwise
	// ErrStale. LastFiredAt, CooldownUntil and Fires are kept: only
	// FireTrigger changes them.
	PutTrigger(ctx context.Context, s TriggerState) (TriggerState, error)
	// FireTrigger records a fire if version is the stored version (0: not
	// stored yet) and the cooldown has ended: LastFiredAt becomes now and
	// CooldownUntil now+cooldown. A version mismatch is ErrStale, a running
	// cooldown *CoolingDownError. Of concurrent callers holding the same
	// version, exactly one succeeds.
	FireTrigger(ctx context.Context, plan, trigger string, version int64, cooldown time.Duration) (TriggerState, error)
}
