package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/store"
)

func execution(id, plan string) store.Execution {
	return store.Execution{ID: id, Plan: plan, PlanVersion: fingerprint(plan), Target: "us-west-2", Source: "us-east-1",
		Mode: store.ModeGraceful, StartedBy: "alice", Reason: "drill"}
}

func testExecutions(t *testing.T, e env) {
	ctx := t.Context()
	got, created, err := e.s.CreateExecution(ctx, execution("x1", "payments"))
	noErr(t, err)
	if !created || got.Status != store.ExecutionRunning || !got.StartedAt.Equal(Start) {
		t.Fatalf("CreateExecution = %+v, created %v; want RUNNING since %s, created", got, created, Start)
	}
	_, _, err = e.s.CreateExecution(ctx, execution("x1", "payments"))
	wantErr(t, err, store.ErrConflict)

	// The mode can change while running; setting it again is a no-op.
	for range 2 {
		if x := must(e.s.SetExecutionMode(ctx, "x1", store.ModeUngraceful))(t); x.Mode != store.ModeUngraceful {
			t.Fatalf("mode = %s, want ungraceful", x.Mode)
		}
	}
	_, err = e.s.SetExecutionMode(ctx, "x1", "sideways")
	wantErr(t, err, store.ErrInvalid)

	e.clk.Advance(90 * time.Second)
	res := store.ExecutionResult{RTO: 85 * time.Second, RPO: 2 * time.Second}
	done := must(e.s.FinishExecution(ctx, "x1", store.ExecutionSucceeded, res))(t)
	if done.Status != store.ExecutionSucceeded || !done.EndedAt.Equal(Start.Add(90*time.Second)) || done.Result != res {
		t.Fatalf("FinishExecution = %+v", done)
	}
	e.clk.Advance(time.Minute)
	// Finishing again the same way is idempotent and keeps the first end.
	again := must(e.s.FinishExecution(ctx, "x1", store.ExecutionSucceeded, store.ExecutionResult{}))(t)
	if !again.EndedAt.Equal(done.EndedAt) || again.Result != res {
		t.Fatalf("second FinishExecution changed it: %+v", again)
	}
	_, err = e.s.FinishExecution(ctx, "x1", store.ExecutionFailed, store.ExecutionResult{Error: "X"})
	wantErr(t, err, store.ErrConflict)
	_, err = e.s.FinishExecution(ctx, "x1", store.ExecutionRunning, store.ExecutionResult{})
	wantErr(t, err, store.ErrInvalid)
	_, err = e.s.SetExecutionMode(ctx, "x1", store.ModeGraceful)
	wantErr(t, err, store.ErrConflict)

	stored := must(e.s.GetExecution(ctx, "x1"))(t)
	if stored.Mode != store.ModeUngraceful || stored.Status != store.ExecutionSucceeded || stored.StartedBy != "alice" ||
		stored.Reason != "drill" || stored.Source != "us-east-1" || stored.Result != res {
		t.Fatalf("GetExecution = %+v", stored)
	}
}

func testExecutionClientToken(t *testing.T, e env) {
	ctx := t.Context()
	first := execution("x1", "payments")
	first.ClientToken = "tok-1"
	got, created, err := e.s.CreateExecution(ctx, first)
	noErr(t, err)
	if !created || got.ClientToken != "tok-1" {
		t.Fatal("first start with a token: created = false")
	}
	retry := execution("x2", "payments") // a retry may propose a new id
	retry.ClientToken = "tok-1"
	again, created, err := e.s.CreateExecution(ctx, retry)
	noErr(t, err)
	if created || again.ID != "x1" {
		t.Fatalf("retry with the same token = %s, created %v; want x1, not created", again.ID, created)
	}
	if _, err := e.s.GetExecution(ctx, "x2"); err == nil {
		t.Fatal("the retry's id x2 was stored")
	}
	other := execution("x3", "inventory")
	other.ClientToken = "tok-1"
	_, _, err = e.s.CreateExecution(ctx, other)
	wantErr(t, err, store.ErrConflict)
}

func testExecutionConcurrentToken(t *testing.T, e env) {
	ctx := t.Context()
	var createdCount atomic.Int32
	ids := make([]string, Contention)
	errs := make([]error, Contention)
	race(Contention, func(i int) {
		x := execution(fmt.Sprintf("x%d", i), "payments")
		x.ClientToken = "same-token"
		got, created, err := e.s.CreateExecution(ctx, x)
		if created {
			createdCount.Add(1)
		}
		ids[i], errs[i] = got.ID, err
	})
	for i, err := range errs {
		noErr(t, err)
		if ids[i] != ids[0] {
			t.Fatalf("caller %d got execution %s, caller 0 got %s", i, ids[i], ids[0])
		}
	}
	if n := createdCount.Load(); n != 1 {
		t.Fatalf("%d callers created an execution, want exactly 1", n)
	}
	if all := must(e.s.ListExecutions(ctx, store.ExecutionFilter{}))(t); len(all) != 1 {
		t.Fatalf("%d executions stored, want 1", len(all))
	}
}

func testExecutionList(t *testing.T, e env) {
	ctx := t.Context()
	for i, p := range []string{"payments", "inventory", "payments", "payments"} {
		noErr(t, func() error { _, _, err := e.s.CreateExecution(ctx, execution(fmt.Sprintf("x%d", i), p)); return err }())
		e.clk.Advance(time.Second)
	}
	must(e.s.FinishExecution(ctx, "x0", store.ExecutionAborted, store.ExecutionResult{}))(t)
	ids := func(es []store.Execution) string {
		s := ""
		for _, x := range es {
			s += x.ID + " "
		}
		return s
	}
	tests := []struct {
		name   string
		filter store.ExecutionFilter
		want   string
	}{
		{"all", store.ExecutionFilter{}, "x3 x2 x1 x0 "},
		{"by plan", store.ExecutionFilter{Plan: "payments"}, "x3 x2 x0 "},
		{"by status", store.ExecutionFilter{Status: store.ExecutionRunning}, "x3 x2 x1 "},
		{"by plan and status", store.ExecutionFilter{Plan: "payments", Status: store.ExecutionAborted}, "x0 "},
		{"limit", store.ExecutionFilter{Plan: "payments", Limit: 2}, "x3 x2 "},
		{"no match", store.ExecutionFilter{Plan: "pay"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := must(e.s.ListExecutions(t.Context(), tc.filter))(t)
			if ids(got) != tc.want {
				t.Fatalf("ListExecutions(%+v) = %q, want %q", tc.filter, ids(got), tc.want)
			}
		})
	}
}

func testExecutionInvalid(t *testing.T, e env) {
	for _, f := range []store.ExecutionFilter{{Status: "running"}, {Limit: -1}} {
		t.Run(fmt.Sprintf("filter %+v", f), func(t *testing.T) {
			_, err := e.s.ListExecutions(t.Context(), f)
			wantErr(t, err, store.ErrInvalid)
		})
	}
	tests := []struct {
		name   string
		change func(*store.Execution)
	}{
		{"no id", func(x *store.Execution) { x.ID = "" }},
		{"no plan", func(x *store.Execution) { x.Plan = "" }},
		{"no target", func(x *store.Execution) { x.Target = "" }},
		{"bad mode", func(x *store.Execution) { x.Mode = "fast" }},
		{"finished status", func(x *store.Execution) { x.Status = store.ExecutionSucceeded }},
		{"hash in id", func(x *store.Execution) { x.ID = "a#b" }},
		{"control character in plan", func(x *store.Execution) { x.Plan = "pay\nments" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := execution("x1", "payments")
			tc.change(&x)
			_, _, err := e.s.CreateExecution(t.Context(), x)
			wantErr(t, err, store.ErrInvalid)
		})
	}
}
