package api

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/switchyard-dev/switchyard/shared/plan"
)

// onePlan serves a fixed plan for decoding tests.
type onePlan struct{ p *plan.Plan }

func (o onePlan) ListPlans(context.Context) ([]PlanSummary, error) { return nil, nil }
func (o onePlan) Plan(_ context.Context, name, _ string) (*plan.Plan, PlanSummary, error) {
	if name != o.p.Metadata.Name {
		return nil, PlanSummary{}, ErrNotFound
	}
	return o.p, PlanSummary{Name: name}, nil
}
func (o onePlan) Readiness(context.Context, string) ([]Readiness, error) { return nil, nil }

func loadPayments(t testing.TB) Plans {
	plans, err := plan.ParseFile("../../examples/plans/payments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return onePlan{plans[0]}
}

func TestPrincipalAllowed(t *testing.T) {
	allowed := []string{"arn:aws:iam::123456789012:role/ops/payments-oncall", "arn:aws:iam::123456789012:user/carol"}
	tests := []struct {
		caller string
		want   bool
	}{
		{"arn:aws:iam::123456789012:role/ops/payments-oncall", true},
		{"arn:aws:sts::123456789012:assumed-role/payments-oncall/alice", true},
		{"arn:aws:iam::123456789012:user/carol", true},
		{"arn:aws:sts::999999999999:assumed-role/payments-oncall/alice", false},
		{"arn:aws-cn:sts::123456789012:assumed-role/payments-oncall/alice", false},
		{"arn:aws:sts::123456789012:assumed-role/payments-oncall-2/alice", false},
		{"arn:aws:sts::123456789012:assumed-role/payments-oncall", false},
		{"arn:aws:sts::123456789012:federated-user/carol", false},
		{"arn:aws:iam::123456789012:user/carolx", false},
		{"", false},
		{"payments-oncall", false},
	}
	for _, tt := range tests {
		t.Run(tt.caller, func(t *testing.T) {
			if got := PrincipalAllowed(tt.caller, allowed); got != tt.want {
				t.Fatalf("PrincipalAllowed(%q) = %v", tt.caller, got)
			}
		})
	}
}

func FuzzDecodeStart(f *testing.F) {
	plans := loadPayments(f)
	f.Add([]byte(`{"plan":"payments","target":"us-west-2","mode":"ungraceful","clientToken":"a-1","reason":"x"}`))
	f.Add([]byte(`{"plan":"payments","target":"us-east-1"}`))
	f.Add([]byte(`{"plan":"payments","target":"us-west-2","workflow":"failback-to-us-east-1"}`))
	f.Add([]byte(`{"plan":"payments","target":"us-east-1","workflow":"failback-to-us-east-1"}`))
	f.Add([]byte(`{"plan":"payments","target":"us-west-2","target":"eu-west-1"}`))
	f.Add([]byte(`{"plan":"payments","target":"us-west-2"}{`))
	f.Add([]byte(`{"plan":null,"target":[1]}`))
	f.Add([]byte(`"\ud800"`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := DecodeStart(t.Context(), plans, body)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Message == "" {
				t.Fatalf("error %v is not a described *InputError", err)
			}
			return
		}
		if in.Plan != "payments" || (in.Target != "us-west-2" && in.Target != "us-east-1") || (in.Mode != "graceful" && in.Mode != "ungraceful") {
			t.Fatalf("accepted invalid start %+v", in)
		}
	})
}

func FuzzDecodeSteer(f *testing.F) {
	f.Add([]byte(`{"approve":true,"comment":"ok"}`))
	f.Add([]byte(`{"action":"retry"}`))
	f.Add([]byte(`{"reason":"r"}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		var ie *InputError
		if a, err := DecodeApprove(body); err == nil && a.Approve == nil {
			t.Fatal("approve accepted without approve")
		} else if err != nil && !errors.As(err, &ie) {
			t.Fatalf("approve: %v", err)
		}
		if d, err := DecodeDecision(body); err == nil {
			switch d.Action {
			case "retry", "skip", "ungraceful", "abort":
			default:
				t.Fatalf("decision accepted action %q", d.Action)
			}
		} else if !errors.As(err, &ie) {
			t.Fatalf("decision: %v", err)
		}
		if _, err := DecodeCancel(body); err != nil && !errors.As(err, &ie) {
			t.Fatalf("cancel: %v", err)
		}
	})
}

// plansByName serves fixed plans for decoding tests.
type plansByName map[string]*plan.Plan

func (m plansByName) ListPlans(context.Context) ([]PlanSummary, error) { return nil, nil }
func (m plansByName) Plan(_ context.Context, name, _ string) (*plan.Plan, PlanSummary, error) {
	p, ok := m[name]
	if !ok {
		return nil, PlanSummary{}, ErrNotFound
	}
	return p, PlanSummary{Name: name}, nil
}
func (m plansByName) Readiness(context.Context, string) ([]Readiness, error) { return nil, nil }

func TestDecodeStartWorkflow(t *testing.T) {
	plans := plansByName{}
	for _, f := range []string{"payments.yaml", "storefront.yaml"} {
		ps, err := plan.ParseFile("../../examples/plans/" + f)
		if err != nil {
			t.Fatal(err)
		}
		plans[ps[0].Metadata.Name] = ps[0]
	}
	// oneway is payments without its failback: nothing moves into us-east-1.
	oneway := *plans["payments"]
	oneway.Metadata.Name = "oneway"
	oneway.Spec.Workflows = nil
	for _, w := range plans["payments"].Spec.Workflows {
		if w.Region == "us-west-2" {
			oneway.Spec.Workflows = append(oneway.Spec.Workflows, w)
		}
	}
	plans["oneway"] = &oneway

	tests := []struct {
		name      string
		body      string
		wantField string // "": accepted
		wantCode  string
		wantMsg   string // substring of the message
		// wantWorkflow is the workflow passed on when accepted ("": none checked).
		wantWorkflow string
	}{
		{name: "default workflow", body: `{"plan":"payments","target":"us-west-2"}`},
		{name: "default workflow named", body: `{"plan":"payments","target":"us-west-2","workflow":"failover-to-us-west-2"}`},
		{name: "active-active default", body: `{"plan":"storefront","target":"us-east-1"}`},
		{name: "active-active default named", body: `{"plan":"storefront","target":"us-east-1","workflow":"deactivate-eu-west-1"}`},
		{
			name: "workflow into another Region", body: `{"plan":"payments","target":"us-west-2","workflow":"failback-to-us-east-1"}`,
			wantField: "workflow", wantCode: "invalid_workflow", wantMsg: "not into us-west-2; workflows into us-west-2: failover-to-us-west-2",
		},
		{
			name: "unknown workflow", body: `{"plan":"payments","target":"us-west-2","workflow":"failover"}`,
			wantField: "workflow", wantCode: "invalid_workflow", wantMsg: `has no workflow "failover" (it has: failover-to-us-west-2 (activate us-west-2)`,
		},
		{
			name: "not a workflow name", body: `{"plan":"payments","target":"us-west-2","workflow":"Fail over!"}`,
			wantField: "workflow", wantCode: "invalid", wantMsg: "is not a workflow name",
		},
		{
			name: "wrong type", body: `{"plan":"payments","target":"us-west-2","workflow":7}`,
			wantField: "workflow", wantCode: "invalid_type", wantMsg: "must be a string",
		},
		{name: "non-default workflow named", body: `{"plan":"storefront","target":"us-east-1","workflow":"activate-us-east-1"}`,
			wantWorkflow: "activate-us-east-1"},
		{
			name: "no workflow into the target", body: `{"plan":"oneway","target":"us-east-1"}`,
			wantField: "target", wantCode: "no_workflow", wantMsg: `no workflow that moves traffic into "us-east-1" (allowed: us-west-2)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := DecodeStart(t.Context(), plans, []byte(tt.body))
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("DecodeStart: %v", err)
				}
				if in.Mode != "graceful" {
					t.Errorf("mode = %q, want graceful", in.Mode)
				}
				if tt.wantWorkflow != "" && in.Workflow != tt.wantWorkflow {
					t.Errorf("workflow passed on = %q, want %q", in.Workflow, tt.wantWorkflow)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v (%T), want *InputError on %s", err, err, tt.wantField)
			}
			if ie.Field != tt.wantField || ie.Code != tt.wantCode || !strings.Contains(ie.Message, tt.wantMsg) {
				t.Fatalf("error field %q code %q message %q, want field %q code %q message containing %q",
					ie.Field, ie.Code, ie.Message, tt.wantField, tt.wantCode, tt.wantMsg)
			}
		})
	}
}
