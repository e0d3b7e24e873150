package controlplane

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/switchyard-dev/switchyard/infra/plandelivery"
)

// planRole checks that the template's plan execution role policy holds
// exactly the statements derived from the plans for this Region.
func (c *stackCheck) planRole(t *testing.T) {
	roleID := logicalID(c.rs.Stack, c.rs.PlanRole.Role)
	got := map[string]PlanStatement{}
	for id, res := range resources(c.tmpl, "AWS::IAM::Policy") {
		p := props(res)
		attached := false
		for _, r := range asList(p["Roles"]) {
			if render(r) == "<ref:"+roleID+">" {
				attached = true
			}
		}
		if !attached {
			continue
		}
		for _, st := range asList(p["PolicyDocument"].(map[string]any)["Statement"]) {
			stmt := st.(map[string]any)
			if stmt["Effect"] != "Allow" {
				t.Errorf("policy %s: statement %v is not Allow", id, stmt)
			}
			sid, _ := stmt["Sid"].(string)
			ps := PlanStatement{Sid: sid}
			for _, a := range asList(stmt["Action"]) {
				ps.Actions = append(ps.Actions, render(a))
			}
			for _, r := range asList(stmt["Resource"]) {
				ps.Resources = append(ps.Resources, render(r))
			}
			slices.Sort(ps.Actions)
			slices.Sort(ps.Resources)
			got[sid] = ps
		}
	}
	want := map[string]PlanStatement{}
	for _, st := range c.rs.PlanRole.Permissions {
		st.Reason = ""
		want[st.Sid] = st
	}
	if len(want) == 0 {
		t.Fatal("the example plans derive no statement for this Region")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plan role statements:\n got %v\nwant %v", got, want)
	}
	// Every wildcard resource carries a cdk-nag suppression with its
	// statement's reason, on the role's policy.
	reasons := map[string]string{}
	for _, res := range resources(c.tmpl, "AWS::IAM::Policy") {
		if render(asList(props(res)["Roles"])[0]) != "<ref:"+roleID+">" {
			continue
		}
		md, _ := res["Metadata"].(map[string]any)
		nag, _ := md["cdk_nag"].(map[string]any)
		for _, r := range asList(nag["rules_to_suppress"]) {
			rule := r.(map[string]any)
			for _, a := range asList(rule["applies_to"]) {
				if rule["id"] == "AwsSolutions-IAM5" {
					reasons[fmt.Sprint(a)] = fmt.Sprint(rule["reason"])
				}
			}
		}
	}
	for _, st := range c.rs.PlanRole.Permissions {
		for _, r := range st.Resources {
			if strings.Contains(r, "*") && reasons["Resource::"+r] == "" {
				t.Errorf("statement %s: wildcard resource %s has no reasoned cdk-nag suppression", st.Sid, r)
			}
		}
	}
	// Spot-check against the plans themselves, independent of the deriver.
	svc := map[string]string{
		"us-east-1": "arn:aws:ecs:us-east-1:123456789012:service/payments-use1/payments-api",
		"us-west-2": "arn:aws:ecs:us-west-2:123456789012:service/payments-usw2/settlement-worker",
	}[c.region]
	if st := got[sidECSUpdateService]; !slices.Contains(st.Resources, svc) || !slices.Equal(st.Actions, []string{"ecs:UpdateService"}) {
		t.Errorf("statement %s = %+v, want ecs:UpdateService on %s", sidECSUpdateService, st, svc)
	}
}

// plansDelivered checks one Custom::SwitchyardPlan per plan, carrying its
// name, fingerprint and canonical JSON, served by the delivery function,
// whose role may only read and write items of this Region's table.
func (c *stackCheck) plansDelivered(t *testing.T) {
	pd := c.rs.PlanDelivery
	if pd == nil || pd.Function == nil {
		t.Fatal("no plan delivery")
	}
	fnArn := "<" + logicalID(c.rs.Stack, pd.Function) + ".Arn>"
	got := map[string]string{}
	for id, res := range resources(c.tmpl, plandelivery.ResourceType) {
		p := props(res)
		name, _ := p[plandelivery.PropName].(string)
		got[name], _ = p[plandelivery.PropVersion].(string)
		if render(p["ServiceToken"]) != fnArn {
			t.Errorf("%s: ServiceToken %s, want %s", id, render(p["ServiceToken"]), fnArn)
		}
		for _, dp := range c.s.plans.Plans {
			if dp.Name == name && p[plandelivery.PropDocument] != dp.Document {
				t.Errorf("%s: Document differs from the canonical JSON of %s", id, name)
			}
		}
	}
	if want := c.s.plans.Fingerprints(); !maps.Equal(got, want) {
		t.Errorf("delivered plans %v, want %v", got, want)
	}
	env := props(resources(c.tmpl, "AWS::Lambda::Function")[logicalID(c.rs.Stack, pd.Function)])["Environment"]
	if tbl := render(env.(map[string]any)["Variables"].(map[string]any)["SWITCHYARD_TABLE"]); tbl != "<ref:"+logicalID(c.rs.Stack, c.rs.Table)+">" {
		t.Errorf("delivery function's table = %s, want this Region's table", tbl)
	}
	roleID := ""
	for id, r := range resources(c.tmpl, "AWS::IAM::Role") {
		if fmt.Sprint(props(r)["Description"]) == "Execution role of the Switchyard plan delivery function (stores the deployed plans in this Region's table)." {
			roleID = id
		}
	}
	tableArn := "<" + logicalID(c.rs.Stack, c.rs.Table) + ".Arn>"
	var dynamo []string
	for _, res := range resources(c.tmpl, "AWS::IAM::Policy") {
		p := props(res)
		if len(asList(p["Roles"])) != 1 || render(asList(p["Roles"])[0]) != "<ref:"+roleID+">" {
			continue
		}
		for _, st := range asList(p["PolicyDocument"].(map[string]any)["Statement"]) {
			stmt := st.(map[string]any)
			for _, a := range asList(stmt["Action"]) {
				if s := fmt.Sprint(a); len(s) > 9 && s[:9] == "dynamodb:" {
					dynamo = append(dynamo, s)
					for _, r := range asList(stmt["Resource"]) {
						if render(r) != tableArn {
							t.Errorf("delivery role: %s on %s, want only the table %s", s, render(r), tableArn)
						}
					}
				}
			}
		}
	}
	slices.Sort(dynamo)
	if !slices.Equal(dynamo, []string{"dynamodb:GetItem", "dynamodb:PutItem"}) {
		t.Errorf("delivery role DynamoDB actions = %v, want GetItem and PutItem", dynamo)
	}
}

// TestPlansSameInEveryRegion: every Region's template delivers the same
// plan versions.
func TestPlansSameInEveryRegion(t *testing.T) {
	s := fixture(t)
	var first map[string]string
	for _, region := range testRegions {
		got := map[string]string{}
		for _, res := range resources(s.templates[region], plandelivery.ResourceType) {
			p := props(res)
			got[fmt.Sprint(p[plandelivery.PropName])] = fmt.Sprint(p[plandelivery.PropVersion])
		}
		if len(got) != len(s.plans.Plans) || len(got) == 0 {
			t.Fatalf("%s delivers %d plans, want %d", region, len(got), len(s.plans.Plans))
		}
		if first == nil {
			first = got
		} else if !maps.Equal(got, first) {
			t.Errorf("%s delivers %v; %s delivers %v", region, got, testRegions[0], first)
		}
	}
}
