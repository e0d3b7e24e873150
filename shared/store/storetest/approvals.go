package storetest

import (
	"errors"
	"fmt"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/store"
)

func approval(token string, quorum int) store.Approval {
	return store.Approval{Kind: store.KindApproval, Execution: "x1", Plan: "payments", Step: "approve",
		TaskToken: token, Quorum: quorum, ExpiresAt: Start.Add(time.Hour)}
}

// create stores a new approval.
func create(t *testing.T, e env, a store.Approval) store.Approval {
	t.Helper()
	got, _, err := e.s.CreateApproval(t.Context(), a)
	noErr(t, err)
	return got
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]{22,}$`)

func testApprovalCreate(t *testing.T, e env) {
	ctx := t.Context()
	a, created, err := e.s.CreateApproval(ctx, approval("token-1", 2))
	noErr(t, err)
	if !created || !idRE.MatchString(a.ID) || a.Status != store.ApprovalPending || !a.CreatedAt.Equal(Start) {
		t.Fatalf("CreateApproval = %+v, created %v; want a pending approval with a ≥22-char URL-safe id", a, created)
	}
	again, created, err := e.s.CreateApproval(ctx, approval("token-1", 2))
	noErr(t, err)
	if created || again.ID != a.ID {
		t.Fatalf("same task token again = %s, created %v; want %s, not created", again.ID, created, a.ID)
	}
	e.clk.Advance(time.Second) // listings order by creation time
	b := create(t, e, approval("token-2", 1))
	if b.ID == a.ID {
		t.Fatal("two approvals share an id")
	}
	ref := store.SlackRef{Channel: "C123", TS: "1700000000.000100"}
	if got := must(e.s.SetApprovalMessage(ctx, a.ID, ref))(t); got.Message != ref {
		t.Fatalf("SetApprovalMessage = %+v", got.Message)
	}
	got := must(e.s.GetApproval(ctx, a.ID))(t)
	if got.TaskToken != "token-1" || got.Message != ref || got.Quorum != 2 || got.Plan != "payments" || got.Step != "approve" {
		t.Fatalf("GetApproval = %+v", got)
	}
	list := must(e.s.ListApprovals(ctx, "x1"))(t)
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("ListApprovals = %d approvals, want %s then %s", len(list), a.ID, b.ID)
	}

	t.Run("concurrent creates with one token", func(t *testing.T) {
		var createdN atomic.Int32
		ids := make([]string, Contention)
		errs := make([]error, Contention)
		race(Contention, func(i int) {
			a, created, err := e.s.CreateApproval(t.Context(), approval("token-race", 1))
			if created {
				createdN.Add(1)
			}
			ids[i], errs[i] = a.ID, err
		})
		for i := range Contention {
			noErr(t, errs[i])
			if ids[i] != ids[0] {
				t.Fatalf("callers got approvals %s and %s for one task token", ids[0], ids[i])
			}
		}
		if n := createdN.Load(); n != 1 {
			t.Fatalf("%d callers created the approval, want exactly 1", n)
		}
	})

	invalid := []struct {
		name   string
		change func(*store.Approval)
	}{
		{"bad kind", func(a *store.Approval) { a.Kind = "poll" }},
		{"no execution", func(a *store.Approval) { a.Execution = "" }},
		{"no token", func(a *store.Approval) { a.TaskToken = "" }},
		{"zero quorum", func(a *store.Approval) { a.Quorum = 0 }},
		{"already expired", func(a *store.Approval) { a.ExpiresAt = Start }},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			a := approval("token-x", 1)
			tc.change(&a)
			_, _, err := e.s.CreateApproval(t.Context(), a)
			wantErr(t, err, store.ErrInvalid)
		})
	}
}

func testApprovalVotes(t *testing.T, e env) {
	ctx := t.Context()
	a := create(t, e, approval("t", 2))
	steps := []struct {
		name          string
		vote          store.Vote
		wantCounted   bool
		wantCompleted bool
		wantStatus    store.ApprovalStatus
		wantErr       error
	}{
		{"first approval", store.Vote{User: "alice", Approve: true}, true, false, store.ApprovalPending, nil},
		{"same user again", store.Vote{User: "alice", Approve: true}, false, false, store.ApprovalPending, nil},
		{"no user", store.Vote{Approve: true}, false, false, "", store.ErrInvalid},
		{"quorum", store.Vote{User: "bob", Approve: true, Note: "lgtm"}, true, true, store.ApprovalApproved, nil},
		{"completer again", store.Vote{User: "bob", Approve: true}, false, false, store.ApprovalApproved, nil},
		{"late voter", store.Vote{User: "carol", Approve: true}, false, false, "", store.ErrConflict},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			res, err := e.s.VoteApproval(t.Context(), a.ID, st.vote)
			if st.wantErr != nil {
				wantErr(t, err, st.wantErr)
				return
			}
			noErr(t, err)
			if res.Counted != st.wantCounted || res.Completed != st.wantCompleted || res.Approval.Status != st.wantStatus {
				t.Fatalf("vote = counted %v completed %v status %s; want %v %v %s",
					res.Counted, res.Completed, res.Approval.Status, st.wantCounted, st.wantCompleted, st.wantStatus)
			}
		})
	}
	_, err := e.s.VoteApproval(ctx, a.ID, store.Vote{User: "dave", Approve: true})
	var np *store.NotPendingError
	if !errors.As(err, &np) || np.Status != store.ApprovalApproved {
		t.Fatalf("vote after approval: %v, want *NotPendingError with status approved", err)
	}
	got := must(e.s.GetApproval(ctx, a.ID))(t)
	if !equal(got.Approvers, []string{"alice", "bob"}) || got.DecidedBy != "bob" || got.Note != "lgtm" || !got.DecidedAt.Equal(Start) {
		t.Fatalf("approved approval = %+v", got)
	}

	r := create(t, e, approval("t-reject", 3))
	must(e.s.VoteApproval(ctx, r.ID, store.Vote{User: "alice", Approve: true}))(t)
	res := must(e.s.VoteApproval(ctx, r.ID, store.Vote{User: "bob", Approve: false, Note: "lag too high"}))(t)
	if !res.Completed || res.Approval.Status != store.ApprovalRejected || res.Approval.DecidedBy != "bob" {
		t.Fatalf("rejection = %+v", res)
	}
}

func testApprovalDecision(t *testing.T, e env) {
	ctx := t.Context()
	d := store.Approval{Kind: store.KindDecision, Execution: "x1", Step: "promote", TaskToken: "d",
		Options: []string{"retry", "skip", "ungraceful", "abort"}, ExpiresAt: Start.Add(time.Hour)}
	d = create(t, e, d)
	_, err := e.s.VoteApproval(ctx, d.ID, store.Vote{User: "alice", Answer: "reboot"})
	wantErr(t, err, store.ErrInvalid)
	_, err = e.s.VoteApproval(ctx, d.ID, store.Vote{User: "alice"})
	wantErr(t, err, store.ErrInvalid)
	res := must(e.s.VoteApproval(ctx, d.ID, store.Vote{User: "alice", Answer: "ungraceful"}))(t)
	if !res.Completed || res.Approval.Status != store.ApprovalAnswered || res.Approval.Answer != "ungraceful" {
		t.Fatalf("answer = %+v", res)
	}
	again := must(e.s.VoteApproval(ctx, d.ID, store.Vote{User: "alice", Answer: "abort"}))(t)
	if again.Counted || again.Completed || again.Approval.Answer != "ungraceful" {
		t.Fatalf("same user answering again = %+v, want no change", again)
	}
	_, err = e.s.VoteApproval(ctx, d.ID, store.Vote{User: "bob", Answer: "abort"})
	wantErr(t, err, store.ErrConflict)
}

func testApprovalConcurrentVotes(t *testing.T, e env) {
	ctx := t.Context()
	for _, quorum := range []int{1, 3, Contention} {
		t.Run(fmt.Sprintf("quorum %d", quorum), func(t *testing.T) {
			a := create(t, e, approval(fmt.Sprintf("tok-q%d", quorum), quorum))
			var completed, counted atomic.Int32
			errs := make([]error, Contention)
			race(Contention, func(i int) {
				// Every user votes twice (a duplicate click) to test per-user idempotency.
				for range 2 {
					res, err := e.s.VoteApproval(ctx, a.ID, store.Vote{User: fmt.Sprintf("u%d", i), Approve: true})
					var np *store.NotPendingError
					if errors.As(err, &np) {
						continue
					}
					if err != nil {
						errs[i] = err
						return
					}
					if res.Completed {
						completed.Add(1)
					}
					if res.Counted {
						counted.Add(1)
					}
				}
			})
			for _, err := range errs {
				noErr(t, err)
			}
			if n := completed.Load(); n != 1 {
				t.Fatalf("%d votes reported completing the approval, want exactly 1", n)
			}
			got := must(e.s.GetApproval(ctx, a.ID))(t)
			if got.Status != store.ApprovalApproved || len(got.Approvers) != quorum || int(counted.Load()) != quorum {
				t.Fatalf("status %s, %d approvers, %d counted; want approved with %d", got.Status, len(got.Approvers), counted.Load(), quorum)
			}
			seen := map[string]bool{}
			for _, u := range got.Approvers {
				if seen[u] {
					t.Fatalf("approver %s counted twice", u)
				}
				seen[u] = true
			}
		})
	}
}

func testApprovalExpiry(t *testing.T, e env) {
	ctx := t.Context()
	a := create(t, e, approval("t", 1))
	b := create(t, e, approval("t2", 1))

	e.clk.Advance(time.Hour - time.Second)
	if got := must(e.s.GetApproval(ctx, a.ID))(t); got.Status != store.ApprovalPending {
		t.Fatalf("a second before the deadline: status %s, want pending", got.Status)
	}
	closed, changed, err := e.s.ExpireApproval(ctx, b.ID)
	noErr(t, err)
	if !changed || closed.Status != store.ApprovalExpired {
		t.Fatalf("ExpireApproval = %s, changed %v", closed.Status, changed)
	}
	if _, changed, _ := e.s.ExpireApproval(ctx, b.ID); changed {
		t.Fatal("ExpireApproval twice: changed the second time")
	}
	e.clk.Advance(time.Second)
	got := must(e.s.GetApproval(ctx, a.ID))(t)
	if got.Status != store.ApprovalExpired || !got.DecidedAt.Equal(a.ExpiresAt) {
		t.Fatalf("at the deadline: status %s decided %s, want expired at %s", got.Status, got.DecidedAt, a.ExpiresAt)
	}
	_, err = e.s.VoteApproval(ctx, a.ID, store.Vote{User: "alice", Approve: true})
	var np *store.NotPendingError
	if !errors.As(err, &np) || np.Status != store.ApprovalExpired {
		t.Fatalf("vote after the deadline: %v, want *NotPendingError expired", err)
	}
	e.clk.Advance(store.ApprovalRetention - time.Second)
	must(e.s.GetApproval(ctx, a.ID))(t)
	e.clk.Advance(time.Second)
	_, err = e.s.GetApproval(ctx, a.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = e.s.VoteApproval(ctx, a.ID, store.Vote{User: "alice", Approve: true})
	wantErr(t, err, store.ErrNotFound)
	if list := must(e.s.ListApprovals(ctx, "x1"))(t); len(list) != 0 {
		t.Fatalf("ListApprovals after retention = %d approvals, want 0", len(list))
	}
}
