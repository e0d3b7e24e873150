package store

import (
	"context"
	"time"
)

// Lock is a plan's lease: at most one execution of a plan runs at a time.
type Lock struct {
	// Plan is the locked plan.
	Plan string
	// Holder is the execution holding the lease.
	Holder string
	// Epoch is the fencing number: it increases on every acquisition, so a
	// stale holder can be told from the current one.
	Epoch int64
	// AcquiredAt is when Holder acquired it; ExpiresAt when the lease ends
	// unless renewed.
	AcquiredAt time.Time
	ExpiresAt  time.Time
}

// Locks stores plan locks.
type Locks interface {
	// AcquireLock gives holder a lease of ttl on plan with a new, higher
	// epoch if the plan is free or its lease expired; otherwise it returns
	// *LockHeldError naming the current holder. Acquiring again while holding
	// an unexpired lease is idempotent: it extends the lease and keeps the
	// epoch.
	AcquireLock(ctx context.Context, plan, holder string, ttl time.Duration) (Lock, error)
	// RenewLock extends the lease by ttl from now. Only the holder, with the
	// current epoch and before expiry, may renew (else ErrLockLost).
	RenewLock(ctx context.Context, plan, holder string, epoch int64, ttl time.Duration) (Lock, error)
	// ReleaseLock frees the lock if (holder, epoch) is its current lease,
	// expired or not. It is idempotent: an already free lock is nil. A lock
	// held by another lease is left alone and returns ErrLockLost.
	ReleaseLock(ctx context.Context, plan, holder string, epoch int64) error
	// GetLock returns the current unexpired lease, or ErrNotFound if the plan
	// is free.
	GetLock(ctx context.Context, plan string) (Lock, error)
}
