package dynamo

import (
	"context"
	"fmt"

	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/internal/rules"
)

const (
	skExecution = "EXEC"
	skToken     = "TOKEN"
)

var (
	executionKind = kind[store.Execution]{name: "execution", index: func(e store.Execution) (string, string) {
		return gsiExecutions(e.Status), e.Plan + "#" + sortableTime(e.StartedAt) + "#" + e.ID
	}}
	tokenKind = kind[store.Execution]{name: "clientToken"}

	allStatuses = []store.ExecutionStatus{store.ExecutionRunning, store.ExecutionSucceeded,
		store.ExecutionFailed, store.ExecutionTimedOut, store.ExecutionAborted}
)

func execPK(id string) string                      { return "EXEC#" + id }
func gsiExecutions(s store.ExecutionStatus) string { return "EXECS#" + string(s) }

// CreateExecution implements store.Executions. With a client token, the
// token item (holding the whole execution) is claimed first; whoever finds
// the claim writes the execution from it if it is not there yet, so a caller
// dying between the two writes cannot lose the execution.
func (s *Store) CreateExecution(ctx context.Context, e store.Execution) (store.Execution, bool, error) {
	e, err := rules.NewExecution(e, s.clock.Now())
	if err != nil {
		return e, false, err
	}
	want, created := e, true
	if e.ClientToken != "" {
		err := mutate(ctx, s, tokenKind, "TOKEN#"+e.ClientToken, skToken, func(cur *store.Execution) (*store.Execution, error) {
			if cur != nil {
				want, created = *cur, false
				return nil, rules.SameStart(*cur, e)
			}
			want, created = e, true
			return &e, nil
		})
		if err != nil {
			return e, false, err
		}
	}
	stored := want
	err = mutate(ctx, s, executionKind, execPK(want.ID), skExecution, func(cur *store.Execution) (*store.Execution, error) {
		if cur == nil {
			stored = want
			return &want, nil
		}
		stored = *cur
		if want.ClientToken != "" && cur.ClientToken == want.ClientToken {
			return nil, nil // written by an earlier call with this token
		}
		return nil, rules.ExecutionExists(want.ID)
	})
	if err != nil {
		return e, false, err
	}
	return stored, created, nil
}

// GetExecution implements store.Executions.
func (s *Store) GetExecution(ctx context.Context, id string) (store.Execution, error) {
	e, _, err := load[store.Execution](ctx, s, execPK(id), skExecution)
	if err != nil {
		return store.Execution{}, err
	}
	if e == nil {
		return store.Execution{}, fmt.Errorf("execution %q: %w", id, store.ErrNotFound)
	}
	return *e, nil
}

// changeExecution applies change to a stored execution.
func (s *Store) changeExecution(ctx context.Context, id string, change func(store.Execution) (store.Execution, bool, error)) (store.Execution, error) {
	var out store.Execution
	err := mutate(ctx, s, executionKind, execPK(id), skExecution, func(cur *store.Execution) (*store.Execution, error) {
		if cur == nil {
			return nil, fmt.Errorf("execution %q: %w", id, store.ErrNotFound)
		}
		next, changed, err := change(*cur)
		out = next
		if err != nil || !changed {
			return nil, err
		}
		return &next, nil
	})
	return out, err
}

// SetExecutionMode implements store.Executions.
func (s *Store) SetExecutionMode(ctx context.Context, id string, mode store.Mode) (store.Execution, error) {
	return s.changeExecution(ctx, id, func(cur store.Execution) (store.Execution, bool, error) {
		return rules.SetMode(cur, mode)
	})
}

// FinishExecution implements store.Executions.
func (s *Store) FinishExecution(ctx context.Context, id string, status store.ExecutionStatus, r store.ExecutionResult) (store.Execution, error) {
	return s.changeExecution(ctx, id, func(cur store.Execution) (store.Execution, bool, error) {
		return rules.Finish(cur, status, r, s.clock.Now())
	})
}

// ListExecutions implements store.Executions: one gsi1 query per status
// asked for (all five when f.Status is empty).
func (s *Store) ListExecutions(ctx context.Context, f store.ExecutionFilter) ([]store.Execution, error) {
	if err := rules.Filter(f); err != nil {
		return nil, err
	}
	statuses := allStatuses
	if f.Status != "" {
		statuses = []store.ExecutionStatus{f.Status}
	}
	prefix := ""
	if f.Plan != "" {
		prefix = f.Plan + "#"
	}
	var out []store.Execution
	for _, st := range statuses {
		es, err := queryIndex[store.Execution](ctx, s, gsiExecutions(st), prefix)
		if err != nil {
			return nil, fmt.Errorf("listing %s executions: %w", st, err)
		}
		for _, e := range es {
			if rules.MatchExecution(e, f) { // the index may lag a status change
				out = append(out, e)
			}
		}
	}
	return nonNil(rules.SortExecutions(out, f.Limit)), nil
}
