package storetest

import (
	"context"
	"sync"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
)

// Clock is a manual clock.Clock for store tests: time moves only when the
// test calls Advance (or something calls Sleep). Timers from AfterFunc fire
// during Advance; events wait in real time, which store tests never do.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

var _ clock.Clock = (*Clock)(nil)

// NewClock returns a clock reading start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and runs the timers that came due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*manualTimer
	kept := c.timers[:0]
	for _, t := range c.timers {
		if !t.at.After(c.now) {
			due = append(due, t)
		} else {
			kept = append(kept, t)
		}
	}
	c.timers = kept
	c.mu.Unlock()
	for _, t := range due {
		t.fire()
	}
}

// Sleep advances the clock by d (the caller is the only one moving it).
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.Advance(d)
	}
	return nil
}

// AfterFunc runs f once Advance passes d from now.
func (c *Clock) AfterFunc(d time.Duration, f func()) clock.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

// Go runs f in a goroutine.
func (c *Clock) Go(f func()) { go f() }

// NewEvent returns a real-time event.
func (c *Clock) NewEvent() clock.Event { return clock.Real{}.NewEvent() }

type manualTimer struct {
	mu      sync.Mutex
	at      time.Time
	f       func()
	started bool
	stopped bool
}

func (t *manualTimer) fire() {
	t.mu.Lock()
	if t.stopped || t.started {
		t.mu.Unlock()
		return
	}
	t.started = true
	t.mu.Unlock()
	go t.f()
}

func (t *manualTimer) Stop() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.started || t.stopped {
		return false
	}
	t.stopped = true
	return true
}
