package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/store"
)

const lease = 5 * time.Minute

func testLocks(t *testing.T, e env) {
	ctx := t.Context()
	_, err := e.s.GetLock(ctx, "payments")
	wantErr(t, err, store.ErrNotFound)

	l1 := must(e.s.AcquireLock(ctx, "payments", "x1", lease))(t)
	if l1.Holder != "x1" || l1.Epoch < 1 || !l1.ExpiresAt.Equal(Start.Add(lease)) || !l1.AcquiredAt.Equal(Start) {
		t.Fatalf("AcquireLock = %+v", l1)
	}
	_, err = e.s.AcquireLock(ctx, "payments", "x2", lease)
	var held *store.LockHeldError
	if !errors.As(err, &held) || held.Holder != "x1" || !errors.Is(err, store.ErrConflict) ||
		!strings.HasPrefix(err.Error(), "already running: x1") {
		t.Fatalf("second acquire: %v, want *LockHeldError saying \"already running: x1\"", err)
	}
	// Acquiring again as the holder is idempotent: same epoch, lease extended.
	e.clk.Advance(time.Minute)
	again := must(e.s.AcquireLock(ctx, "payments", "x1", lease))(t)
	if again.Epoch != l1.Epoch || !again.ExpiresAt.Equal(Start.Add(time.Minute+lease)) {
		t.Fatalf("re-acquire = %+v, want epoch %d extended", again, l1.Epoch)
	}
	// Locks are per plan.
	must(e.s.AcquireLock(ctx, "inventory", "x2", lease))(t)

	renewCases := []struct {
		name   string
		holder string
		epoch  int64
		want   error
	}{
		{"other holder", "x2", l1.Epoch, store.ErrLockLost},
		{"stale epoch", "x1", l1.Epoch - 1, store.ErrLockLost},
		{"holder", "x1", l1.Epoch, nil},
	}
	for _, tc := range renewCases {
		t.Run("renew "+tc.name, func(t *testing.T) {
			l, err := e.s.RenewLock(t.Context(), "payments", tc.holder, tc.epoch, 10*time.Minute)
			if tc.want != nil {
				wantErr(t, err, tc.want)
				return
			}
			if noErr(t, err); !l.ExpiresAt.Equal(e.clk.Now().Add(10 * time.Minute)) {
				t.Fatalf("renewed lease ends %s", l.ExpiresAt)
			}
		})
	}
	wantErr(t, e.s.ReleaseLock(ctx, "payments", "x2", l1.Epoch), store.ErrLockLost)
	noErr(t, e.s.ReleaseLock(ctx, "payments", "x1", l1.Epoch))
	noErr(t, e.s.ReleaseLock(ctx, "payments", "x1", l1.Epoch)) // idempotent
	_, err = e.s.GetLock(ctx, "payments")
	wantErr(t, err, store.ErrNotFound)
	_, err = e.s.RenewLock(ctx, "payments", "x1", l1.Epoch, lease)
	wantErr(t, err, store.ErrLockLost)

	l2 := must(e.s.AcquireLock(ctx, "payments", "x2", lease))(t)
	if l2.Epoch <= l1.Epoch {
		t.Fatalf("epoch after release = %d, want > %d", l2.Epoch, l1.Epoch)
	}
	// The old holder's late release must not free the new lease.
	wantErr(t, e.s.ReleaseLock(ctx, "payments", "x1", l1.Epoch), store.ErrLockLost)
	if cur := must(e.s.GetLock(ctx, "payments"))(t); cur.Holder != "x2" || cur.Epoch != l2.Epoch {
		t.Fatalf("GetLock = %+v, want x2 at epoch %d", cur, l2.Epoch)
	}

	invalid := []struct {
		name, plan, holder string
		ttl                time.Duration
	}{
		{"no plan", "", "x1", lease},
		{"no holder", "payments", "", lease},
		{"zero lease", "payments", "x1", 0},
	}
	for _, tc := range invalid {
		t.Run("invalid "+tc.name, func(t *testing.T) {
			_, err := e.s.AcquireLock(t.Context(), tc.plan, tc.holder, tc.ttl)
			wantErr(t, err, store.ErrInvalid)
		})
	}
}

func testLockExpiry(t *testing.T, e env) {
	ctx := t.Context()
	l1 := must(e.s.AcquireLock(ctx, "payments", "x1", lease))(t)
	e.clk.Advance(lease - time.Second)
	_, err := e.s.AcquireLock(ctx, "payments", "x2", lease)
	wantErr(t, err, store.ErrConflict)
	e.clk.Advance(time.Second)
	// Expired but not deleted: absent to readers, free to acquire.
	_, err = e.s.GetLock(ctx, "payments")
	wantErr(t, err, store.ErrNotFound)
	_, err = e.s.RenewLock(ctx, "payments", "x1", l1.Epoch, lease)
	wantErr(t, err, store.ErrLockLost)
	l2 := must(e.s.AcquireLock(ctx, "payments", "x2", lease))(t)
	if l2.Epoch <= l1.Epoch {
		t.Fatalf("takeover epoch %d, want > %d", l2.Epoch, l1.Epoch)
	}
	wantErr(t, e.s.ReleaseLock(ctx, "payments", "x1", l1.Epoch), store.ErrLockLost)
	// The expired holder re-acquiring after expiry is a new acquisition.
	e.clk.Advance(lease)
	l3 := must(e.s.AcquireLock(ctx, "payments", "x2", lease))(t)
	if l3.Epoch <= l2.Epoch {
		t.Fatalf("re-acquire after expiry epoch %d, want > %d", l3.Epoch, l2.Epoch)
	}
	// An expired lease may still be released by its holder (cleanup).
	e.clk.Advance(lease)
	noErr(t, e.s.ReleaseLock(ctx, "payments", "x2", l3.Epoch))
}

func testLockContention(t *testing.T, e env) {
	ctx := t.Context()
	var last int64
	for round := range 4 {
		var wins atomic.Int32
		epochs := make([]int64, Contention)
		errs := make([]error, Contention)
		race(Contention, func(i int) {
			l, err := e.s.AcquireLock(ctx, "payments", fmt.Sprintf("r%d-x%d", round, i), lease)
			var held *store.LockHeldError
			switch {
			case errors.As(err, &held):
			case err != nil:
				errs[i] = err
			default:
				wins.Add(1)
				epochs[i] = l.Epoch
			}
		})
		for _, err := range errs {
			noErr(t, err)
		}
		if n := wins.Load(); n != 1 {
			t.Fatalf("round %d: %d goroutines acquired the lock, want exactly 1", round, n)
		}
		cur := must(e.s.GetLock(ctx, "payments"))(t)
		if cur.Epoch <= last {
			t.Fatalf("round %d: epoch %d, want > %d (epochs must strictly increase)", round, cur.Epoch, last)
		}
		for i, ep := range epochs {
			if ep != 0 && ep != cur.Epoch {
				t.Fatalf("round %d: winner %d reported epoch %d, stored %d", round, i, ep, cur.Epoch)
			}
		}
		last = cur.Epoch
		if round%2 == 0 {
			noErr(t, e.s.ReleaseLock(ctx, "payments", cur.Holder, cur.Epoch))
		} else {
			e.clk.Advance(lease) // let it expire instead
		}
	}
}
