package store

import (
	"context"
	"encoding/json"
	"time"
)

// ReadinessReport is the latest readiness evaluation of a plan in a Region.
type ReadinessReport struct {
	// Plan and Region identify the report (Region: the target evaluated).
	Plan   string
	Region string
	// PlanVersion is the plan version evaluated.
	PlanVersion string
	// Ready is the verdict.
	Ready bool
	// Digest summarizes the outcome (say, a hash of the failing checks); a
	// different Digest counts as a change even if Ready is the same.
	Digest string
	// Summary is one human line; Checks the detailed findings (JSON).
	Summary string
	Checks  json.RawMessage
	// EvaluatedAt is when it was evaluated (set by the store when zero).
	EvaluatedAt time.Time
	// Changed is set by the store: true when Ready, Digest or PlanVersion
	// differ from the previous report (or there was none).
	Changed bool
	// ChangedAt is when the verdict last changed (set by the store).
	ChangedAt time.Time
}

// Readiness stores the latest readiness report per plan and Region.
type Readiness interface {
	// PutReadiness replaces the report for (Plan, Region), computing Changed
	// and ChangedAt against the previous one. A report evaluated before the
	// stored one is ErrStale (it never overwrites newer news).
	PutReadiness(ctx context.Context, r ReadinessReport) (ReadinessReport, error)
	// GetReadiness returns the latest report, or ErrNotFound.
	GetReadiness(ctx context.Context, plan, region string) (ReadinessReport, error)
	// ListReadiness returns a plan's reports, one per Region, by Region.
	ListReadiness(ctx context.Context, plan string) ([]ReadinessReport, error)
}
