package trigger_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/awsapi"
	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/sim"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
	"github.com/switchyard-dev/switchyard/shared/trigger"
	"github.com/switchyard-dev/switchyard/shared/trigger/localstart"
)

// worldStart is when the simulated world (and its alarms' states) begins:
// ten minutes before the samples' alarm changes.
var worldStart = time.Date(2026, 11, 22, 2, 50, 0, 0, time.UTC)

func repoPath(rel string) string {
	_, f, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(f), "..", "..", rel)
}

// loadPlan reads an example plan, applying textual replacements.
func loadPlan(t *testing.T, rel string, replace ...string) *plan.Plan {
	t.Helper()
	data, err := os.ReadFile(repoPath(rel))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer(replace...).Replace(string(data))
	ps, err := plan.Parse(rel, []byte(text))
	if err != nil {
		t.Fatalf("parsing %s: %v", rel, err)
	}
	return ps[0]
}

type env struct {
	t        *testing.T
	clk      *clock.Virtual
	world    *sim.World
	h        *trigger.Handler
	starter  *trigger.MemoryStarter
	local    *localstart.Starter // with envOptions.runtime
	notifier *trigger.RecordingNotifier
	store    *memory.Store
	// hold keeps virtual time still while the test itself acts: time
	// moves only inside inClock (see clock.Virtual's rules).
	hold      func()
	mu        sync.Mutex
	decisions []trigger.Decision
	events    [][]byte
}

type envOptions struct {
	secrets []string // readiness looks for these (default readiness.DefaultSecrets)
	faults  []string // injected at worldStart
	// runtime starts executions on the local runtime (env.local) instead
	// of the in-memory starter.
	runtime bool
}

func newEnv(t *testing.T, p *plan.Plan, o envOptions) *env {
	t.Helper()
	clk := clock.NewVirtual(worldStart)
	w, err := readiness.WorldFromPlan(readiness.WorldOptions{Options: sim.Options{Clock: clk, Seed: 7}}, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range o.faults {
		if _, err := w.InjectSpec(f); err != nil {
			t.Fatal(err)
		}
	}
	sc := readiness.SimClients{W: w}
	secrets := o.secrets
	if secrets == nil {
		secrets = readiness.DefaultSecrets
	}
	ev, err := readiness.New(readiness.Options{Clients: sc, ARC: sc, Quotas: sc, Clock: clk, ExecutionRole: readiness.DefaultExecutionRole,
		Secrets: secrets, Versions: readiness.VersionsOf(p)})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, clk: clk, hold: clk.Hold(), world: w, starter: &trigger.MemoryStarter{}, notifier: &trigger.RecordingNotifier{}, store: memory.New(clk)}
	var starter trigger.Starter = e.starter
	if o.runtime {
		e.local, err = localstart.New(localstart.Config{Clock: clk, World: w, Plans: []*plan.Plan{p}})
		if err != nil {
			t.Fatal(err)
		}
		starter = e.local
	}
	waker := trigger.NewClockWaker(t.Context(), clk, func(d trigger.Decision, err error) {
		if err != nil {
			t.Errorf("recheck: %v", err)
		}
		e.note(d)
	})
	h, err := trigger.New(trigger.Options{Plans: readiness.StaticPlans{p}, Store: e.store, Readiness: ev, Notifier: e.notifier,
		Starter: starter, Alarms: trigger.CloudWatchAlarms{CloudWatch: func(r string) awsapi.CloudWatch { return w.CloudWatch(r) }},
		Waker: waker, Clock: clk, Region: "us-west-2", Account: "123456789012",
		Events: readiness.PublisherFunc(func(_ context.Context, b []byte) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.events = append(e.events, b)
			return nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	waker.Bind(h)
	e.h = h
	t.Cleanup(func() { e.hold() })
	return e
}

func (e *env) note(ds ...trigger.Decision) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.decisions = append(e.decisions, ds...)
}

// inClock runs f in a goroutine tracked by the virtual clock and waits;
// time moves only while f runs (and its timers fire), then stands still
// again until the next inClock.
func (e *env) inClock(f func(ctx context.Context)) {
	done := make(chan struct{})
	release := e.hold
	e.clk.Go(func() {
		f(e.t.Context())
		e.hold = e.clk.Hold()
		close(done)
	})
	release()
	<-done
}

// until lets simulated time run to at (timers, re-checks and all).
func (e *env) until(at time.Time) {
	e.inClock(func(ctx context.Context) {
		if err := e.clk.Sleep(ctx, at.Sub(e.clk.Now())); err != nil {
			e.t.Error(err)
		}
	})
}

// sample reads an event of events/samples, with its state moved to at and
// a fresh id when at is not zero.
func sample(t *testing.T, name string, state string, at time.Time) []byte {
	t.Helper()
	data, err := os.ReadFile(repoPath("events/samples/" + name))
	if err != nil {
		t.Fatal(err)
	}
	if at.IsZero() {
		return data
	}
	var ev awsevent.AlarmStateChange
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatal(err)
	}
	ev.ID = awsevent.NewID()
	ev.Time = at.Truncate(time.Second)
	prev := ev.Detail.State
	ev.Detail.PreviousState = prev
	ev.Detail.State.Value = state
	ev.Detail.State.Timestamp = at.UTC().Format(awsevent.AlarmTimestampLayout)
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// deliver hands one event to the trigger function at the current instant.
func (e *env) deliver(data []byte) []trigger.Decision {
	var ds []trigger.Decision
	e.inClock(func(ctx context.Context) {
		var err error
		ds, err = e.h.Handle(ctx, data)
		if err != nil {
			e.t.Errorf("Handle: %v", err)
		}
	})
	e.note(ds...)
	return ds
}

func (e *env) decided(decision string) []trigger.Decision {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []trigger.Decision
	for _, d := range e.decisions {
		if d.Decision == decision {
			out = append(out, d)
		}
	}
	return out
}

func (e *env) dump() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var b strings.Builder
	for _, d := range e.decisions {
		b.WriteString(d.DecidedAt.UTC().Format("15:04:05") + " " + d.String() + "\n")
	}
	return b.String()
}
