package plandelivery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/switchyard-dev/switchyard/shared/store"
)

// Resource property names, shared with the CDK construct that sets them.
const (
	PropName     = "PlanName"
	PropVersion  = "Version"
	PropDocument = "Document"
)

// ResourceType is the custom resource's CloudFormation type.
const ResourceType = "Custom::SwitchyardPlan"

// physicalPrefix starts every physical resource id: one resource per plan
// name, stable across versions, so a new version is an Update of the same
// resource (and a rollback is an Update back to the previous version).
const physicalPrefix = "switchyard-plan:"

// ErrInvalidProperties means the resource's properties are not a plan
// version: a missing field, or a document whose fingerprint differs from
// the version (the template was edited by hand).
var ErrInvalidProperties = errors.New("invalid plan properties")

// Handler handles the custom resource's lifecycle events.
type Handler struct {
	plans store.Plans
	log   *slog.Logger
}

// NewHandler returns a handler storing into plans.
func NewHandler(plans store.Plans, log *slog.Logger) *Handler {
	return &Handler{plans: plans, log: log}
}

// Handle implements cfn.CustomResourceFunction. Create and Update store the
// version and make it the plan's latest; they are idempotent, so
// CloudFormation's retries and rollbacks are harmless. Delete stores
// nothing and deletes nothing. The returned data carries Version, readable
// with Fn::GetAtt.
func (h *Handler) Handle(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
	if ev.RequestType == cfn.RequestDelete {
		h.log.InfoContext(ctx, "plan resource deleted; stored versions kept", "resource", ev.PhysicalResourceID)
		return ev.PhysicalResourceID, nil, nil
	}
	pv, err := Parse(ev.ResourceProperties)
	if err != nil {
		return ev.PhysicalResourceID, nil, err
	}
	stored, created, err := h.plans.PutPlan(ctx, pv)
	if err != nil {
		return ev.PhysicalResourceID, nil, fmt.Errorf("storing plan %s version %s: %w", pv.Name, pv.Version, err)
	}
	h.log.InfoContext(ctx, "plan delivered", "plan", stored.Name, "version", stored.Version, "created", created, "request", string(ev.RequestType))
	return physicalPrefix + pv.Name, map[string]any{PropVersion: stored.Version}, nil
}

// Parse reads a plan version from the resource properties and checks that
// the document's fingerprint is the version.
func Parse(props map[string]any) (store.PlanVersion, error) {
	get := func(k string) (string, error) {
		v, ok := props[k].(string)
		if !ok || v == "" {
			return "", fmt.Errorf("%w: property %s is missing or not a string", ErrInvalidProperties, k)
		}
		return v, nil
	}
	name, errN := get(PropName)
	version, errV := get(PropVersion)
	doc, errD := get(PropDocument)
	if err := errors.Join(errN, errV, errD); err != nil {
		return store.PlanVersion{}, err
	}
	if !json.Valid([]byte(doc)) {
		return store.PlanVersion{}, fmt.Errorf("%w: plan %s: %s is not JSON", ErrInvalidProperties, name, PropDocument)
	}
	if got := Fingerprint([]byte(doc)); got != version {
		return store.PlanVersion{}, fmt.Errorf("%w: plan %s: the document's fingerprint is %s, not the %s %s (redeploy from a fresh synth)", ErrInvalidProperties, name, got, PropVersion, version)
	}
	return store.PlanVersion{Name: name, Version: version, Document: json.RawMessage(doc)}, nil
}

// Fingerprint is "sha256:" and the hex SHA-256 of a canonical document: the
// same value as plan.(*Plan).Fingerprint for the plan's CanonicalJSON.
func Fingerprint(doc []byte) string {
	sum := sha256.Sum256(doc)
	return "sha256:" + hex.EncodeToString(sum[:])
}
