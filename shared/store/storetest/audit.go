package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/store"
)

func isStale(err error) bool { return errors.Is(err, store.ErrStale) }

func record(action string) store.AuditRecord {
	return store.AuditRecord{Execution: "x1", Actor: "system", Action: action, Detail: json.RawMessage(`{"step":"promote"}`)}
}

func testAudit(t *testing.T, e env) {
	ctx := t.Context()
	for i := range 5 {
		r := must(e.s.AppendAudit(ctx, record(fmt.Sprintf("a%d", i+1))))(t)
		if r.Seq != int64(i+1) || !r.Time.Equal(Start.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("append %d = seq %d at %s", i+1, r.Seq, r.Time)
		}
		e.clk.Advance(time.Second)
	}
	must(e.s.AppendAudit(ctx, store.AuditRecord{Execution: "x2", Action: "other"}))(t)
	tests := []struct {
		name         string
		after        int64
		limit        int
		wantFirst    int64
		wantN        int
		wantActionsN string
	}{
		{"all", 0, 0, 1, 5, "a1"},
		{"after 2", 2, 0, 3, 3, "a3"},
		{"limit", 1, 2, 2, 2, "a2"},
		{"past the end", 5, 0, 0, 0, ""},
		{"negative after", -3, 0, 1, 5, "a1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := must(e.s.ListAudit(t.Context(), "x1", tc.after, tc.limit))(t)
			if len(got) != tc.wantN {
				t.Fatalf("ListAudit(after %d, limit %d) returned %d records, want %d", tc.after, tc.limit, len(got), tc.wantN)
			}
			if tc.wantN > 0 && (got[0].Seq != tc.wantFirst || got[0].Action != tc.wantActionsN ||
				string(got[0].Detail) != `{"step":"promote"}` || got[0].Actor != "system") {
				t.Fatalf("first record = %+v, want seq %d %s", got[0], tc.wantFirst, tc.wantActionsN)
			}
		})
	}
	_, err := e.s.AppendAudit(ctx, store.AuditRecord{Execution: "x1"})
	wantErr(t, err, store.ErrInvalid)
	_, err = e.s.AppendAudit(ctx, store.AuditRecord{Execution: "x1", Action: "a", Detail: json.RawMessage(`nope`)})
	wantErr(t, err, store.ErrInvalid)
}

func testAuditKey(t *testing.T, e env) {
	ctx := t.Context()
	must(e.s.AppendAudit(ctx, record("first")))(t)
	keyed := record("step.started")
	keyed.Key = "promote/1/started"
	a := must(e.s.AppendAudit(ctx, keyed))(t)
	must(e.s.AppendAudit(ctx, record("between")))(t)
	e.clk.Advance(time.Minute)
	b := must(e.s.AppendAudit(ctx, keyed))(t)
	if a.Seq != 2 || b.Seq != a.Seq || !b.Time.Equal(a.Time) {
		t.Fatalf("keyed append twice = seq %d then %d (time %s, %s); want 2 both times", a.Seq, b.Seq, a.Time, b.Time)
	}
	if n := len(must(e.s.ListAudit(ctx, "x1", 0, 0))(t)); n != 3 {
		t.Fatalf("%d records, want 3", n)
	}
}

// checkGapFree asserts the log of execution is 1..n.
func checkGapFree(t *testing.T, e env, execution string, n int) []store.AuditRecord {
	t.Helper()
	recs := must(e.s.ListAudit(t.Context(), execution, 0, 0))(t)
	if len(recs) != n {
		t.Fatalf("%d records, want %d", len(recs), n)
	}
	for i, r := range recs {
		if r.Seq != int64(i+1) {
			t.Fatalf("record %d has seq %d: sequence has a gap or duplicate", i, r.Seq)
		}
	}
	return recs
}

func testAuditConcurrent(t *testing.T, e env) {
	const each = 3
	seqs := make([][]int64, Contention)
	errs := make([]error, Contention)
	race(Contention, func(i int) {
		for j := range each {
			r, err := e.s.AppendAudit(t.Context(), record(fmt.Sprintf("w%d-%d", i, j)))
			if err != nil {
				errs[i] = err
				return
			}
			seqs[i] = append(seqs[i], r.Seq)
		}
	})
	var all []int64
	for i := range Contention {
		noErr(t, errs[i])
		all = append(all, seqs[i]...)
	}
	slices.Sort(all)
	for i, s := range all {
		if s != int64(i+1) {
			t.Fatalf("returned seqs %v are not 1..%d", all, Contention*each)
		}
	}
	recs := checkGapFree(t, e, "x1", Contention*each)
	actions := map[string]bool{}
	for _, r := range recs {
		actions[r.Action] = true
	}
	if len(actions) != Contention*each {
		t.Fatalf("%d distinct records, want %d (one was overwritten)", len(actions), Contention*each)
	}
}

func testAuditConcurrentKey(t *testing.T, e env) {
	seqs := make([]int64, Contention)
	errs := make([]error, Contention)
	race(Contention, func(i int) {
		var r store.AuditRecord
		if i%2 == 0 {
			k := record("approval.voted")
			k.Key = "vote/bob"
			r, errs[i] = e.s.AppendAudit(t.Context(), k)
		} else {
			r, errs[i] = e.s.AppendAudit(t.Context(), record("noise"))
		}
		seqs[i] = r.Seq
	})
	for i := range Contention {
		noErr(t, errs[i])
		if i%2 == 0 && seqs[i] != seqs[0] {
			t.Fatalf("keyed appends got seqs %d and %d, want the same record", seqs[0], seqs[i])
		}
	}
	recs := checkGapFree(t, e, "x1", Contention/2+1)
	keyed := 0
	for _, r := range recs {
		if r.Key == "vote/bob" {
			keyed++
		}
	}
	if keyed != 1 {
		t.Fatalf("%d records carry the key, want 1", keyed)
	}
}
