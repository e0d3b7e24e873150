package clock

import (
	"context"
	"time"
)

// Scaled is wall time accelerated by a constant factor: with Speed 60, one
// wall second is one clock minute. It suits the local server, where real
// clients act at their own pace and so virtual time cannot be used.
type Scaled struct {
	start time.Time // clock time at origin
	wall  time.Time // wall time at origin
	speed float64
}

var _ Clock = (*Scaled)(nil)

// NewScaled returns a clock that starts at start and runs speed times faster
// than the wall clock. A speed <= 0 is treated as 1.
func NewScaled(start time.Time, speed float64) *Scaled {
	if speed <= 0 {
		speed = 1
	}
	return &Scaled{start: start, wall: time.Now(), speed: speed}
}

// Now returns start + elapsed wall time × speed.
func (s *Scaled) Now() time.Time {
	return s.start.Add(time.Duration(float64(time.Since(s.wall)) * s.speed))
}

func (s *Scaled) wallDur(d time.Duration) time.Duration {
	w := time.Duration(float64(d) / s.speed)
	if d > 0 && w <= 0 {
		w = 1
	}
	return w
}

// Sleep waits d of clock time (d/speed of wall time).
func (s *Scaled) Sleep(ctx context.Context, d time.Duration) error {
	return Real{}.Sleep(ctx, s.wallDur(d))
}

// AfterFunc calls f after d of clock time.
func (s *Scaled) AfterFunc(d time.Duration, f func()) Timer {
	return time.AfterFunc(s.wallDur(d), f)
}

// Go starts f in a goroutine.
func (s *Scaled) Go(f func()) { go f() }

// NewEvent returns an event whose Wait limit is measured in clock time.
func (s *Scaled) NewEvent() Event {
	return &scaledEvent{s: s, e: &realEvent{ch: make(chan struct{})}}
}

type scaledEvent struct {
	s *Scaled
	e *realEvent
}

func (e *scaledEvent) Fire()       { e.e.Fire() }
func (e *scaledEvent) Fired() bool { return e.e.Fired() }
func (e *scaledEvent) Wait(ctx context.Context, d time.Duration) error {
	if d > 0 {
		d = e.s.wallDur(d)
	}
	return e.e.Wait(ctx, d)
}
