package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/store"
)

func step(name string, attempt, seq int, status store.StepStatus) store.Step {
	return store.Step{Execution: "x1", Name: name, Block: "aurora-global", Stage: 1, Status: status,
		Attempt: attempt, Seq: seq, StartedAt: Start}
}

func testSteps(t *testing.T, e env) {
	ctx := t.Context()
	s := step("promote", 1, 1, store.StepRunning)
	got := must(e.s.PutStep(ctx, s))(t)
	if !got.UpdatedAt.Equal(Start) || got.Status != store.StepRunning {
		t.Fatalf("PutStep = %+v", got)
	}
	e.clk.Advance(time.Minute)
	s.Seq, s.Status, s.EndedAt = 2, store.StepSucceeded, Start.Add(time.Minute)
	s.Output = json.RawMessage(`{"writer":"us-west-2"}`)
	must(e.s.PutStep(ctx, s))(t)

	// A duplicate delivery of the same update is a no-op.
	e.clk.Advance(time.Minute)
	dup := must(e.s.PutStep(ctx, s))(t)
	if !dup.UpdatedAt.Equal(Start.Add(time.Minute)) {
		t.Fatalf("duplicate PutStep rewrote the step (updatedAt %s)", dup.UpdatedAt)
	}
	stored := must(e.s.GetStep(ctx, "x1", "promote"))(t)
	if stored.Status != store.StepSucceeded || string(stored.Output) != `{"writer":"us-west-2"}` ||
		!stored.EndedAt.Equal(Start.Add(time.Minute)) || stored.Block != "aurora-global" || stored.Stage != 1 {
		t.Fatalf("GetStep = %+v", stored)
	}

	must(e.s.PutStep(ctx, store.Step{Execution: "x1", Name: "scale", Block: "ecs-scale", Stage: 0,
		Status: store.StepRunning, Attempt: 1, StartedAt: Start.Add(time.Hour)}))(t)
	must(e.s.PutStep(ctx, store.Step{Execution: "x1", Name: "arc", Block: "arc-routing-control", Stage: 2,
		Status: store.StepPending, Attempt: 1}))(t)
	must(e.s.PutStep(ctx, store.Step{Execution: "x2", Name: "other", Status: store.StepPending, Attempt: 1}))(t)
	var names []string
	for _, st := range must(e.s.ListSteps(ctx, "x1"))(t) {
		names = append(names, st.Name)
	}
	if want := []string{"scale", "promote", "arc"}; !equal(names, want) {
		t.Fatalf("ListSteps = %v, want %v (by stage)", names, want)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testStepOrdering(t *testing.T, e env) {
	ctx := t.Context()
	must(e.s.PutStep(ctx, step("s", 2, 3, store.StepRunning)))(t)
	tests := []struct {
		name    string
		attempt int
		seq     int
		status  store.StepStatus
		want    error // nil: applied
	}{
		{"older attempt", 1, 9, store.StepFailed, store.ErrStale},
		{"older seq", 2, 2, store.StepFailed, store.ErrStale},
		{"same pair, different content", 2, 3, store.StepFailed, store.ErrStale},
		{"same pair, same content", 2, 3, store.StepRunning, nil},
		{"newer seq", 2, 4, store.StepFailed, nil},
		{"newer attempt, lower seq", 3, 0, store.StepRunning, nil},
		{"attempt zero", 0, 1, store.StepRunning, store.ErrInvalid},
		{"negative seq", 4, -1, store.StepRunning, store.ErrInvalid},
		{"no status", 4, 1, "", store.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.s.PutStep(t.Context(), step("s", tc.attempt, tc.seq, tc.status))
			if tc.want == nil {
				noErr(t, err)
				return
			}
			wantErr(t, err, tc.want)
		})
	}
	if got := must(e.s.GetStep(ctx, "x1", "s"))(t); got.Attempt != 3 || got.Seq != 0 || got.Status != store.StepRunning {
		t.Fatalf("final step = attempt %d seq %d %s, want attempt 3 seq 0 RUNNING", got.Attempt, got.Seq, got.Status)
	}
	// Concurrent writers of distinct pairs: the highest pair wins.
	errs := make([]error, Contention)
	race(Contention, func(i int) {
		_, errs[i] = e.s.PutStep(ctx, step("r", 1, i, store.StepRunning))
	})
	for _, err := range errs {
		if err != nil && !isStale(err) {
			t.Fatalf("concurrent PutStep: %v", err)
		}
	}
	if got := must(e.s.GetStep(ctx, "x1", "r"))(t); got.Seq != Contention-1 {
		t.Fatalf("after concurrent writes seq = %d, want the highest, %d", got.Seq, Contention-1)
	}
}
