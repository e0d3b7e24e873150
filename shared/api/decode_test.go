package api

import (
	"context"
	"errors"
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
