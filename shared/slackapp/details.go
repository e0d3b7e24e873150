package slackapp

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// DetailStore is the part of the store that gives an approval its context.
type DetailStore interface {
	GetExecution(ctx context.Context, id string) (store.Execution, error)
	GetPlan(ctx context.Context, name string) (store.PlanVersion, error)
	GetPlanVersion(ctx context.Context, name, version string) (store.PlanVersion, error)
	GetReadiness(ctx context.Context, plan, region string) (store.ReadinessReport, error)
}

// LoadPlan returns the plan version an execution runs (the latest when
// version is empty), parsed from the store's canonical JSON.
func LoadPlan(ctx context.Context, st DetailStore, name, version string) (*plan.Plan, error) {
	var pv store.PlanVersion
	var err error
	if version != "" {
		pv, err = st.GetPlanVersion(ctx, name, version)
	} else {
		pv, err = st.GetPlan(ctx, name)
	}
	if err != nil {
		return nil, fmt.Errorf("loading plan %s %s: %w", name, version, err)
	}
	plans, err := plan.Parse("store:"+name, pv.Document)
	if err != nil || len(plans) != 1 {
		return nil, fmt.Errorf("parsing stored plan %s %s: %w", name, pv.Version, errors.Join(err, fmt.Errorf("%d plans in the document", len(plans))))
	}
	return plans[0], nil
}

// RequestFor builds the message context of an approval from the store: the
// execution (Regions, mode, who, why), the plan (RPO) and the target's
// readiness. Replication lag is not in the store, so it reads as unknown;
// the approval function passes the lag it measured when it first posts.
func RequestFor(ctx context.Context, st DetailStore, a store.Approval) (Request, error) {
	r := Request{Approval: a}
	e, err := st.GetExecution(ctx, a.Execution)
	if err != nil {
		return r, fmt.Errorf("describing approval %s: %w", a.ID, err)
	}
	r.Source, r.Target, r.Mode, r.StartedBy, r.Reason = e.Source, e.Target, e.Mode, e.StartedBy, e.Reason
	if p, err := LoadPlan(ctx, st, a.Plan, e.PlanVersion); err == nil {
		r.RPO = p.Spec.Objectives.RPO.D()
		if r.Source == "" {
			r.Source = p.SourceRegion(e.Target)
		}
	}
	if rep, err := st.GetReadiness(ctx, a.Plan, e.Target); err == nil {
		r.Readiness, r.Ready = rep.Summary, rep.Ready
	}
	return r, nil
}
