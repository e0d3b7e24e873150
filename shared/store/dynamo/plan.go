package dynamo

import (
	"context"
	"fmt"

	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/internal/rules"
)

const (
	skLatest        = "LATEST"
	skVersionPrefix = "VERSION#"
	gsiPlans        = "PLANS"
)

var (
	planVersionKind = kind[store.PlanVersion]{name: "planVersion"}
	planLatestKind  = kind[store.PlanVersion]{name: "planLatest", index: func(p store.PlanVersion) (string, string) {
		return gsiPlans, p.Name
	}}
)

func planPK(name string) string { return "PLAN#" + name }

// PutPlan implements store.Plans. The version item is written first (once,
// immutable), then the latest pointer; a crash in between leaves a stored
// version that the next PutPlan of it makes latest.
func (s *Store) PutPlan(ctx context.Context, p store.PlanVersion) (store.PlanVersion, bool, error) {
	p, err := rules.NewPlan(p, s.clock.Now())
	if err != nil {
		return p, false, err
	}
	stored, created := p, false
	err = mutate(ctx, s, planVersionKind, planPK(p.Name), skVersionPrefix+p.Version, func(cur *store.PlanVersion) (*store.PlanVersion, error) {
		if cur != nil {
			stored, created = *cur, false
			return nil, rules.SamePlan(*cur, p)
		}
		stored, created = p, true
		return &p, nil
	})
	if err != nil {
		return p, false, err
	}
	err = mutate(ctx, s, planLatestKind, planPK(p.Name), skLatest, func(cur *store.PlanVersion) (*store.PlanVersion, error) {
		if cur != nil && cur.Version == stored.Version {
			return nil, nil
		}
		return &stored, nil
	})
	if err != nil {
		return p, false, fmt.Errorf("making version %s of plan %q the latest: %w", p.Version, p.Name, err)
	}
	return stored, created, nil
}

// GetPlan implements store.Plans.
func (s *Store) GetPlan(ctx context.Context, name string) (store.PlanVersion, error) {
	p, _, err := load[store.PlanVersion](ctx, s, planPK(name), skLatest)
	if err != nil {
		return store.PlanVersion{}, err
	}
	if p == nil {
		return store.PlanVersion{}, fmt.Errorf("plan %q: %w", name, store.ErrNotFound)
	}
	return *p, nil
}

// GetPlanVersion implements store.Plans.
func (s *Store) GetPlanVersion(ctx context.Context, name, version string) (store.PlanVersion, error) {
	p, _, err := load[store.PlanVersion](ctx, s, planPK(name), skVersionPrefix+version)
	if err != nil {
		return store.PlanVersion{}, err
	}
	if p == nil {
		return store.PlanVersion{}, fmt.Errorf("plan %q version %s: %w", name, version, store.ErrNotFound)
	}
	return *p, nil
}

// ListPlans implements store.Plans.
func (s *Store) ListPlans(ctx context.Context) ([]store.PlanVersion, error) {
	ps, err := queryIndex[store.PlanVersion](ctx, s, gsiPlans, "")
	if err != nil {
		return nil, fmt.Errorf("listing plans: %w", err)
	}
	rules.SortPlans(ps)
	return nonNil(ps), nil
}

// ListPlanVersions implements store.Plans.
func (s *Store) ListPlanVersions(ctx context.Context, name string) ([]store.PlanVersion, error) {
	ps, err := queryPrefix[store.PlanVersion](ctx, s, planPK(name), skVersionPrefix)
	if err != nil {
		return nil, fmt.Errorf("listing versions of plan %q: %w", name, err)
	}
	rules.SortPlanVersions(ps)
	return nonNil(ps), nil
}

// nonNil returns an empty slice instead of nil, as listings promise.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
