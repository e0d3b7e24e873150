// Package clock is the one notion of time shared by the local Step Functions
// engine, the simulated AWS world, the execution blocks and the drill.
//
// Production code uses Real. Drills and tests use a Virtual clock, which jumps
// straight to the next timer whenever every goroutine it tracks is waiting on
// it, so minutes of AWS time pass in milliseconds and runs are deterministic.
//
// The contract that makes a Virtual clock safe: every goroutine that takes
// part in a run is started with Go, and every wait that another participant
// ends goes through an Event (never a bare channel or sync.WaitGroup), so the
// clock always knows whether anybody could still act before the next timer.
// Code outside the clock's goroutines (a test, an HTTP handler, the CLI) that
// acts on a Virtual clock's participants at "the current instant" holds the
// clock while it does so (Virtual.Hold); see Virtual for the details.
//
// Scaled is wall time multiplied by a constant speed, for the local server,
// where real clients act at their own pace.
package clock

import (
	"context"
	"time"
)

// Clock tells the time, sleeps, and tracks the goroutines that share it.
type Clock interface {
	// Now is the current time on this clock.
	Now() time.Time
	// Sleep pauses the caller for d of this clock's time. It returns ctx.Err()
	// if ctx ends first, nil otherwise. d <= 0 returns at once.
	Sleep(ctx context.Context, d time.Duration) error
	// AfterFunc calls f in a tracked goroutine once d has passed. Stop cancels
	// it and reports whether it did so before f started.
	AfterFunc(d time.Duration, f func()) Timer
	// Go runs f in a new goroutine that the clock tracks until f returns.
	Go(f func())
	// NewEvent returns an unfired Event bound to this clock.
	NewEvent() Event
}

// Timer is a pending AfterFunc.
type Timer interface {
	// Stop cancels the timer; it reports false if f already started or the
	// timer was stopped before.
	Stop() bool
}

// Event is a one-shot signal that one participant fires and others wait on.
// Waiting through an Event (rather than on a channel) lets a Virtual clock
// hand the waiter's turn over without a moment in which nobody is active.
type Event interface {
	// Fire wakes every waiter, now and later. Firing twice is harmless.
	Fire()
	// Fired reports whether Fire has been called.
	Fired() bool
	// Wait blocks until the event fires (returns nil), d of clock time passes
	// (returns ErrTimeout; d <= 0 means no limit), or ctx ends (ctx.Err()).
	Wait(ctx context.Context, d time.Duration) error
}

// Holder is a clock whose time can be held still (Virtual). Clocks that
// follow the wall (Real, Scaled) do not implement it.
type Holder interface {
	// Hold keeps time from advancing until release is called.
	Hold() (release func())
}

// ErrTimeout is returned by Event.Wait when its time limit passes first.
var ErrTimeout = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string { return "clock: wait timed out" }
