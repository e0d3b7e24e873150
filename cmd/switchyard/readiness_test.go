package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/switchyard-dev/switchyard/shared/readiness"
)

const paymentsPlan = "../../examples/plans/payments.yaml"

// runCmd runs one command (not yet registered on the root) with args.
func runCmd(t *testing.T, newCmd func(streams) *cobra.Command, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	s := streams{out: &out, err: &errb}
	root := &cobra.Command{Use: "switchyard", SilenceUsage: true, SilenceErrors: true}
	root.SetOut(&out)
	root.SetErr(&errb)
	root.AddCommand(newCmd(s))
	root.SetArgs(args)
	err := root.ExecuteContext(t.Context())
	code = 0
	if err != nil {
		code = 2
		if ee, ok := err.(*exitError); ok {
			code = ee.code
		}
	}
	return code, out.String(), errb.String()
}

func TestReadinessCommand(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"healthy example is ready", nil, 0, "plan payments is ready to fail over into us-west-2"},
		{"region down", []string{"--fault", "region-down:us-west-2"}, 1, "us-west-2 does not answer: 7 call(s) could not connect"},
		{"access denied reaches the block checks", []string{"--fault", "error:api=DescribeServices,code=AccessDenied"}, 1, "the ecs-scale check of step scale-api failed: describing ECS service payments-usw2/payments-api in us-west-2"},
		{"lag spike", []string{"--fault", "lag-spike:cluster=payments-global,seconds=45,hold=600"}, 1, "replication lag into payments-usw2 is 45.8s, above the 30s the plan accepts"},
		{"capacity", []string{"--fault", "capacity:region=us-west-2,service=ecs,percent=40"}, 1, "us-west-2 can place only 40% of new ECS capacity"},
		{"missing secret", []string{"--secret", "payments/pagerduty-key"}, 1, "secret payments/pagerduty-key is missing in us-west-2"},
		{"control plane down", []string{"--fault", "control-plane-down:us-west-2"}, 1, "control-plane APIs in us-west-2 answer ServiceUnavailable (6 call(s))"},
		{"bad fault", []string{"--fault", "meteor:us-west-2"}, 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"readiness"}, tc.args...), paymentsPlan)
			code, out, errOut := runCmd(t, newReadinessCmd, args...)
			t.Log("\n" + out)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out)
			}
		})
	}
}

// TestReadinessExamplesReady: every example plan is ready on its own
// healthy world, the blocks' own checks included.
func TestReadinessExamplesReady(t *testing.T) {
	for _, f := range []string{"ledger-group.yaml", "payments.yaml", "storefront.yaml"} {
		t.Run(f, func(t *testing.T) {
			code, out, errOut := runCmd(t, newReadinessCmd, "readiness", "../../examples/plans/"+f)
			if code != 0 {
				t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if strings.Contains(out, "critical") || !strings.Contains(out, "is ready to fail over into") {
				t.Errorf("output:\n%s", out)
			}
		})
	}
}

func TestReadinessCommandJSON(t *testing.T) {
	code, out, _ := runCmd(t, newReadinessCmd, "readiness", "--json", "--target", "us-east-1", "--target", "us-west-2", paymentsPlan)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	var reps []readiness.Report
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatal(err)
	}
	if len(reps) != 2 || reps[0].Target != "us-east-1" || reps[1].Target != "us-west-2" || !reps[0].Ready {
		t.Fatalf("reports = %+v", reps)
	}
}

func TestCostCommand(t *testing.T) {
	code, out, errOut := runCmd(t, newCostCmd, "cost", paymentsPlan)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"plan payments: $", "per month", "of Region switch's $70 per plan per month", "readiness speed: ", "ratio",
		// Transitions come from a real local run, not the estimate.
		"measured on a local run of execute-plan into us-west-2"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	t.Log("\n" + out)
}
