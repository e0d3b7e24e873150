package eventbus

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
)

// TestBusOnVirtualClock runs retries and a schedule on the shared Virtual
// clock: backoff and schedule periods pass in virtual time, exactly.
func TestBusOnVirtualClock(t *testing.T) {
	start := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	rules, err := LoadRules("../../events/rules")
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMatcher(rules)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("retries", func(t *testing.T) {
		clk := clock.NewVirtual(start)
		bus := New(m, clk, Options{Backoff: time.Minute, MaxAttempts: 4})
		var mu sync.Mutex
		var at []time.Time
		if err := bus.Register("rds-global-cluster-events", "flaky", func(context.Context, []byte) error {
			mu.Lock()
			defer mu.Unlock()
			at = append(at, clk.Now())
			if len(at) < 3 {
				return errors.New("throttled")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		release := clk.Hold()
		rc, err := bus.Publish(t.Context(), sample(t, "rds-global-switchover-completed.json"))
		if err != nil {
			release()
			t.Fatal(err)
		}
		err = rc.Wait(t.Context())
		release()
		if err != nil {
			t.Fatal(err)
		}
		want := []time.Time{start, start.Add(time.Minute), start.Add(3 * time.Minute)}
		mu.Lock()
		defer mu.Unlock()
		if len(at) != 3 || !at[0].Equal(want[0]) || !at[1].Equal(want[1]) || !at[2].Equal(want[2]) {
			t.Errorf("attempts at %v, want %v", at, want)
		}
		if res := rc.Results(); len(res) != 1 || res[0].Attempts != 3 || res[0].Err != nil {
			t.Errorf("results %+v", res)
		}
	})

	t.Run("schedule", func(t *testing.T) {
		clk := clock.NewVirtual(start)
		bus := New(m, clk, Options{})
		scheds, err := LoadSchedules("../../events/schedules")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		done := clk.NewEvent()
		var ticks []time.Time
		var runErr error
		release := clk.Hold()
		clk.Go(func() {
			defer done.Fire()
			runErr = bus.RunSchedule(ctx, scheds[0], "123456789012", "us-west-2", func(context.Context, []byte) error {
				ticks = append(ticks, clk.Now())
				if len(ticks) == 4 {
					cancel()
				}
				return nil
			})
		})
		err = done.Wait(t.Context(), 0)
		release()
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(runErr, context.Canceled) || len(ticks) != 4 || !ticks[3].Equal(start.Add(20*time.Minute)) {
			t.Errorf("RunSchedule = %v after ticks %v; want 4 ticks, the last at +20m", runErr, ticks)
		}
	})
}
