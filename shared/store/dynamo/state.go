package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/internal/rules"
)

const (
	skReadinessPrefix = "READINESS#"
	skTriggerPrefix   = "TRIGGER#"
	skRouting         = "ROUTING"
)

var (
	readinessKind = kind[store.ReadinessReport]{name: "readiness"}
	triggerKind   = kind[store.TriggerState]{name: "trigger"}
	routingKind   = kind[store.RoutingState]{name: "routing"}
)

// PutReadiness implements store.Readiness.
func (s *Store) PutReadiness(ctx context.Context, r store.ReadinessReport) (store.ReadinessReport, error) {
	if err := rules.Key("plan", r.Plan); err != nil {
		return r, err
	}
	if err := rules.Key("Region", r.Region); err != nil {
		return r, err
	}
	var out store.ReadinessReport
	err := mutate(ctx, s, readinessKind, planPK(r.Plan), skReadinessPrefix+r.Region, func(cur *store.ReadinessReport) (*store.ReadinessReport, error) {
		next, err := rules.PutReadiness(cur, r, s.clock.Now())
		out = next
		if err != nil {
			return nil, err
		}
		return &next, nil
	})
	return out, err
}

// GetReadiness implements store.Readiness.
func (s *Store) GetReadiness(ctx context.Context, plan, region string) (store.ReadinessReport, error) {
	r, _, err := load[store.ReadinessReport](ctx, s, planPK(plan), skReadinessPrefix+region)
	if err != nil {
		return store.ReadinessReport{}, err
	}
	if r == nil {
		return store.ReadinessReport{}, fmt.Errorf("readiness of plan %q in %s: %w", plan, region, store.ErrNotFound)
	}
	return *r, nil
}

// ListReadiness implements store.Readiness.
func (s *Store) ListReadiness(ctx context.Context, plan string) ([]store.ReadinessReport, error) {
	rs, err := queryPrefix[store.ReadinessReport](ctx, s, planPK(plan), skReadinessPrefix)
	if err != nil {
		return nil, fmt.Errorf("listing readiness of plan %q: %w", plan, err)
	}
	return nonNil(rs), nil
}

// GetTrigger implements store.Triggers.
func (s *Store) GetTrigger(ctx context.Context, plan, trigger string) (store.TriggerState, error) {
	t, _, err := load[store.TriggerState](ctx, s, planPK(plan), skTriggerPrefix+trigger)
	if err != nil {
		return store.TriggerState{}, err
	}
	if t == nil {
		return store.TriggerState{}, fmt.Errorf("trigger %q of plan %q: %w", trigger, plan, store.ErrNotFound)
	}
	return *t, nil
}

func (s *Store) changeTrigger(ctx context.Context, plan, trigger string, change func(*store.TriggerState) (store.TriggerState, error)) (store.TriggerState, error) {
	if err := rules.Key("plan", plan); err != nil {
		return store.TriggerState{}, err
	}
	if err := rules.Key("trigger", trigger); err != nil {
		return store.TriggerState{}, err
	}
	var out store.TriggerState
	err := mutate(ctx, s, triggerKind, planPK(plan), skTriggerPrefix+trigger, func(cur *store.TriggerState) (*store.TriggerState, error) {
		next, err := change(cur)
		if err != nil {
			return nil, err
		}
		out = next
		return &next, nil
	})
	if err != nil {
		return store.TriggerState{}, err
	}
	return out, nil
}

// PutTrigger implements store.Triggers.
func (s *Store) PutTrigger(ctx context.Context, t store.TriggerState) (store.TriggerState, error) {
	return s.changeTrigger(ctx, t.Plan, t.Trigger, func(cur *store.TriggerState) (store.TriggerState, error) {
		return rules.PutTrigger(cur, t, s.clock.Now())
	})
}

// FireTrigger implements store.Triggers.
func (s *Store) FireTrigger(ctx context.Context, plan, trigger string, version int64, cooldown time.Duration) (store.TriggerState, error) {
	return s.changeTrigger(ctx, plan, trigger, func(cur *store.TriggerState) (store.TriggerState, error) {
		return rules.Fire(cur, plan, trigger, version, cooldown, s.clock.Now())
	})
}

// GetRouting implements store.Routing.
func (s *Store) GetRouting(ctx context.Context, plan string) (store.RoutingState, error) {
	r, _, err := load[store.RoutingState](ctx, s, planPK(plan), skRouting)
	if err != nil {
		return store.RoutingState{}, err
	}
	if r == nil {
		return store.RoutingState{}, fmt.Errorf("routing state of plan %q: %w", plan, store.ErrNotFound)
	}
	return *r, nil
}

// PutRouting implements store.Routing.
func (s *Store) PutRouting(ctx context.Context, r store.RoutingState) (store.RoutingState, error) {
	if err := rules.Key("plan", r.Plan); err != nil {
		return r, err
	}
	var out store.RoutingState
	err := mutate(ctx, s, routingKind, planPK(r.Plan), skRouting, func(cur *store.RoutingState) (*store.RoutingState, error) {
		next, err := rules.PutRouting(cur, r, s.clock.Now())
		if err != nil {
			return nil, err
		}
		out = next
		return &next, nil
	})
	if err != nil {
		return store.RoutingState{}, err
	}
	return out, nil
}
