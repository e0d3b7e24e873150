package clock

import (
	"context"
	"sync"
	"time"
)

// Real is the wall clock. Its zero value is ready to use.
type Real struct{}

var _ Clock = Real{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// Sleep waits d of wall time or until ctx ends.
func (Real) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// AfterFunc is time.AfterFunc.
func (Real) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Go starts f in a goroutine.
func (Real) Go(f func()) { go f() }

// NewEvent returns a channel-backed event.
func (Real) NewEvent() Event { return &realEvent{ch: make(chan struct{})} }

type realEvent struct {
	once sync.Once
	ch   chan struct{}
}

func (e *realEvent) Fire() { e.once.Do(func() { close(e.ch) }) }

func (e *realEvent) Fired() bool {
	select {
	case <-e.ch:
		return true
	default:
		return false
	}
}

func (e *realEvent) Wait(ctx context.Context, d time.Duration) error {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-e.ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-timeout:
		return ErrTimeout
	}
}
