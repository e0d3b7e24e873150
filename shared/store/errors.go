package store

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrNotFound means the item does not exist or has expired.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means the write lost to, or is refused by, the current
	// state. Every more specific conflict below matches it with errors.Is.
	ErrConflict = errors.New("store: conflict")
	// ErrInvalid means the input is malformed; the message names the field.
	ErrInvalid = errors.New("store: invalid input")
	// ErrStale means the write carries an older sequence, version or
	// evaluation time than the stored item: a newer write already happened.
	ErrStale = fmt.Errorf("%w: stale write (a newer one is stored)", ErrConflict)
	// ErrLockLost means the caller's lease (holder and epoch) is no longer the
	// lock's current one: it expired or someone else acquired the lock.
	ErrLockLost = fmt.Errorf("%w: lock lost", ErrConflict)
)

// LockHeldError is returned by AcquireLock when another holder has an
// unexpired lease on the plan.
type LockHeldError struct {
	// Plan is the locked plan.
	Plan string
	// Holder is the execution holding the lease.
	Holder string
	// Epoch is the holder's fencing epoch.
	Epoch int64
	// ExpiresAt is when the holder's lease ends unless renewed.
	ExpiresAt time.Time
}

// Error says "already running: <holder>" and when the lease ends.
func (e *LockHeldError) Error() string {
	return fmt.Sprintf("already running: %s (plan %q is locked until %s, epoch %d)",
		e.Holder, e.Plan, e.ExpiresAt.UTC().Format(time.RFC3339), e.Epoch)
}

// Is makes a LockHeldError match ErrConflict.
func (e *LockHeldError) Is(target error) bool { return target == ErrConflict }

// NotPendingError is returned when a vote or answer reaches an approval that
// is no longer pending.
type NotPendingError struct {
	// ID is the approval's id.
	ID string
	// Status is the approval's current status.
	Status ApprovalStatus
}

// Error names the approval and its status.
func (e *NotPendingError) Error() string {
	return fmt.Sprintf("approval %s is %s, no longer pending: votes are closed", e.ID, e.Status)
}

// Is makes a NotPendingError match ErrConflict.
func (e *NotPendingError) Is(target error) bool { return target == ErrConflict }

// CoolingDownError is returned by FireTrigger while the trigger's cooldown
// runs.
type CoolingDownError struct {
	// Plan and Trigger name the trigger.
	Plan, Trigger string
	// Until is when the cooldown ends.
	Until time.Time
}

// Error names the trigger and when its cooldown ends.
func (e *CoolingDownError) Error() string {
	return fmt.Sprintf("trigger %q of plan %q is cooling down until %s",
		e.Trigger, e.Plan, e.Until.UTC().Format(time.RFC3339))
}

// Is makes a CoolingDownError match ErrConflict.
func (e *CoolingDownError) Is(target error) bool { return target == ErrConflict }
