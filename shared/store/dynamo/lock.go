package dynamo

import (
	"context"
	"time"

	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/internal/rules"
)

const skLock = "LOCK"

// The lock item has no ttl: deleting it would reset the fencing epoch.
var lockKind = kind[store.Lock]{name: "lock"}

func lockPK(plan string) string { return "LOCK#" + plan }

// AcquireLock implements store.Locks.
func (s *Store) AcquireLock(ctx context.Context, plan, holder string, ttl time.Duration) (store.Lock, error) {
	if err := rules.Key("plan", plan); err != nil {
		return store.Lock{}, err
	}
	var out store.Lock
	err := mutate(ctx, s, lockKind, lockPK(plan), skLock, func(cur *store.Lock) (*store.Lock, error) {
		next, write, err := rules.Acquire(cur, plan, holder, ttl, s.clock.Now())
		out = next
		if err != nil || !write {
			return nil, err
		}
		return &next, nil
	})
	if err != nil {
		return store.Lock{}, err
	}
	return out, nil
}

// RenewLock implements store.Locks.
func (s *Store) RenewLock(ctx context.Context, plan, holder string, epoch int64, ttl time.Duration) (store.Lock, error) {
	if err := rules.Key("plan", plan); err != nil {
		return store.Lock{}, err
	}
	var out store.Lock
	err := mutate(ctx, s, lockKind, lockPK(plan), skLock, func(cur *store.Lock) (*store.Lock, error) {
		next, err := rules.Renew(cur, plan, holder, epoch, ttl, s.clock.Now())
		if err != nil {
			return nil, err
		}
		out = next
		return &next, nil
	})
	if err != nil {
		return store.Lock{}, err
	}
	return out, nil
}

// ReleaseLock implements store.Locks.
func (s *Store) ReleaseLock(ctx context.Context, plan, holder string, epoch int64) error {
	if err := rules.Key("plan", plan); err != nil {
		return err
	}
	return mutate(ctx, s, lockKind, lockPK(plan), skLock, func(cur *store.Lock) (*store.Lock, error) {
		next, write, err := rules.Release(cur, plan, holder, epoch, s.clock.Now())
		if err != nil || !write {
			return nil, err
		}
		return &next, nil
	})
}

// GetLock implements store.Locks.
func (s *Store) GetLock(ctx context.Context, plan string) (store.Lock, error) {
	cur, _, err := load[store.Lock](ctx, s, lockPK(plan), skLock)
	if err != nil {
		return store.Lock{}, err
	}
	return rules.LockView(cur, plan, s.clock.Now())
}
