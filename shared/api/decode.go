package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/executor"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 64 << 10

// Limits on free text.
const (
	maxReason = 1024
	maxToken  = 64
)

var (
	tokenRE    = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)
	planNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	idRE       = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,128}$`)
	unknownRE  = regexp.MustCompile(`^json: unknown field "(.*)"$`)
)

// DecisionActions are the answers to an operator decision.
var DecisionActions = []string{"retry", "skip", "ungraceful", "abort"}

// decodeBody decodes one JSON object into v, refusing unknown fields, wrong
// types and trailing data with an *InputError naming the field. An empty
// body decodes as {} when emptyOK.
func decodeBody(body []byte, v any, emptyOK bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		if emptyOK {
			return nil
		}
		return invalid("", "malformed_json", "request body is empty (a JSON object is required)")
	}
	if len(body) > MaxBodyBytes {
		return invalid("", "too_large", "request body is %d bytes (at most %d)", len(body), MaxBodyBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalid("", "malformed_json", "request body has data after the JSON object")
	}
	return nil
}

func jsonError(err error) *InputError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return invalid("", "malformed_json", "request body is not valid JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return invalid("", "malformed_json", "request body must be a JSON object, not %s", typ.Value)
		}
		return invalid(typ.Field, "invalid_type", "must be a %s, not %s", kind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("", "malformed_json", "request body is truncated JSON")
	}
	if m := unknownRE.FindStringSubmatch(err.Error()); m != nil {
		return invalid(m[1], "unknown_field", "unknown field %q", m[1])
	}
	return invalid("", "malformed_json", "request body is not valid JSON: %v", err)
}

func kind(k string) string {
	switch k {
	case "ptr":
		return "boolean"
	case "bool":
		return "boolean"
	}
	return k
}

// startBody is the body of POST /v1/executions as DecodeStart reads it:
// StartInput and the optional workflow the executor input accepts
// (executor.ResolveWorkflow).
type startBody struct {
	Plan        string `json:"plan"`
	Target      string `json:"target"`
	Mode        string `json:"mode,omitempty"`
	ClientToken string `json:"clientToken,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Workflow    string `json:"workflow,omitempty"`
}

// DecodeStart decodes and validates a start request against the plans: the
// plan must exist, the target must be one of its Regions, the workflow
// (optional: by default the one executor.ResolveWorkflow picks for the
// target) must move traffic into the target, the mode graceful or
// ungraceful (default graceful).
//
// StartInput has no workflow field yet, so a workflow is accepted only
// when it is the one the target runs by default; naming any other one is
// refused (400 on "workflow") rather than silently ignored.
func DecodeStart(ctx context.Context, plans Plans, body []byte) (StartInput, error) {
	var b startBody
	if err := decodeBody(body, &b, false); err != nil {
		return StartInput{}, err
	}
	in := StartInput{Plan: b.Plan, Target: b.Target, Mode: b.Mode, ClientToken: b.ClientToken, Reason: b.Reason}
	in.Plan, in.Target, in.Mode = strings.TrimSpace(in.Plan), strings.TrimSpace(in.Target), strings.TrimSpace(in.Mode)
	workflow := strings.TrimSpace(b.Workflow)
	switch {
	case in.Plan == "":
		return in, invalid("plan", "required", "plan is required (the name of a deployed plan)")
	case !planNameRE.MatchString(in.Plan):
		return in, invalid("plan", "invalid", "plan %q is not a plan name (lowercase letters, digits and '-')", clip(in.Plan))
	case in.Target == "":
		return in, invalid("target", "required", "target is required (the Region to move to)")
	case !plan.IsRegion(in.Target):
		return in, invalid("target", "invalid_region", "target %q is not an AWS Region (for example us-west-2)", clip(in.Target))
	case b.Workflow != "" && !planNameRE.MatchString(workflow):
		return in, invalid("workflow", "invalid", "workflow %q is not a workflow name (lowercase letters, digits and '-')", clip(b.Workflow))
	}
	switch in.Mode {
	case "":
		in.Mode = "graceful"
	case "graceful", "ungraceful":
	default:
		return in, invalid("mode", "invalid", "mode %q is not graceful or ungraceful", clip(in.Mode))
	}
	if in.ClientToken != "" && (len(in.ClientToken) > maxToken || !tokenRE.MatchString(in.ClientToken)) {
		return in, invalid("clientToken", "invalid", "clientToken must be 1 to %d of A-Z a-z 0-9 . _ : -", maxToken)
	}
	if len(in.Reason) > maxReason {
		return in, invalid("reason", "too_long", "reason is %d bytes (at most %d)", len(in.Reason), maxReason)
	}
	p, _, err := plans.Plan(ctx, in.Plan, "")
	if errors.Is(err, ErrNotFound) {
		return in, invalid("plan", "unknown_plan", "no plan named %q is deployed in this Region", in.Plan)
	}
	if err != nil {
		return in, fmt.Errorf("reading plan %s: %w", in.Plan, err)
	}
	if !slices.Contains(p.Spec.Regions, in.Target) {
		return in, invalid("target", "invalid_region", "target %s is not one of plan %s's Regions %v", in.Target, in.Plan, p.Spec.Regions)
	}
	_, err = executor.ResolveWorkflow(p, in.Target, "")
	if workflow == "" {
		return in, workflowError(err, "no_workflow")
	}
	named, nerr := executor.ResolveWorkflow(p, in.Target, workflow)
	if nerr != nil {
		return in, workflowError(nerr, "invalid_workflow")
	}
	in.Workflow = named.Name
	return in, nil
}

// workflowError turns executor.ResolveWorkflow's *errclass.InvalidInput
// (which names the field and what is allowed) into a 400 with code.
func workflowError(err error, code string) error {
	var ie *errclass.InvalidInput
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ie):
		return invalid(ie.Field, code, "%s", ie.Message)
	}
	return fmt.Errorf("resolving the workflow: %w", err)
}

// DecodeApprove decodes an approve request: approve (boolean) is required.
func DecodeApprove(body []byte) (ApproveInput, error) {
	var in ApproveInput
	if err := decodeBody(body, &in, false); err != nil {
		return in, err
	}
	if in.Approve == nil {
		return in, invalid("approve", "required", "approve is required (true to approve, false to reject)")
	}
	if len(in.Comment) > maxReason {
		return in, invalid("comment", "too_long", "comment is %d bytes (at most %d)", len(in.Comment), maxReason)
	}
	return in, nil
}

// DecodeDecision decodes a decision request: action is one of
// DecisionActions.
func DecodeDecision(body []byte) (DecisionInput, error) {
	var in DecisionInput
	if err := decodeBody(body, &in, false); err != nil {
		return in, err
	}
	if in.Action == "" {
		return in, invalid("action", "required", "action is required (one of %s)", strings.Join(DecisionActions, ", "))
	}
	if !slices.Contains(DecisionActions, in.Action) {
		return in, invalid("action", "invalid", "action %q is not one of %s", clip(in.Action), strings.Join(DecisionActions, ", "))
	}
	if len(in.Comment) > maxReason {
		return in, invalid("comment", "too_long", "comment is %d bytes (at most %d)", len(in.Comment), maxReason)
	}
	return in, nil
}

// DecodeCancel decodes a cancel request (the body is optional).
func DecodeCancel(body []byte) (CancelInput, error) {
	var in CancelInput
	if err := decodeBody(body, &in, true); err != nil {
		return in, err
	}
	if len(in.Reason) > maxReason {
		return in, invalid("reason", "too_long", "reason is %d bytes (at most %d)", len(in.Reason), maxReason)
	}
	return in, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return fmt.Sprint(s)
}
