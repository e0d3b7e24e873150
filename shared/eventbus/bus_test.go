package eventbus

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/events"
	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/clock"
)

// fakeClock never waits: Sleep advances its time and records the duration.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

var _ clock.Clock = (*fakeClock)(nil)

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	return clock.Real{}.AfterFunc(d, f)
}
func (c *fakeClock) Go(f func())           { go f() }
func (c *fakeClock) NewEvent() clock.Event { return clock.Real{}.NewEvent() }
func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// recorder is a target that records deliveries and fails the first
// failures calls.
type recorder struct {
	mu       sync.Mutex
	calls    int
	failures int
	events   [][]byte
}

func (r *recorder) target(_ context.Context, ev []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.calls <= r.failures {
		return errors.New("target unavailable")
	}
	r.events = append(r.events, ev)
	return nil
}

func (r *recorder) delivered() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

func projectBus(t *testing.T, opts Options) (*Bus, *fakeClock) {
	t.Helper()
	rules, err := LoadRules("../../events/rules")
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMatcher(rules)
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{now: time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
	return New(m, clk, opts), clk
}

func sample(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../../events/samples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestBusDelivers(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		failures  int
		sample    string
		wantRules []string
		wantCalls int // per target
		wantOK    int
		wantSleep []time.Duration
	}{
		{"once", Options{}, 0, "alarm-payments-api-5xx-ok-to-alarm.json", []string{"cloudwatch-alarm-state-change"}, 1, 1, nil},
		{"retried with backoff", Options{Backoff: 2 * time.Second}, 2, "alarm-payments-api-5xx-ok-to-alarm.json", []string{"cloudwatch-alarm-state-change"}, 3, 1, []time.Duration{2 * time.Second, 4 * time.Second}},
		{"gives up after MaxAttempts", Options{MaxAttempts: 3}, 10, "alarm-payments-api-5xx-ok-to-alarm.json", []string{"cloudwatch-alarm-state-change"}, 3, 0, []time.Duration{time.Second, 2 * time.Second}},
		{"deliver twice", Options{Delivery: DeliverTwice}, 0, "rds-global-switchover-completed.json", []string{"rds-global-cluster-events"}, 2, 2, nil},
		{"no matching rule", Options{}, 0, "scheduled-event.json", []string{}, 0, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bus, clk := projectBus(t, tc.opts)
			rec := &recorder{failures: tc.failures}
			other := &recorder{}
			if err := bus.Register("cloudwatch-alarm-state-change", "trigger", rec.target); err != nil {
				t.Fatal(err)
			}
			if err := bus.Register("rds-global-cluster-events", "trigger", rec.target); err != nil {
				t.Fatal(err)
			}
			if err := bus.Register("switchyard-events", "audit", other.target); err != nil {
				t.Fatal(err)
			}
			rc, err := bus.Publish(t.Context(), sample(t, tc.sample))
			if err != nil {
				t.Fatal(err)
			}
			if err := rc.Wait(t.Context()); err != nil {
				t.Fatal(err)
			}
			if strings.Join(rc.Rules, ",") != strings.Join(tc.wantRules, ",") {
				t.Errorf("rules %q, want %q", rc.Rules, tc.wantRules)
			}
			if rec.calls != tc.wantCalls || rec.delivered() != tc.wantOK {
				t.Errorf("calls=%d delivered=%d, want %d and %d", rec.calls, rec.delivered(), tc.wantCalls, tc.wantOK)
			}
			if other.calls != 0 {
				t.Errorf("a target of a rule that did not match was called %d times", other.calls)
			}
			if got := clk.slept(); strings.Join(durations(got), ",") != strings.Join(durations(tc.wantSleep), ",") {
				t.Errorf("backoff %v, want %v", got, tc.wantSleep)
			}
			for _, res := range rc.Results() {
				if (res.Err == nil) != (tc.wantOK > 0) {
					t.Errorf("result %+v", res)
				}
			}
		})
	}
}

func durations(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return out
}

func TestBusDeliverTwiceResults(t *testing.T) {
	bus, _ := projectBus(t, Options{Delivery: DeliverTwice})
	a, b := &recorder{}, &recorder{}
	for id, r := range map[string]*recorder{"trigger": a, "readiness": b} {
		if err := bus.Register("replication-lag-alarm", id, r.target); err != nil {
			t.Fatal(err)
		}
	}
	rc, err := bus.Publish(t.Context(), sample(t, "alarm-aurora-replication-lag.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	res := rc.Results()
	if len(res) != 4 {
		t.Fatalf("results %+v, want 4 (2 targets × 2 copies)", res)
	}
	want := []string{"readiness/1", "readiness/2", "trigger/1", "trigger/2"}
	for i, r := range res {
		if got := r.Target + "/" + string(rune('0'+r.Copy)); got != want[i] || r.Attempts != 1 || r.Err != nil {
			t.Errorf("result %d = %+v, want %s delivered in 1 attempt", i, r, want[i])
		}
	}
	if a.delivered() != 2 || b.delivered() != 2 {
		t.Errorf("delivered %d and %d, want 2 each", a.delivered(), b.delivered())
	}
}

func TestBusErrors(t *testing.T) {
	bus, _ := projectBus(t, Options{})
	t.Run("unknown rule", func(t *testing.T) {
		err := bus.Register("no-such-rule", "x", (&recorder{}).target)
		if err == nil || !strings.Contains(err.Error(), `no rule named "no-such-rule" (rules: cloudwatch-alarm-state-change,`) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("duplicate target id", func(t *testing.T) {
		r := &recorder{}
		if err := bus.Register("switchyard-events", "audit", r.target); err != nil {
			t.Fatal(err)
		}
		if err := bus.Register("switchyard-events", "audit", r.target); err == nil {
			t.Error("second registration with the same id succeeded")
		}
	})
	t.Run("not an event", func(t *testing.T) {
		_, err := bus.Publish(t.Context(), []byte(`{"detail":{}}`))
		if !errors.Is(err, awsevent.ErrNotEvent) {
			t.Errorf("got %v, want ErrNotEvent", err)
		}
	})
	t.Run("panicking target", func(t *testing.T) {
		b, _ := projectBus(t, Options{MaxAttempts: 2})
		if err := b.Register("switchyard-events", "boom", func(context.Context, []byte) error { panic("boom") }); err != nil {
			t.Fatal(err)
		}
		rc, err := b.Publish(t.Context(), sample(t, "switchyard-trigger-decision.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := rc.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		res := rc.Results()
		if len(res) != 1 || res[0].Attempts != 2 || res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "panicked: boom") {
			t.Errorf("results %+v", res)
		}
	})
	t.Run("cancelled during backoff", func(t *testing.T) {
		b, _ := projectBus(t, Options{MaxAttempts: 5})
		ctx, cancel := context.WithCancel(t.Context())
		if err := b.Register("switchyard-events", "fails", func(context.Context, []byte) error {
			cancel()
			return errors.New("down")
		}); err != nil {
			t.Fatal(err)
		}
		rc, err := b.Publish(ctx, sample(t, "switchyard-trigger-decision.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := rc.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		res := rc.Results()
		if len(res) != 1 || res[0].Attempts != 1 || !errors.Is(res[0].Err, context.Canceled) {
			t.Errorf("results %+v, want one attempt ending in context.Canceled", res)
		}
	})
}

func TestSchedules(t *testing.T) {
	scheds, err := LoadSchedules("../../events/schedules")
	if err != nil {
		t.Fatal(err)
	}
	if len(scheds) != 1 || scheds[0].Name != "readiness" {
		t.Fatalf("schedules %+v, want readiness", scheds)
	}
	embedded, err := LoadSchedulesFS(events.FS, "schedules")
	if err != nil || len(embedded) != 1 || embedded[0] != scheds[0] {
		t.Fatalf("embedded schedules %+v, %v; want %+v", embedded, err, scheds)
	}
	every, err := scheds[0].Interval()
	if err != nil || every != 5*time.Minute {
		t.Fatalf("Interval = %v, %v; want 5m", every, err)
	}

	t.Run("expressions", func(t *testing.T) {
		tests := []struct {
			expr string
			want time.Duration
			err  string
		}{
			{"rate(1 minute)", time.Minute, ""},
			{"rate(2 hours)", 2 * time.Hour, ""},
			{"rate(1 day)", 24 * time.Hour, ""},
			{"rate(1 minutes)", 0, "singular unit"},
			{"rate(5 minute)", 0, "singular unit"},
			{"rate(0 minutes)", 0, "not a schedule expression"},
			{"cron(0/5 * * * ? *)", 0, "rate(...) schedules only"},
			{"every 5 minutes", 0, "not a schedule expression"},
		}
		for _, tc := range tests {
			got, err := Schedule{Name: "s", Expression: tc.expr}.Interval()
			if tc.err == "" && (err != nil || got != tc.want) {
				t.Errorf("%s: got %v, %v; want %v", tc.expr, got, err, tc.want)
			}
			if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("%s: got %v, want error containing %q", tc.expr, err, tc.err)
			}
		}
	})

	t.Run("run", func(t *testing.T) {
		bus, clk := projectBus(t, Options{})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		reg := awsevent.NewRegistry()
		var got []*awsevent.ScheduledEvent
		target := func(_ context.Context, ev []byte) error {
			v, err := reg.Parse(ev)
			if err != nil {
				return err
			}
			got = append(got, v.(*awsevent.ScheduledEvent))
			if len(got) == 3 {
				cancel()
			}
			return nil
		}
		err := bus.RunSchedule(ctx, scheds[0], "123456789012", "us-west-2", target)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("RunSchedule returned %v, want context.Canceled", err)
		}
		if len(got) != 3 {
			t.Fatalf("%d scheduled events, want 3", len(got))
		}
		start := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
		for i, ev := range got {
			if want := start.Add(time.Duration(i+1) * 5 * time.Minute); !ev.Time.Equal(want) {
				t.Errorf("event %d at %v, want %v", i, ev.Time, want)
			}
			if ev.Resources[0] != "arn:aws:events:us-west-2:123456789012:rule/readiness" || ev.Region != "us-west-2" {
				t.Errorf("event %d: %+v", i, ev.Header)
			}
		}
		if got[0].ID == got[1].ID {
			t.Error("two scheduled events share an id")
		}
		if len(clk.slept()) != 3 {
			t.Errorf("slept %v", clk.slept())
		}
	})

	t.Run("bad files", func(t *testing.T) {
		for name, body := range map[string]string{
			"unknown field": `{"scheduleExpression":"rate(5 minutes)","target":"readiness"}`,
			"bad rate":      `{"scheduleExpression":"rate(five minutes)"}`,
		} {
			dir := t.TempDir()
			if err := os.WriteFile(dir+"/s.json", []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadSchedules(dir); err == nil || !strings.Contains(err.Error(), "s.json") {
				t.Errorf("%s: got %v, want an error naming s.json", name, err)
			}
		}
	})
}
