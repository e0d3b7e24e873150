package devserver

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

func TestDefaultRegion(t *testing.T) {
	load := func(files ...string) []*plan.Plan {
		var out []*plan.Plan
		for _, f := range files {
			ps, err := plan.ParseFile("../../examples/plans/" + f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ps...)
		}
		return out
	}
	tests := []struct {
		name  string
		plans []*plan.Plan
		want  string
	}{
		{"payments fails over into us-west-2", load("payments.yaml"), "us-west-2"},
		{"storefront into eu-west-1", load("storefront.yaml"), "eu-west-1"},
		{"most plans win", load("storefront.yaml", "payments.yaml", "ledger-group.yaml"), "us-west-2"},
		{"no plans", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DefaultRegion(tc.plans); got != tc.want {
				t.Errorf("DefaultRegion = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCaller(t *testing.T) {
	tests := []struct{ header, want string }{
		{"arn:aws:iam::123456789012:role/payments-oncall", "arn:aws:iam::123456789012:role/payments-oncall"},
		{"  ", AnonymousPrincipal},
		{"", AnonymousPrincipal},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/v1/plans", nil)
			if tc.header != "" {
				r.Header.Set(PrincipalHeader, tc.header)
			}
			if got := Caller(r); got != tc.want {
				t.Errorf("Caller = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCompleteWorld: completeWorld adds the endpoints of the workflows an
// execution into the server's Region can run (executor.ResolveWorkflow),
// and only those.
func TestCompleteWorld(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		region string
		url    string
		want   bool
	}{
		{"payments failover probes the standby", "payments.yaml", "us-west-2", "https://api-usw2.payments.example.com/health/deep", true},
		{"payments failback does not probe the standby", "payments.yaml", "us-east-1", "https://api-usw2.payments.example.com/health/deep", false},
		{"storefront into us-east-1 probes us-east-1", "storefront.yaml", "us-east-1", "https://use1.storefront.example.com/healthz", true},
		{"storefront into eu-west-1 probes nothing in us-east-1", "storefront.yaml", "eu-west-1", "https://use1.storefront.example.com/healthz", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plans, err := plan.ParseFile("../../examples/plans/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			w, err := sim.New(sim.Options{Clock: clock.NewVirtual(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)), Regions: plans[0].Spec.Regions})
			if err != nil {
				t.Fatal(err)
			}
			if err := completeWorld(w, plans, tc.region); err != nil {
				t.Fatalf("completeWorld: %v", err)
			}
			_, err = w.EndpointStatus(tc.url)
			if got := err == nil; got != tc.want {
				t.Errorf("endpoint %s present = %v (%v), want %v", tc.url, got, err, tc.want)
			}
		})
	}
}
