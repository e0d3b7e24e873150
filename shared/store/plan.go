package store

import (
	"context"
	"encoding/json"
	"time"
)

// PlanVersion is one deployed version of a recovery plan.
type PlanVersion struct {
	// Name is the plan's name.
	Name string
	// Version is the fingerprint of Document, "sha256:" and 64 lowercase hex
	// digits. The store checks the format; the plan package computes it.
	Version string
	// Document is the plan as canonical JSON.
	Document json.RawMessage
	// DeployedAt is when this version was first stored (set by the store when
	// zero).
	DeployedAt time.Time
}

// Plans stores plan versions. Versions are immutable; deploying one makes it
// the plan's latest.
type Plans interface {
	// PutPlan stores a version and makes it the plan's latest. It is
	// idempotent: putting a stored version again returns the stored one with
	// created false (and makes it latest again). The same Version with a
	// different Document is ErrConflict; a malformed name or version is
	// ErrInvalid.
	PutPlan(ctx context.Context, p PlanVersion) (stored PlanVersion, created bool, err error)
	// GetPlan returns the plan's latest version, or ErrNotFound.
	GetPlan(ctx context.Context, name string) (PlanVersion, error)
	// GetPlanVersion returns one version, or ErrNotFound.
	GetPlanVersion(ctx context.Context, name, version string) (PlanVersion, error)
	// ListPlans returns the latest version of every plan, ordered by name.
	ListPlans(ctx context.Context) ([]PlanVersion, error)
	// ListPlanVersions returns every version of a plan, newest DeployedAt
	// first (empty for an unknown plan).
	ListPlanVersions(ctx context.Context, name string) ([]PlanVersion, error)
}
