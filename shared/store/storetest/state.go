package storetest

import (
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/store"
)

func testReadiness(t *testing.T, e env) {
	ctx := t.Context()
	report := func(ready bool, digest string) store.ReadinessReport {
		return store.ReadinessReport{Plan: "payments", Region: "us-west-2", PlanVersion: "v1", Ready: ready,
			Digest: digest, Summary: "s", Checks: json.RawMessage(`[{"check":"lag","ok":true}]`)}
	}
	steps := []struct {
		name          string
		advance       time.Duration
		report        store.ReadinessReport
		wantChanged   bool
		wantChangedAt time.Duration // since Start
	}{
		{"first report", 0, report(true, "a"), true, 0},
		{"same verdict", time.Minute, report(true, "a"), false, 0},
		{"verdict flips", time.Minute, report(false, "a"), true, 2 * time.Minute},
		{"same verdict, other findings", time.Minute, report(false, "b"), true, 3 * time.Minute},
		{"steady", time.Minute, report(false, "b"), false, 3 * time.Minute},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			e.clk.Advance(st.advance)
			got := must(e.s.PutReadiness(t.Context(), st.report))(t)
			if got.Changed != st.wantChanged || !got.ChangedAt.Equal(Start.Add(st.wantChangedAt)) || !got.EvaluatedAt.Equal(e.clk.Now()) {
				t.Fatalf("PutReadiness = changed %v at %s (evaluated %s); want changed %v at %s",
					got.Changed, got.ChangedAt, got.EvaluatedAt, st.wantChanged, Start.Add(st.wantChangedAt))
			}
		})
	}
	old := report(true, "a")
	old.EvaluatedAt = Start
	_, err := e.s.PutReadiness(ctx, old)
	wantErr(t, err, store.ErrStale)

	east := report(true, "a")
	east.Region = "us-east-1"
	must(e.s.PutReadiness(ctx, east))(t)
	list := must(e.s.ListReadiness(ctx, "payments"))(t)
	if len(list) != 2 || list[0].Region != "us-east-1" || list[1].Region != "us-west-2" || list[1].Ready {
		t.Fatalf("ListReadiness = %+v", list)
	}
	got := must(e.s.GetReadiness(ctx, "payments", "us-west-2"))(t)
	if got.Digest != "b" || string(got.Checks) != `[{"check":"lag","ok":true}]` || got.PlanVersion != "v1" {
		t.Fatalf("GetReadiness = %+v", got)
	}
}

func testTriggers(t *testing.T, e env) {
	ctx := t.Context()
	_, err := e.s.GetTrigger(ctx, "payments", "db-down")
	wantErr(t, err, store.ErrNotFound)

	since := map[string]time.Time{"writer-alarm": Start}
	s1 := must(e.s.PutTrigger(ctx, store.TriggerState{Plan: "payments", Trigger: "db-down", Since: since}))(t)
	if s1.Version != 1 || !s1.Since["writer-alarm"].Equal(Start) {
		t.Fatalf("PutTrigger = %+v, want version 1", s1)
	}
	_, err = e.s.PutTrigger(ctx, store.TriggerState{Plan: "payments", Trigger: "db-down"}) // version 0 again
	wantErr(t, err, store.ErrStale)

	e.clk.Advance(time.Minute)
	fired := must(e.s.FireTrigger(ctx, "payments", "db-down", s1.Version, 30*time.Minute))(t)
	if fired.Fires != 1 || !fired.LastFiredAt.Equal(e.clk.Now()) || !fired.CooldownUntil.Equal(e.clk.Now().Add(30*time.Minute)) ||
		fired.Version != 2 || !fired.Since["writer-alarm"].Equal(Start) {
		t.Fatalf("FireTrigger = %+v", fired)
	}
	_, err = e.s.FireTrigger(ctx, "payments", "db-down", s1.Version, time.Minute)
	wantErr(t, err, store.ErrStale)

	e.clk.Advance(29 * time.Minute)
	_, err = e.s.FireTrigger(ctx, "payments", "db-down", fired.Version, time.Minute)
	var cd *store.CoolingDownError
	if !errors.As(err, &cd) || !errors.Is(err, store.ErrConflict) || !cd.Until.Equal(fired.CooldownUntil) {
		t.Fatalf("fire during cooldown: %v, want *CoolingDownError until %s", err, fired.CooldownUntil)
	}
	// Conditions change; firing fields are kept.
	s3 := must(e.s.PutTrigger(ctx, store.TriggerState{Plan: "payments", Trigger: "db-down", Version: fired.Version}))(t)
	if s3.Since != nil && len(s3.Since) != 0 || s3.Fires != 1 || !s3.CooldownUntil.Equal(fired.CooldownUntil) {
		t.Fatalf("PutTrigger after fire = %+v", s3)
	}
	e.clk.Advance(time.Minute)
	if again := must(e.s.FireTrigger(ctx, "payments", "db-down", s3.Version, 0))(t); again.Fires != 2 {
		t.Fatalf("fire after cooldown = %+v", again)
	}
	// A trigger never stored fires with version 0.
	if first := must(e.s.FireTrigger(ctx, "payments", "lag", 0, time.Minute))(t); first.Fires != 1 || first.Version != 1 {
		t.Fatalf("first fire of a new trigger = %+v", first)
	}
	_, err = e.s.FireTrigger(ctx, "payments", "lag", 1, -time.Second)
	wantErr(t, err, store.ErrInvalid)
}

func testTriggerConcurrentFire(t *testing.T, e env) {
	ctx := t.Context()
	tests := []struct {
		name string
		// fire is one delivery: read the state, decide, fire.
		fire func() error
	}{
		{"same version, no cooldown", func() error {
			_, err := e.s.FireTrigger(ctx, "payments", "t1", 0, 0)
			return err
		}},
		{"read then fire with cooldown", func() error {
			for {
				cur, err := e.s.GetTrigger(ctx, "payments", "t2")
				var v int64
				switch {
				case errors.Is(err, store.ErrNotFound):
				case err != nil:
					return err
				default:
					v = cur.Version
				}
				_, err = e.s.FireTrigger(ctx, "payments", "t2", v, time.Hour)
				if errors.Is(err, store.ErrStale) {
					continue // lost a race: re-read and decide again
				}
				return err
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var fires atomic.Int32
			errs := make([]error, Contention)
			race(Contention, func(i int) {
				err := tc.fire()
				if err == nil {
					fires.Add(1)
				} else if !errors.Is(err, store.ErrConflict) {
					errs[i] = err
				}
			})
			for _, err := range errs {
				noErr(t, err)
			}
			if n := fires.Load(); n != 1 {
				t.Fatalf("%d concurrent deliveries fired, want exactly 1", n)
			}
		})
	}
}

func testRouting(t *testing.T, e env) {
	ctx := t.Context()
	r1 := must(e.s.PutRouting(ctx, store.RoutingState{Plan: "payments", Active: "us-east-1",
		Controls: map[string]bool{"east": true, "west": false}}))(t)
	if r1.Version != 1 || !r1.UpdatedAt.Equal(Start) {
		t.Fatalf("PutRouting = %+v", r1)
	}
	_, err := e.s.PutRouting(ctx, store.RoutingState{Plan: "payments", Active: "us-west-2"})
	wantErr(t, err, store.ErrStale)
	r2 := must(e.s.PutRouting(ctx, store.RoutingState{Plan: "payments", Active: "us-west-2", Version: 1,
		Controls: map[string]bool{"east": false, "west": true}, Execution: "x1"}))(t)
	got := must(e.s.GetRouting(ctx, "payments"))(t)
	if got.Version != r2.Version || got.Active != "us-west-2" || !got.Controls["west"] || got.Controls["east"] || got.Execution != "x1" {
		t.Fatalf("GetRouting = %+v", got)
	}
}

func testNotFound(t *testing.T, e env) {
	tests := []struct {
		name string
		call func() error
	}{
		{"plan", func() error { _, err := e.s.GetPlan(t.Context(), "p"); return err }},
		{"plan version", func() error { _, err := e.s.GetPlanVersion(t.Context(), "p", fingerprint("x")); return err }},
		{"execution", func() error { _, err := e.s.GetExecution(t.Context(), "x"); return err }},
		{"set mode", func() error { _, err := e.s.SetExecutionMode(t.Context(), "x", store.ModeGraceful); return err }},
		{"finish", func() error {
			_, err := e.s.FinishExecution(t.Context(), "x", store.ExecutionFailed, store.ExecutionResult{})
			return err
		}},
		{"step", func() error { _, err := e.s.GetStep(t.Context(), "x", "s"); return err }},
		{"approval", func() error { _, err := e.s.GetApproval(t.Context(), "nope"); return err }},
		{"vote", func() error { _, err := e.s.VoteApproval(t.Context(), "nope", store.Vote{User: "u"}); return err }},
		{"approval message", func() error { _, err := e.s.SetApprovalMessage(t.Context(), "nope", store.SlackRef{}); return err }},
		{"expire approval", func() error { _, _, err := e.s.ExpireApproval(t.Context(), "nope"); return err }},
		{"lock", func() error { _, err := e.s.GetLock(t.Context(), "p"); return err }},
		{"readiness", func() error { _, err := e.s.GetReadiness(t.Context(), "p", "r"); return err }},
		{"trigger", func() error { _, err := e.s.GetTrigger(t.Context(), "p", "t"); return err }},
		{"routing", func() error { _, err := e.s.GetRouting(t.Context(), "p"); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.call(), store.ErrNotFound) })
	}
	lists := []struct {
		name string
		n    func() (int, bool, error)
	}{
		{"plans", func() (int, bool, error) { l, err := e.s.ListPlans(t.Context()); return len(l), l != nil, err }},
		{"executions", func() (int, bool, error) {
			l, err := e.s.ListExecutions(t.Context(), store.ExecutionFilter{})
			return len(l), l != nil, err
		}},
		{"steps", func() (int, bool, error) { l, err := e.s.ListSteps(t.Context(), "x"); return len(l), l != nil, err }},
		{"audit", func() (int, bool, error) {
			l, err := e.s.ListAudit(t.Context(), "x", 0, 0)
			return len(l), l != nil, err
		}},
		{"approvals", func() (int, bool, error) { l, err := e.s.ListApprovals(t.Context(), "x"); return len(l), l != nil, err }},
		{"readiness", func() (int, bool, error) { l, err := e.s.ListReadiness(t.Context(), "p"); return len(l), l != nil, err }},
	}
	for _, tc := range lists {
		t.Run("list "+tc.name, func(t *testing.T) {
			n, nonNil, err := tc.n()
			noErr(t, err)
			if n != 0 || !nonNil {
				t.Fatalf("empty listing = %d items (non-nil %v), want an empty non-nil slice", n, nonNil)
			}
		})
	}
}
