package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/internal/rules"
)

const (
	skApproval  = "APPROVAL"
	skTaskToken = "TASKTOKEN"
)

var (
	approvalKind = kind[store.Approval]{
		name: "approval",
		index: func(a store.Approval) (string, string) {
			return gsiApprovals(a.Execution), sortableTime(a.CreatedAt) + "#" + a.ID
		},
		expires: rules.ApprovalTTL,
	}
	// The task-token claim holds the whole approval so that the approval can
	// be written from it by whoever finds the claim.
	taskTokenKind = kind[store.Approval]{name: "taskToken", expires: rules.ApprovalTTL}
)

func approvalPK(id string) string          { return "APPROVAL#" + id }
func gsiApprovals(execution string) string { return "APPROVALS#" + execution }

// taskTokenPK keys the claim by a hash: the token itself stays out of keys.
func taskTokenPK(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "TASKTOKEN#" + hex.EncodeToString(sum[:])
}

// CreateApproval implements store.Approvals: claim the task token, then
// write the approval from the claim (roll-forward if a caller died between).
func (s *Store) CreateApproval(ctx context.Context, a store.Approval) (store.Approval, bool, error) {
	a, err := rules.NewApproval(a, s.clock.Now())
	if err != nil {
		return a, false, err
	}
	want, created := a, true
	err = mutate(ctx, s, taskTokenKind, taskTokenPK(a.TaskToken), skTaskToken, func(cur *store.Approval) (*store.Approval, error) {
		if cur != nil {
			want, created = *cur, false
			return nil, nil
		}
		want, created = a, true
		return &a, nil
	})
	if err != nil {
		return a, false, fmt.Errorf("claiming the task token of an approval for %s: %w", a.Execution, err)
	}
	var out store.Approval
	err = mutate(ctx, s, approvalKind, approvalPK(want.ID), skApproval, func(cur *store.Approval) (*store.Approval, error) {
		if cur == nil {
			out = want
			return &want, nil
		}
		out = *cur
		if cur.TaskToken != want.TaskToken {
			return nil, fmt.Errorf("%w: approval %s already exists", store.ErrConflict, want.ID)
		}
		return nil, nil
	})
	if err != nil {
		return a, false, err
	}
	return rules.ApprovalView(out, s.clock.Now()), created, nil
}

// GetApproval implements store.Approvals.
func (s *Store) GetApproval(ctx context.Context, id string) (store.Approval, error) {
	a, _, err := load[store.Approval](ctx, s, approvalPK(id), skApproval)
	if err != nil {
		return store.Approval{}, err
	}
	now := s.clock.Now()
	if a == nil || rules.ApprovalGone(*a, now) {
		return store.Approval{}, fmt.Errorf("approval %q: %w", id, store.ErrNotFound)
	}
	return rules.ApprovalView(*a, now), nil
}

// ListApprovals implements store.Approvals.
func (s *Store) ListApprovals(ctx context.Context, execution string) ([]store.Approval, error) {
	as, err := queryIndex[store.Approval](ctx, s, gsiApprovals(execution), "")
	if err != nil {
		return nil, fmt.Errorf("listing approvals of %s: %w", execution, err)
	}
	now := s.clock.Now()
	out := []store.Approval{}
	for _, a := range as {
		if !rules.ApprovalGone(a, now) {
			out = append(out, rules.ApprovalView(a, now))
		}
	}
	rules.SortApprovals(out)
	return out, nil
}

// changeApproval applies change to a live approval.
func (s *Store) changeApproval(ctx context.Context, id string, change func(store.Approval) (store.Approval, bool, error)) error {
	return mutate(ctx, s, approvalKind, approvalPK(id), skApproval, func(cur *store.Approval) (*store.Approval, error) {
		if cur == nil || rules.ApprovalGone(*cur, s.clock.Now()) {
			return nil, fmt.Errorf("approval %q: %w", id, store.ErrNotFound)
		}
		next, write, err := change(*cur)
		if err != nil || !write {
			return nil, err
		}
		return &next, nil
	})
}

// SetApprovalMessage implements store.Approvals.
func (s *Store) SetApprovalMessage(ctx context.Context, id string, ref store.SlackRef) (store.Approval, error) {
	var out store.Approval
	err := s.changeApproval(ctx, id, func(cur store.Approval) (store.Approval, bool, error) {
		cur.Message = ref
		out = cur
		return cur, true, nil
	})
	return rules.ApprovalView(out, s.clock.Now()), err
}

// VoteApproval implements store.Approvals. The compare-and-set on the
// approval's version makes concurrent votes apply one at a time, so exactly
// one of them sees pending turn into a final status.
func (s *Store) VoteApproval(ctx context.Context, id string, v store.Vote) (store.VoteResult, error) {
	var res store.VoteResult
	err := s.changeApproval(ctx, id, func(cur store.Approval) (store.Approval, bool, error) {
		next, r, write, err := rules.Vote(cur, v, s.clock.Now())
		res = r
		return next, write, err
	})
	return res, err
}

// ExpireApproval implements store.Approvals.
func (s *Store) ExpireApproval(ctx context.Context, id string) (store.Approval, bool, error) {
	var out store.Approval
	var changed bool
	err := s.changeApproval(ctx, id, func(cur store.Approval) (store.Approval, bool, error) {
		out, changed = rules.Expire(cur, s.clock.Now())
		return out, changed, nil
	})
	return out, changed, err
}
