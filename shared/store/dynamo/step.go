package dynamo

import (
	"context"
	"fmt"

	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/internal/rules"
)

const skStepPrefix = "STEP#"

var stepKind = kind[store.Step]{name: "step"}

// PutStep implements store.Steps.
func (s *Store) PutStep(ctx context.Context, st store.Step) (store.Step, error) {
	if err := rules.Key("execution id", st.Execution); err != nil {
		return st, err
	}
	if err := rules.Key("step name", st.Name); err != nil {
		return st, err
	}
	var out store.Step
	err := mutate(ctx, s, stepKind, execPK(st.Execution), skStepPrefix+st.Name, func(cur *store.Step) (*store.Step, error) {
		next, write, err := rules.PutStep(cur, st, s.clock.Now())
		out = next
		if err != nil || !write {
			return nil, err
		}
		return &next, nil
	})
	return out, err
}

// GetStep implements store.Steps.
func (s *Store) GetStep(ctx context.Context, execution, name string) (store.Step, error) {
	st, _, err := load[store.Step](ctx, s, execPK(execution), skStepPrefix+name)
	if err != nil {
		return store.Step{}, err
	}
	if st == nil {
		return store.Step{}, fmt.Errorf("step %q of execution %q: %w", name, execution, store.ErrNotFound)
	}
	return *st, nil
}

// ListSteps implements store.Steps.
func (s *Store) ListSteps(ctx context.Context, execution string) ([]store.Step, error) {
	ss, err := queryPrefix[store.Step](ctx, s, execPK(execution), skStepPrefix)
	if err != nil {
		return nil, fmt.Errorf("listing steps of execution %q: %w", execution, err)
	}
	rules.SortSteps(ss)
	return nonNil(ss), nil
}
