package clock

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestVirtualSleepJumps(t *testing.T) {
	tests := []struct {
		name   string
		sleeps []time.Duration
		want   time.Duration
	}{
		{name: "single", sleeps: []time.Duration{time.Hour}, want: time.Hour},
		{name: "parallel takes the longest", sleeps: []time.Duration{time.Minute, 3 * time.Hour, time.Second}, want: 3 * time.Hour},
		{name: "zero", sleeps: []time.Duration{0}, want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := NewVirtual(epoch)
			done := make(chan struct{})
			var mu sync.Mutex
			var ends []time.Time
			release := v.Hold()
			for _, d := range tc.sleeps {
				v.Go(func() {
					if err := v.Sleep(t.Context(), d); err != nil {
						t.Errorf("Sleep: %v", err)
					}
					mu.Lock()
					ends = append(ends, v.Now())
					if len(ends) == len(tc.sleeps) {
						close(done)
					}
					mu.Unlock()
				})
			}
			release()
			<-done
			if got := v.Now().Sub(epoch); got != tc.want {
				t.Errorf("elapsed = %v, want %v", got, tc.want)
			}
			for i, e := range ends {
				if i > 0 && e.Before(ends[i-1]) {
					t.Errorf("wake-ups out of order: %v", ends)
				}
			}
		})
	}
}

func TestVirtualEventHandOver(t *testing.T) {
	// A chain of goroutines each waiting for the previous one's Event while a
	// long timer is pending: time must not jump while the baton is passed.
	v := NewVirtual(epoch)
	const n = 50
	evs := make([]Event, n+1)
	for i := range evs {
		evs[i] = v.NewEvent()
	}
	result := make(chan time.Time, 1)
	release := v.Hold()
	v.Go(func() { _ = v.Sleep(t.Context(), 24*time.Hour) })
	for i := 0; i < n; i++ {
		v.Go(func() {
			if err := evs[i].Wait(t.Context(), 0); err != nil {
				t.Errorf("wait %d: %v", i, err)
			}
			evs[i+1].Fire()
		})
	}
	v.Go(func() {
		_ = evs[n].Wait(t.Context(), 0)
		result <- v.Now()
	})
	evs[0].Fire()
	release()
	if got := <-result; !got.Equal(epoch) {
		t.Errorf("chain finished at %v, want %v (time jumped during hand-over)", got, epoch)
	}
}

func TestVirtualEventTimeout(t *testing.T) {
	tests := []struct {
		name    string
		fireAt  time.Duration // <0: never
		limit   time.Duration
		wantErr error
		wantAt  time.Duration
	}{
		{name: "fires first", fireAt: time.Minute, limit: time.Hour, wantErr: nil, wantAt: time.Minute},
		{name: "times out", fireAt: -1, limit: time.Hour, wantErr: ErrTimeout, wantAt: time.Hour},
		{name: "fire after limit", fireAt: 2 * time.Hour, limit: time.Hour, wantErr: ErrTimeout, wantAt: time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := NewVirtual(epoch)
			ev := v.NewEvent()
			type res struct {
				err error
				at  time.Duration
			}
			out := make(chan res, 1)
			release := v.Hold()
			if tc.fireAt >= 0 {
				v.AfterFunc(tc.fireAt, ev.Fire)
			}
			v.Go(func() {
				err := ev.Wait(t.Context(), tc.limit)
				out <- res{err, v.Now().Sub(epoch)}
			})
			release()
			r := <-out
			if !errors.Is(r.err, tc.wantErr) || r.at != tc.wantAt {
				t.Errorf("Wait = (%v at %v), want (%v at %v)", r.err, r.at, tc.wantErr, tc.wantAt)
			}
		})
	}
}

func TestVirtualHoldBlocksAdvance(t *testing.T) {
	v := NewVirtual(epoch)
	release := v.Hold()
	woke := v.NewEvent()
	v.Go(func() {
		_ = v.Sleep(t.Context(), time.Minute)
		woke.Fire()
	})
	// The sleeper is blocked and we hold: nothing may advance.
	for v.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	if !v.Now().Equal(epoch) || woke.Fired() {
		t.Fatalf("clock advanced while held: now=%v", v.Now())
	}
	// Waiting from outside is allowed while held.
	if err := woke.Wait(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	release()
	release() // harmless
	if got := v.Now().Sub(epoch); got != time.Minute {
		t.Errorf("elapsed = %v, want 1m", got)
	}
}

func TestVirtualTimerStop(t *testing.T) {
	v := NewVirtual(epoch)
	release := v.Hold()
	called := false
	tm := v.AfterFunc(time.Second, func() { called = true })
	if !tm.Stop() {
		t.Error("first Stop = false, want true")
	}
	if tm.Stop() {
		t.Error("second Stop = true, want false")
	}
	release()
	if called || v.Pending() != 0 {
		t.Errorf("stopped timer ran (called=%v pending=%d)", called, v.Pending())
	}
}

func TestVirtualSleepCancelled(t *testing.T) {
	v := NewVirtual(epoch)
	release := v.Hold()
	defer release()
	ctx, cancel := context.WithCancel(t.Context())
	out := make(chan error, 1)
	v.Go(func() { out <- v.Sleep(ctx, time.Hour) })
	for v.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-out; !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep = %v, want context.Canceled", err)
	}
	if v.Pending() != 0 {
		t.Errorf("pending timers = %d after cancel, want 0", v.Pending())
	}
}

func TestVirtualAdvance(t *testing.T) {
	v := NewVirtual(epoch)
	release := v.Hold()
	defer release()
	var got []int
	var mu sync.Mutex
	for i, d := range []time.Duration{3 * time.Second, time.Second, 2 * time.Second} {
		v.AfterFunc(d, func() { mu.Lock(); got = append(got, i); mu.Unlock() })
	}
	v.Advance(2 * time.Second)
	if now := v.Now().Sub(epoch); now != 2*time.Second {
		t.Errorf("now = %v, want 2s", now)
	}
	if v.Pending() != 1 {
		t.Errorf("pending = %d, want 1", v.Pending())
	}
}

func TestScaled(t *testing.T) {
	s := NewScaled(epoch, 3600)
	start := s.Now()
	if err := s.Sleep(t.Context(), time.Hour); err != nil { // one wall second
		t.Fatal(err)
	}
	if el := s.Now().Sub(start); el < time.Hour {
		t.Errorf("elapsed %v after sleeping 1h, want >= 1h", el)
	}
	ev := s.NewEvent()
	if err := ev.Wait(t.Context(), time.Minute); !errors.Is(err, ErrTimeout) {
		t.Errorf("Wait = %v, want ErrTimeout", err)
	}
	ev.Fire()
	if err := ev.Wait(t.Context(), time.Minute); err != nil || !ev.Fired() {
		t.Errorf("Wait after Fire = %v", err)
	}
}
