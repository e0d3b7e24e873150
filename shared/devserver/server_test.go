package devserver

import (
	"net/http/httptest"
	"testing"

	"github.com/switchyard-dev/switchyard/shared/plan"
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
