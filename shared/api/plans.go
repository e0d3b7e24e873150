package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// PlanStore is the part of the store StorePlans reads.
type PlanStore interface {
	store.Plans
	ListReadiness(ctx context.Context, plan string) ([]store.ReadinessReport, error)
}

// StorePlans serves plans and readiness from the store.
type StorePlans struct {
	st PlanStore
}

var _ Plans = (*StorePlans)(nil)

// NewStorePlans returns the store-backed Plans.
func NewStorePlans(st PlanStore) *StorePlans { return &StorePlans{st: st} }

func parseStored(pv store.PlanVersion) (*plan.Plan, PlanSummary, error) {
	plans, err := plan.Parse("store:"+pv.Name, pv.Document)
	if err != nil || len(plans) != 1 {
		return nil, PlanSummary{}, fmt.Errorf("parsing stored plan %s %s: %w", pv.Name, pv.Version, errors.Join(err, fmt.Errorf("%d plans in the document", len(plans))))
	}
	p := plans[0]
	return p, PlanSummary{
		Name: pv.Name, Version: pv.Version, Description: p.Metadata.Description, Owner: p.Metadata.Owner,
		Regions: p.Spec.Regions, Primary: p.Spec.Primary, DeployedAt: pv.DeployedAt,
	}, nil
}

// ListPlans returns every plan's latest version.
func (s *StorePlans) ListPlans(ctx context.Context) ([]PlanSummary, error) {
	pvs, err := s.st.ListPlans(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing plans: %w", err)
	}
	out := make([]PlanSummary, 0, len(pvs))
	for _, pv := range pvs {
		_, sum, err := parseStored(pv)
		if err != nil {
			return nil, err
		}
		out = append(out, sum)
	}
	return out, nil
}

// Plan returns a plan version, the latest when version is empty.
func (s *StorePlans) Plan(ctx context.Context, name, version string) (*plan.Plan, PlanSummary, error) {
	var pv store.PlanVersion
	var err error
	if version == "" {
		pv, err = s.st.GetPlan(ctx, name)
	} else {
		pv, err = s.st.GetPlanVersion(ctx, name, version)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, PlanSummary{}, fmt.Errorf("plan %q %s: %w", name, version, ErrNotFound)
	}
	if err != nil {
		return nil, PlanSummary{}, fmt.Errorf("reading plan %s: %w", name, err)
	}
	return parseStored(pv)
}

// Readiness returns the plan's readiness reports.
func (s *StorePlans) Readiness(ctx context.Context, name string) ([]Readiness, error) {
	rs, err := s.st.ListReadiness(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("reading readiness of %s: %w", name, err)
	}
	out := make([]Readiness, 0, len(rs))
	for _, r := range rs {
		out = append(out, Readiness{Region: r.Region, PlanVersion: r.PlanVersion, Ready: r.Ready, Summary: r.Summary,
			Checks: r.Checks, EvaluatedAt: r.EvaluatedAt, ChangedAt: r.ChangedAt})
	}
	return out, nil
}
