package controlplane

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/switchyard-dev/switchyard/shared/plan"
)

const testAccount = "123456789012"

func examplePermissions(t *testing.T, region string) PlanPermissions {
	t.Helper()
	set, err := LoadPlans(examplePlans)
	if err != nil {
		t.Fatal(err)
	}
	perms, err := PlanPermissionsFor(set, region, testAccount, DefaultPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := perms.Validate(); err != nil {
		t.Fatalf("derived permissions are invalid: %v", err)
	}
	return perms
}

func statement(perms PlanPermissions, sid string) (PlanStatement, bool) {
	for _, st := range perms {
		if st.Sid == sid {
			return st, true
		}
	}
	return PlanStatement{}, false
}

// TestPlanPermissionsExamples pins the exact statements of a few blocks for
// the example plans, Region by Region: what each Region's role may do is
// what the workflows executing there name, and nothing else.
func TestPlanPermissionsExamples(t *testing.T) {
	tests := []struct {
		region, sid string
		want        *PlanStatement // nil: the statement must be absent
	}{
		{"us-west-2", sidECSUpdateService, &PlanStatement{
			Actions: []string{"ecs:UpdateService"},
			Resources: []string{
				"arn:aws:ecs:us-west-2:123456789012:service/payments-usw2/payments-api",
				"arn:aws:ecs:us-west-2:123456789012:service/payments-usw2/settlement-worker",
			},
		}},
		// Failback scales only the API (not the settlement workers).
		{"us-east-1", sidECSUpdateService, &PlanStatement{
			Actions:   []string{"ecs:UpdateService"},
			Resources: []string{"arn:aws:ecs:us-east-1:123456789012:service/payments-use1/payments-api"},
		}},
		{"us-west-2", sidRDSSwitchover, &PlanStatement{
			Actions: []string{"rds:SwitchoverGlobalCluster"},
			Resources: []string{
				"arn:aws:rds::123456789012:global-cluster:ledger-global",
				"arn:aws:rds::123456789012:global-cluster:payments-global",
				"arn:aws:rds:us-east-1:123456789012:cluster:payments-use1",
				"arn:aws:rds:us-east-2:123456789012:cluster:ledger-use2",
				"arn:aws:rds:us-west-2:123456789012:cluster:ledger-usw2",
				"arn:aws:rds:us-west-2:123456789012:cluster:payments-usw2",
			},
		}},
		// Both ledger-core (within its 1 s maxDataLoss) and payments may fail
		// over with data loss into us-west-2.
		{"us-west-2", sidRDSFailover, &PlanStatement{
			Actions: []string{"rds:FailoverGlobalCluster"},
			Resources: []string{
				"arn:aws:rds::123456789012:global-cluster:ledger-global",
				"arn:aws:rds::123456789012:global-cluster:payments-global",
				"arn:aws:rds:us-east-1:123456789012:cluster:payments-use1",
				"arn:aws:rds:us-east-2:123456789012:cluster:ledger-use2",
				"arn:aws:rds:us-west-2:123456789012:cluster:ledger-usw2",
				"arn:aws:rds:us-west-2:123456789012:cluster:payments-usw2",
			},
		}},
		// Payments' failback refuses ungraceful mode.
		{"us-east-1", sidRDSFailover, nil},
		// Storefront's routing controls: its us-east-1 control is turned On
		// from us-east-1, and eu-west-1 is taken out from us-east-1.
		{"us-east-1", sidARCRoutingControls, &PlanStatement{
			Actions: []string{
				"route53-recovery-cluster:GetRoutingControlState",
				"route53-recovery-cluster:UpdateRoutingControlState",
				"route53-recovery-cluster:UpdateRoutingControlStates",
			},
			Resources: []string{
				"arn:aws:route53-recovery-control::123456789012:controlpanel/0f1e2d3c4b5a69788796a5b4c3d2e1f0/routingcontrol/a1b2c3d4e5f60718",
				"arn:aws:route53-recovery-control::123456789012:controlpanel/0f1e2d3c4b5a69788796a5b4c3d2e1f0/routingcontrol/b2c3d4e5f6071829",
			},
		}},
		{"us-west-2", sidARCRoutingControls, nil},
		{"us-west-2", sidStopPublish, &PlanStatement{
			Actions:   []string{"s3:GetObject", "s3:PutObject"},
			Resources: []string{"arn:aws:s3:::payments-failover-control-us-west-2/failover-active.flag"},
		}},
		{"us-east-1", sidStopWithdraw, &PlanStatement{
			Actions:   []string{"s3:DeleteObject", "s3:GetObject"},
			Resources: []string{"arn:aws:s3:::payments-failover-control-us-west-2/failover-active.flag"},
		}},
		{"us-west-2", sidLambdaInvoke, &PlanStatement{
			Actions:   []string{"lambda:InvokeFunction"},
			Resources: []string{"arn:aws:lambda:us-west-2:123456789012:function:ledger-cache-warmer"},
		}},
		{"us-west-2", sidAlarmsDescribe, &PlanStatement{
			Actions: []string{"cloudwatch:DescribeAlarms"},
			Resources: []string{
				"arn:aws:cloudwatch:us-west-2:123456789012:alarm:ledger-reporting-errors-usw2",
				"arn:aws:cloudwatch:us-west-2:123456789012:alarm:payments-api-5xx-usw2",
				"arn:aws:cloudwatch:us-west-2:123456789012:alarm:payments-api-health-usw2",
			},
		}},
		{"us-west-2", sidASGUpdate, &PlanStatement{
			Reason:    reasonASGByName,
			Actions:   []string{"autoscaling:UpdateAutoScalingGroup"},
			Resources: []string{"arn:aws:autoscaling:us-west-2:123456789012:autoScalingGroup:*:autoScalingGroupName/ledger-api-usw2"},
		}},
		{"us-west-2", sidMetrics, &PlanStatement{
			Reason:    reasonGetMetricData,
			Actions:   []string{"cloudwatch:GetMetricData"},
			Resources: []string{"*"},
		}},
		{"us-west-2", sidFenceSSM, &PlanStatement{
			Actions:   []string{"ssm:GetParameter", "ssm:PutParameter"},
			Resources: []string{"arn:aws:ssm:us-east-1:123456789012:parameter/payments/write-fence"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.region+"/"+tc.sid, func(t *testing.T) {
			got, ok := statement(examplePermissions(t, tc.region), tc.sid)
			if tc.want == nil {
				if ok {
					t.Fatalf("statement %s present (%v on %v), want none", tc.sid, got.Actions, got.Resources)
				}
				return
			}
			if !ok {
				t.Fatalf("no statement %s", tc.sid)
			}
			want := *tc.want
			want.Sid = tc.sid
			if !reflect.DeepEqual(got, want) {
				t.Errorf("statement %s:\n got %+v\nwant %+v", tc.sid, got, want)
			}
		})
	}
}

// TestPlanPermissionsPlacement checks, for every ARN the example plans name
// in a step, which configured Region's role may act on it: exactly the
// Regions whose workflows name it.
func TestPlanPermissionsPlacement(t *testing.T) {
	tests := []struct {
		arn  string
		want []string // Regions (of us-east-1, us-west-2) whose role names it
	}{
		// ledger fails over into us-west-2 only.
		{"arn:aws:rds:us-east-2:123456789012:cluster:ledger-use2", []string{"us-west-2"}},
		{"arn:aws:lambda:us-west-2:123456789012:function:ledger-cache-warmer", []string{"us-west-2"}},
		{"arn:aws:dynamodb:us-east-2:123456789012:table/ledger-control", []string{"us-west-2"}},
		// payments runs both ways; the settlement workers scale only on failover.
		{"arn:aws:ecs:us-west-2:123456789012:service/payments-usw2/settlement-worker", []string{"us-west-2"}},
		{"arn:aws:rds:us-west-2:123456789012:cluster:payments-usw2", []string{"us-east-1", "us-west-2"}},
		{"arn:aws:ssm:us-east-1:123456789012:parameter/payments/write-fence", []string{"us-west-2"}},
		{"arn:aws:cloudwatch:us-east-1:123456789012:alarm:payments-api-health-use1", []string{"us-east-1"}},
		// storefront (us-east-1, eu-west-1) never reaches the us-west-2 role.
		{"arn:aws:eks:eu-west-1:123456789012:cluster/storefront-euw1", []string{"us-east-1"}},
		{"arn:aws:dynamodb:us-east-1:123456789012:table/storefront-control", []string{"us-east-1"}},
		{"arn:aws:dynamodb:eu-west-1:123456789012:table/storefront-control", nil},
	}
	perms := map[string]PlanPermissions{}
	for _, r := range testRegions {
		perms[r] = examplePermissions(t, r)
	}
	for _, tc := range tests {
		t.Run(tc.arn, func(t *testing.T) {
			var got []string
			for _, r := range testRegions {
				for _, st := range perms[r] {
					if slices.Contains(st.Resources, tc.arn) {
						got = append(got, r)
						break
					}
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("named by the roles of %v, want %v", got, tc.want)
			}
		})
	}
	// No role names a resource of a plan that has no workflow executing in
	// its Region: us-west-2's role knows nothing of storefront.
	for _, st := range perms["us-west-2"] {
		for _, r := range st.Resources {
			if strings.Contains(r, "storefront") {
				t.Errorf("us-west-2 role names %s (storefront never executes in us-west-2)", r)
			}
		}
	}
}

// TestEveryBlockHasAnIAMMapping keeps the mapping complete: every block of
// plan.Blocks() is derived (only with its own actions) or delegated with a
// reason. A new block fails here, and synth, until it is mapped.
func TestEveryBlockHasAnIAMMapping(t *testing.T) {
	for _, b := range plan.Blocks() {
		t.Run(b.Name, func(t *testing.T) {
			d := &deriver{region: "us-east-1", account: testAccount, prefix: DefaultPrefix, partition: "aws", stmts: map[string]*PlanStatement{}}
			ref := plan.StepRef{Workflow: &plan.Workflow{Region: "us-east-1"}, Step: &plan.Step{Block: b.Name, With: b.New()}}
			if err := d.step(ref); err != nil {
				t.Fatal(err)
			}
			_, delegated := delegatedBlocks[b.Name]
			if delegated == (len(d.stmts) > 0) {
				t.Errorf("delegated = %v but %d statements derived", delegated, len(d.stmts))
			}
		})
	}
	t.Run("unknown block", func(t *testing.T) {
		d := &deriver{stmts: map[string]*PlanStatement{}}
		err := d.step(plan.StepRef{Workflow: &plan.Workflow{}, Step: &plan.Step{Block: "teleport"}})
		if err == nil || !strings.Contains(err.Error(), `unknown block "teleport"`) {
			t.Errorf("err = %v, want unknown block", err)
		}
	})
}

func TestPolicySize(t *testing.T) {
	perms := examplePermissions(t, "us-west-2")
	// The synthesized document measured 4668 characters; PolicySize writes
	// every Action and Resource as a list where CDK writes a lone string,
	// so it counts a little more (4718), never less.
	if got := perms.PolicySize(); got < 4668 || got > 5000 {
		t.Errorf("PolicySize = %d, want a little over 4668 (the synthesized policy document)", got)
	}
	big := PlanPermissions{{Sid: "Big", Actions: []string{"lambda:InvokeFunction"}}}
	for i := range 300 {
		big[0].Resources = append(big[0].Resources, fmt.Sprintf("arn:aws:lambda:us-west-2:123456789012:function:f%03d", i))
	}
	if got := big.PolicySize(); got <= MaxInlinePolicySize {
		t.Fatalf("PolicySize = %d, want over %d", got, MaxInlinePolicySize)
	}
}
