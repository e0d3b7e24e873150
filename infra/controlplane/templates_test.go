package controlplane

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/switchyard-dev/switchyard/shared/lambdaenv"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// TestTemplates checks every Region's template of the fixture app and of the
// repository's own app against the acceptance list. The fixture
// proves each check bites today; the repository run covers whatever has
// landed in functions/, statemachines/ and events/rules/.
func TestTemplates(t *testing.T) {
	apps := []struct {
		name string
		get  func(*testing.T) *synthesized
	}{
		{"fixture", fixture},
		{"repository", repo},
	}
	for _, app := range apps {
		t.Run(app.name, func(t *testing.T) {
			s := app.get(t)
			if len(s.stacks) != len(testRegions) {
				t.Fatalf("got %d stacks, want one per Region %v", len(s.stacks), testRegions)
			}
			for _, rs := range s.stacks {
				region := *rs.Stack.Region()
				t.Run(region, func(t *testing.T) {
					c := &stackCheck{s: s, rs: rs, region: region, tmpl: s.templates[region], assert: s.assert[region]}
					t.Run("table", c.table)
					t.Run("functions", c.functions)
					t.Run("state machines", c.stateMachines)
					t.Run("rules", c.rules)
					t.Run("readiness schedule", c.schedule)
					t.Run("apis", c.apis)
					t.Run("secrets", c.secrets)
					t.Run("dashboard", c.dashboard)
					t.Run("alarms", c.alarms)
					t.Run("no other Region", c.noOtherRegion)
					t.Run("iam", c.iam)
					t.Run("control-plane reads", c.controlPlaneReads)
					t.Run("plan role", c.planRole)
					t.Run("plans", c.plansDelivered)
					t.Run("cdk-nag", c.nag)
				})
			}
		})
	}
}

// TestFixtureIsNotEmpty keeps the fixture meaningful: every loop in
// TestTemplates must have something to check.
func TestFixtureIsNotEmpty(t *testing.T) {
	s := fixture(t)
	if len(s.src.Functions) != 5 || len(s.src.StateMachines) != 2 || len(s.src.Pending) != 1 || len(s.src.Rules) != 2 || len(s.src.Schedules) != 1 {
		t.Fatalf("fixture has %d functions, %d state machines (%d pending), %d rules, %d schedules; want 5, 2 (1), 2, 1",
			len(s.src.Functions), len(s.src.StateMachines), len(s.src.Pending), len(s.src.Rules), len(s.src.Schedules))
	}
	if p := s.src.Pending[0]; p.Name != runStep || !slices.Equal(p.Missing, []string{"functions/step"}) {
		t.Errorf("pending = %s waiting for %v, want run-step waiting for [functions/step]", p.Name, p.Missing)
	}
	east := s.templates["us-east-1"]
	if raw, _ := json.Marshal(east); !strings.Contains(string(raw), crossRegionPlanTarget) {
		t.Errorf("the plan permission's cross-Region target %s is missing from the us-east-1 template", crossRegionPlanTarget)
	}
}

type stackCheck struct {
	s      *synthesized
	rs     *RegionStack
	region string
	tmpl   map[string]any
	assert assertions.Template
}

func (c *stackCheck) table(t *testing.T) {
	tables := resources(c.tmpl, "AWS::DynamoDB::Table")
	if len(tables) != 1 {
		t.Fatalf("got %d tables, want 1", len(tables))
	}
	jsiiCheck(t, "table properties", func() {
		c.assert.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"BillingMode": "PAY_PER_REQUEST",
			"KeySchema": []any{
				map[string]any{"AttributeName": store.AttrPK, "KeyType": "HASH"},
				map[string]any{"AttributeName": store.AttrSK, "KeyType": "RANGE"},
			},
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			"SSESpecification": map[string]any{
				"SSEEnabled": true, "SSEType": "KMS",
				"KMSMasterKeyId": map[string]any{"Fn::GetAtt": []any{logicalID(c.rs.Stack, c.rs.Key), "Arn"}},
			},
			"TimeToLiveSpecification": map[string]any{"AttributeName": store.AttrTTL, "Enabled": true},
			"GlobalSecondaryIndexes": []any{map[string]any{
				"IndexName": store.IndexGSI1,
				"KeySchema": []any{
					map[string]any{"AttributeName": store.AttrGSI1PK, "KeyType": "HASH"},
					map[string]any{"AttributeName": store.AttrGSI1SK, "KeyType": "RANGE"},
				},
				"Projection": map[string]any{"ProjectionType": "ALL"},
			}},
		})
	})
	jsiiCheck(t, "customer-managed key with rotation", func() {
		c.assert.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{"EnableKeyRotation": true})
	})
}

func (c *stackCheck) functions(t *testing.T) {
	fns := resources(c.tmpl, "AWS::Lambda::Function")
	want := len(c.s.src.Functions)
	if len(c.s.plans.Plans) > 0 {
		want++ // the plan delivery function
	}
	if len(fns) != want {
		t.Errorf("got %d functions, want %d (one per functions/*/main.go, and plan delivery)", len(fns), want)
	}
	tableRef := map[string]any{"Ref": logicalID(c.rs.Stack, c.rs.Table)}
	busRef := map[string]any{"Ref": logicalID(c.rs.Stack, c.rs.Bus)}
	for _, f := range c.s.src.Functions {
		t.Run(f.Name, func(t *testing.T) {
			fnID := logicalID(c.rs.Stack, c.rs.Functions[f.Name])
			res, ok := fns[fnID]
			if !ok {
				t.Fatalf("no AWS::Lambda::Function %s for functions/%s", fnID, f.Name)
			}
			p := props(res)
			want := map[string]any{
				"Runtime":       "provided.al2023",
				"Architectures": []any{"arm64"},
				"Handler":       "bootstrap",
				"MemorySize":    float64(f.Settings.MemoryMiB),
				"Timeout":       f.Settings.Timeout.Seconds(),
				"TracingConfig": map[string]any{"Mode": "Active"},
			}
			for k, v := range want {
				if !reflect.DeepEqual(p[k], v) {
					t.Errorf("%s = %v, want %v", k, p[k], v)
				}
			}
			if f.Settings.ReservedConcurrency > 0 {
				if got := p["ReservedConcurrentExecutions"]; got != float64(f.Settings.ReservedConcurrency) {
					t.Errorf("ReservedConcurrentExecutions = %v, want %d", got, f.Settings.ReservedConcurrency)
				}
			} else if _, set := p["ReservedConcurrentExecutions"]; set {
				t.Errorf("ReservedConcurrentExecutions set, but the settings table reserves none")
			}
			logging, _ := p["LoggingConfig"].(map[string]any)
			if logging["LogFormat"] != "JSON" || logging["LogGroup"] == nil {
				t.Errorf("LoggingConfig = %v, want JSON into its own log group", logging)
			}
			env := p["Environment"].(map[string]any)["Variables"].(map[string]any)
			for k, v := range map[string]any{lambdaenv.TableName: tableRef, lambdaenv.EventBusName: busRef, lambdaenv.Region: c.region} {
				if !reflect.DeepEqual(env[k], v) {
					t.Errorf("env %s = %v, want %v", k, env[k], v)
				}
			}
			a := f.Settings.Access
			if _, ok := env[lambdaenv.SlackSigningSecretArn]; ok != (a.SlackSigningSecret || a.DescribeSecrets) {
				t.Errorf("env %s present = %v, want %v (settings table)", lambdaenv.SlackSigningSecretArn, ok, a.SlackSigningSecret || a.DescribeSecrets)
			}
			wantRole := ""
			if a.SimulatePlanRole || a.AssumePlanRole {
				wantRole = "<" + logicalID(c.rs.Stack, c.rs.PlanRole.Role) + ".Arn>"
			}
			if got := render(env[lambdaenv.ExecutionRoleArn]); env[lambdaenv.ExecutionRoleArn] != nil && got != wantRole || env[lambdaenv.ExecutionRoleArn] == nil && wantRole != "" {
				t.Errorf("env %s = %v, want %q", lambdaenv.ExecutionRoleArn, env[lambdaenv.ExecutionRoleArn], wantRole)
			}
			wantPeers := ""
			if a.ReadPeerTables && c.s.cfg.PeerReads {
				wantPeers = lambdaenv.FormatPeerTables(PeerTableNames(c.s.cfg, c.region))
			}
			if got, _ := env[lambdaenv.PeerTables].(string); got != wantPeers {
				t.Errorf("env %s = %q, want %q", lambdaenv.PeerTables, got, wantPeers)
			}
			if c.s.src.HasStateMachine(executePlan) {
				if got := render(env[lambdaenv.ExecutePlanStateMachineArn]); got != c.smArn(executePlan) {
					t.Errorf("env %s = %s, want %s", lambdaenv.ExecutePlanStateMachineArn, got, c.smArn(executePlan))
				}
			}
		})
	}
	for id, lg := range resources(c.tmpl, "AWS::Logs::LogGroup") {
		if props(lg)["RetentionInDays"] == nil {
			t.Errorf("log group %s keeps logs forever; want a retention", id)
		}
	}
}

func (c *stackCheck) smArn(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:123456789012:stateMachine:%s", c.region, stateMachineName(c.s.cfg, name))
}

// expected is what a ${name} must resolve to in this stack, rendered by
// render.
func (c *stackCheck) expected(t *testing.T, name string) string {
	st := c.rs.Stack
	switch name {
	case SubstTableName:
		return "<ref:" + logicalID(st, c.rs.Table) + ">"
	case SubstTableArn:
		return "<" + logicalID(st, c.rs.Table) + ".Arn>"
	case SubstEventBusName:
		return "<ref:" + logicalID(st, c.rs.Bus) + ">"
	case SubstEventBusArn:
		return "<" + logicalID(st, c.rs.Bus) + ".Arn>"
	case SubstPlanExecutionRoleArn:
		return "<" + logicalID(st, c.rs.PlanRole.Role) + ".Arn>"
	}
	if fn, ok := functionForSubstitution(name); ok {
		return "<" + logicalID(st, c.rs.Functions[fn]) + ".Arn>"
	}
	if sm, ok := c.s.src.stateMachineForSubstitution(name); ok {
		return c.smArn(sm)
	}
	t.Fatalf("no expected value for ${%s}", name)
	return ""
}

func (c *stackCheck) stateMachines(t *testing.T) {
	sms := resources(c.tmpl, "AWS::StepFunctions::StateMachine")
	if len(sms) != len(c.s.src.StateMachines) {
		t.Errorf("got %d state machines, want %d (one per statemachines/*.asl.json)", len(sms), len(c.s.src.StateMachines))
	}
	for _, p := range c.s.src.Pending {
		if _, ok := c.rs.StateMachines[p.Name]; ok {
			t.Errorf("%s is deployed, but it waits for %v", p.Path, p.Missing)
		}
	}
	for _, m := range c.s.src.StateMachines {
		t.Run(m.Name, func(t *testing.T) {
			res, ok := sms[logicalID(c.rs.Stack, c.rs.StateMachines[m.Name])]
			if !ok {
				t.Fatalf("no state machine for %s", m.Path)
			}
			p := props(res)
			file, err := os.ReadFile(filepath.Join(c.s.root, m.Path))
			if err != nil {
				t.Fatal(err)
			}
			if p["DefinitionString"] != string(file) {
				t.Errorf("DefinitionString differs from %s", m.Path)
			}
			subs, _ := p["DefinitionSubstitutions"].(map[string]any)
			if got := sortedKeys(subs); !slices.Equal(got, m.Uses) && !(len(got) == 0 && len(m.Uses) == 0) {
				t.Errorf("DefinitionSubstitutions keys = %v, want the placeholders %s uses: %v", got, m.Path, m.Uses)
			}
			// After substitution, the deployed definition equals the file
			// with each placeholder replaced by the resource it must name.
			deployed, want := p["DefinitionString"].(string), string(file)
			for _, name := range m.Uses {
				deployed = strings.ReplaceAll(deployed, "${"+name+"}", render(subs[name]))
				want = strings.ReplaceAll(want, "${"+name+"}", c.expected(t, name))
			}
			var got, exp any
			if err := json.Unmarshal([]byte(deployed), &got); err != nil {
				t.Fatalf("definition after substitution is not JSON: %v", err)
			}
			if err := json.Unmarshal([]byte(want), &exp); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, exp) {
				t.Errorf("definition after substitution:\n%s\nwant:\n%s", deployed, want)
			}
			logging, _ := p["LoggingConfiguration"].(map[string]any)
			if logging["Level"] != "ALL" || logging["IncludeExecutionData"] != false {
				t.Errorf("LoggingConfiguration = %v, want Level ALL without execution data", logging)
			}
			if tr, _ := p["TracingConfiguration"].(map[string]any); tr["Enabled"] != true {
				t.Errorf("TracingConfiguration = %v, want enabled", tr)
			}
		})
	}
}

func (c *stackCheck) rules(t *testing.T) {
	for _, r := range c.s.src.Rules {
		t.Run(r.Name, func(t *testing.T) {
			res, ok := resources(c.tmpl, "AWS::Events::Rule")[logicalID(c.rs.Stack, c.rs.Rules[r.Name])]
			if !ok {
				t.Fatalf("no rule for %s", r.Path)
			}
			p := props(res)
			data, err := os.ReadFile(filepath.Join(c.s.root, r.Path))
			if err != nil {
				t.Fatal(err)
			}
			var want any
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p["EventPattern"], want) {
				t.Errorf("EventPattern = %v, want the content of %s: %v", p["EventPattern"], r.Path, want)
			}
			_, onOwnBus := p["EventBusName"]
			if onOwnBus != (r.Target.Bus == SwitchyardBus) {
				t.Errorf("EventBusName set = %v, want %v", onOwnBus, r.Target.Bus == SwitchyardBus)
			}
			var wantTargets []string
			for _, name := range r.Target.Functions {
				if fn, landed := c.rs.Functions[name]; landed {
					wantTargets = append(wantTargets, "<"+logicalID(c.rs.Stack, fn)+".Arn>")
				}
			}
			targets, _ := p["Targets"].([]any)
			var got []string
			for _, tg := range targets {
				got = append(got, render(tg.(map[string]any)["Arn"]))
			}
			if !slices.Equal(got, wantTargets) {
				t.Errorf("targets = %v, wantTargets the landed functions of %v: %v", got, r.Target.Functions, wantTargets)
			}
		})
	}
}

func (c *stackCheck) schedule(t *testing.T) {
	rule, ok := c.rs.Schedules[readinessSchedule]
	if !ok {
		t.Fatal("no readiness schedule")
	}
	p := props(resources(c.tmpl, "AWS::Events::Rule")[logicalID(c.rs.Stack, rule)])
	want := rateExpression(DefaultReadinessInterval)
	for _, sc := range c.s.src.Schedules {
		if sc.Name == readinessSchedule {
			want = sc.Expression
		}
	}
	if c.s.cfg.ReadinessInterval > 0 {
		want = rateExpression(c.s.cfg.ReadinessInterval)
	}
	if p["ScheduleExpression"] != want {
		t.Errorf("readiness ScheduleExpression = %v, want %s", p["ScheduleExpression"], want)
	}
	targets, _ := p["Targets"].([]any)
	// The schedule drives readiness and the trigger's hold-deadline
	// re-checks, each once it has landed.
	var wantTargets []string
	for _, name := range scheduleTargets[readinessSchedule] {
		if fn, ok := c.rs.Functions[name]; ok {
			wantTargets = append(wantTargets, "<"+logicalID(c.rs.Stack, fn)+".Arn>")
		}
	}
	var gotTargets []string
	for _, tg := range targets {
		gotTargets = append(gotTargets, render(tg.(map[string]any)["Arn"]))
	}
	if !slices.Equal(gotTargets, wantTargets) {
		t.Errorf("schedule targets = %v, want %v (%v, those landed)", gotTargets, wantTargets, scheduleTargets[readinessSchedule])
	}
	if len(c.rs.Schedules) != max(1, len(c.s.src.Schedules)) {
		t.Errorf("got %d schedules, want one per events/schedules file (and the readiness one)", len(c.rs.Schedules))
	}
}

func (c *stackCheck) apis(t *testing.T) {
	controlID := logicalID(c.rs.Stack, c.rs.API.Control)
	slackID := logicalID(c.rs.Stack, c.rs.API.Slack)
	var controlRoutes, slackRoutes int
	for id, r := range resources(c.tmpl, "AWS::ApiGatewayV2::Route") {
		p := props(r)
		switch render(p["ApiId"]) {
		case "<ref:" + controlID + ">":
			controlRoutes++
			if p["AuthorizationType"] != "AWS_IAM" {
				t.Errorf("control API route %s (%v): AuthorizationType %v, want AWS_IAM", id, p["RouteKey"], p["AuthorizationType"])
			}
		case "<ref:" + slackID + ">":
			slackRoutes++
			if p["RouteKey"] != "POST "+SlackInteractionsPath {
				t.Errorf("Slack API route %v, want only POST %s", p["RouteKey"], SlackInteractionsPath)
			}
		default:
			t.Errorf("route %s belongs to no known API", id)
		}
	}
	if _, ok := c.rs.Functions[apiFunction]; ok && controlRoutes == 0 {
		t.Error("functions/api exists but the control API has no route")
	}
	if _, ok := c.rs.Functions[slackFunction]; ok && slackRoutes != 1 {
		t.Errorf("functions/slack exists; Slack API has %d routes, want 1", slackRoutes)
	}
	stages := resources(c.tmpl, "AWS::ApiGatewayV2::Stage")
	if len(stages) != 2 {
		t.Fatalf("got %d stages, want 2", len(stages))
	}
	for id, st := range stages {
		p := props(st)
		als, _ := p["AccessLogSettings"].(map[string]any)
		if als["DestinationArn"] == nil || !strings.Contains(fmt.Sprint(als["Format"]), "$context.requestId") {
			t.Errorf("stage %s: AccessLogSettings = %v, want a log group and a format with the request id", id, als)
		}
		rs, _ := p["DefaultRouteSettings"].(map[string]any)
		want := map[string]any{"ThrottlingRateLimit": float64(ControlAPIRateLimit), "ThrottlingBurstLimit": float64(ControlAPIBurstLimit)}
		if render(p["ApiId"]) == "<ref:"+slackID+">" {
			want = map[string]any{"ThrottlingRateLimit": float64(SlackRateLimit), "ThrottlingBurstLimit": float64(SlackBurstLimit)}
		}
		for k, v := range want {
			if rs[k] != v {
				t.Errorf("stage %s: %s = %v, want %v", id, k, rs[k], v)
			}
		}
	}
	outputs := c.tmpl["Outputs"].(map[string]any)
	for name, suffix := range map[string]string{"ControlApiUrl": "/", "SlackInteractivityUrl": SlackInteractionsPath} {
		o, ok := outputs[name].(map[string]any)
		if !ok {
			t.Errorf("no output %s", name)
			continue
		}
		url := render(o["Value"])
		if !strings.HasPrefix(url, "https://") || !strings.Contains(url, ".execute-api."+c.region+".") || !strings.HasSuffix(url, suffix) {
			t.Errorf("output %s = %s, want https://….execute-api.%s.…%s", name, url, c.region, suffix)
		}
	}
}

func (c *stackCheck) secrets(t *testing.T) {
	secrets := resources(c.tmpl, "AWS::SecretsManager::Secret")
	for _, s := range []string{logicalID(c.rs.Stack, c.rs.SigningSecret), logicalID(c.rs.Stack, c.rs.BotToken)} {
		res, ok := secrets[s]
		if !ok {
			t.Errorf("no secret %s", s)
			continue
		}
		if props(res)["ReplicaRegions"] != nil {
			t.Errorf("secret %s is replicated; each Region owns its own (no cross-Region read at run time)", s)
		}
	}
}

func (c *stackCheck) dashboard(t *testing.T) {
	dashboards := resources(c.tmpl, "AWS::CloudWatch::Dashboard")
	if len(dashboards) != 1 {
		t.Fatalf("got %d dashboards, want 1", len(dashboards))
	}
	for _, d := range dashboards {
		body := render(props(d)["DashboardBody"])
		for _, want := range []string{"Executions", "Step durations", MetricStepDuration, "Readiness per plan", MetricReady, "Approvals", MetricApprovalsPending, "Errors", "Control-plane alarms"} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard has no %q", want)
			}
		}
	}
}

func (c *stackCheck) alarms(t *testing.T) {
	alarms := resources(c.tmpl, "AWS::CloudWatch::Alarm")
	want := len(c.s.src.Functions) + len(c.s.src.StateMachines) + 1
	if len(alarms) != want {
		t.Errorf("got %d alarms, want %d (errors per function, failed executions per state machine, readiness regression)", len(alarms), want)
	}
	keys := []string{"readiness-regression"}
	for _, f := range c.s.src.Functions {
		keys = append(keys, "errors-"+f.Name)
	}
	for _, m := range c.s.src.StateMachines {
		keys = append(keys, "failed-executions-"+m.Name)
	}
	topic := "<ref:" + logicalID(c.rs.Stack, c.rs.Observability.Topic) + ">"
	for _, k := range keys {
		a, ok := c.rs.Observability.Alarms[k]
		if !ok {
			t.Errorf("no alarm %s", k)
			continue
		}
		res := alarms[logicalID(c.rs.Stack, a)]
		actions, _ := props(res)["AlarmActions"].([]any)
		if len(actions) != 1 || render(actions[0]) != topic {
			t.Errorf("alarm %s actions = %v, want the alarm topic", k, actions)
		}
	}
	if a, ok := c.rs.Observability.Alarms["readiness-regression"]; ok {
		if got := render(props(alarms[logicalID(c.rs.Stack, a)])); !strings.Contains(got, `"MetricName":"`+MetricPlansNotReady+`"`) {
			t.Errorf("readiness regression alarm = %s, want it on %s", got, MetricPlansNotReady)
		}
	}
}

// noOtherRegion walks every string of the template: none may name another
// configured Region, except the ARNs the plans name as their own targets (in
// this Region's plan execution role) and the plan documents delivered to the
// table.
func (c *stackCheck) noOtherRegion(t *testing.T) {
	allowed := map[string]bool{}
	for _, st := range c.rs.PlanRole.Permissions {
		for _, r := range st.Resources {
			allowed[r] = true
			allowed["Resource::"+r] = true // its cdk-nag suppression
		}
	}
	for _, p := range c.s.plans.Plans {
		allowed[p.Document] = true
	}
	// The functions' deliberate cross-Region reads (reads.go): alarms the
	// plans name, the peer tables and their keys.
	for _, x := range c.rs.CrossRegionReads {
		allowed[x] = true
		allowed["Resource::"+x] = true
	}
	check := func(path, s string) {
		for _, other := range testRegions {
			if other != c.region && strings.Contains(s, other) && !allowed[s] {
				t.Errorf("%s names Region %s: %q", path, other, clipForTest(s))
			}
		}
	}
	walkStrings(c.tmpl, "", func(path, s string) {
		// A state machine definition is checked value by value, except its
		// Comment fields: documentation such as an example input
		// ({"target": "us-west-2"}) names no resource. Everything else in it
		// (ARNs, parameters, substitutions) is checked like any string.
		var def map[string]any
		if strings.HasSuffix(path, "/DefinitionString") && json.Unmarshal([]byte(s), &def) == nil {
			walkStrings(def, path, func(p, v string) {
				if !strings.HasSuffix(p, "/Comment") {
					check(p, v)
				}
			})
			return
		}
		check(path, s)
	})
}

func clipForTest(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// iam checks every policy statement: no "*" or "service:*" action, and "*"
// as a resource only for actions IAM cannot scope.
func (c *stackCheck) iam(t *testing.T) {
	unscoped := map[string]bool{
		"xray:PutTraceSegments": true, "xray:PutTelemetryRecords": true,
		"xray:GetSamplingRules": true, "xray:GetSamplingTargets": true,
		"logs:CreateLogDelivery": true, "logs:GetLogDelivery": true, "logs:UpdateLogDelivery": true,
		"logs:DeleteLogDelivery": true, "logs:ListLogDeliveries": true, "logs:PutResourcePolicy": true,
		"logs:DescribeResourcePolicies": true, "logs:DescribeLogGroups": true,
	}
	for a := range unscopedActions {
		unscoped[a] = true
	}
	var n int
	for id, r := range c.tmpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		typ := res["Type"].(string)
		p := props(res)
		var docs []any
		switch typ {
		case "AWS::IAM::Policy":
			docs = append(docs, p["PolicyDocument"])
		case "AWS::IAM::Role":
			for _, pol := range asList(p["Policies"]) {
				docs = append(docs, pol.(map[string]any)["PolicyDocument"])
			}
		case "AWS::SNS::TopicPolicy":
			docs = append(docs, p["PolicyDocument"])
		case "AWS::KMS::Key":
			docs = append(docs, p["KeyPolicy"])
		}
		for _, d := range docs {
			for _, st := range asList(d.(map[string]any)["Statement"]) {
				n++
				stmt := st.(map[string]any)
				actions := asList(stmt["Action"])
				for _, a := range actions {
					s := fmt.Sprint(a)
					if s == "kms:*" && typ == "AWS::KMS::Key" && isAccountRoot(stmt["Principal"]) {
						// The key policy's documented default statement: it
						// delegates the key to the account's IAM policies
						// (without it the key becomes unmanageable).
						continue
					}
					if s == "*" || strings.HasSuffix(s, ":*") {
						t.Errorf("%s (%s): statement allows action %q", id, typ, s)
					}
				}
				if typ != "AWS::IAM::Policy" && typ != "AWS::IAM::Role" {
					continue // resource policies: "*" means the resource itself
				}
				for _, res := range asList(stmt["Resource"]) {
					if res != "*" {
						continue
					}
					for _, a := range actions {
						if !unscoped[fmt.Sprint(a)] {
							t.Errorf("%s: action %v on resource \"*\", but it can be scoped", id, a)
						}
					}
				}
			}
		}
	}
	if n == 0 {
		t.Error("found no IAM statements at all")
	}
}

func (c *stackCheck) nag(t *testing.T) {
	if errs := NagErrors(c.s.asm); len(errs) > 0 {
		t.Errorf("unsuppressed errors:\n%s", strings.Join(errs, "\n"))
	}
	found := assertions.Annotations_FromStack(c.rs.Stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
	for _, m := range *found {
		t.Errorf("cdk-nag: %s: %v", *m.Id, m.Entry.Data)
	}
}

// isAccountRoot reports whether a policy principal is exactly this account's
// root (arn:aws:iam::123456789012:root).
func isAccountRoot(p any) bool {
	m, ok := p.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	return render(m["AWS"]) == "arn:aws:iam::123456789012:root"
}

// render turns a CloudFormation value into a comparable string: Ref X →
// <ref:X>, GetAtt X.A → <X.A>, Join → the joined parts, AWS::Partition →
// aws.
func render(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if ref, ok := v["Ref"]; ok {
			if ref == "AWS::Partition" {
				return "aws"
			}
			return fmt.Sprintf("<ref:%v>", ref)
		}
		if ga, ok := v["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
			return fmt.Sprintf("<%v.%v>", ga[0], ga[1])
		}
		if j, ok := v["Fn::Join"].([]any); ok && len(j) == 2 {
			var parts []string
			for _, p := range asList(j[1]) {
				parts = append(parts, render(p))
			}
			return strings.Join(parts, fmt.Sprint(j[0]))
		}
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}

func walkStrings(v any, path string, f func(path, s string)) {
	switch v := v.(type) {
	case string:
		f(path, v)
	case map[string]any:
		for k, x := range v {
			f(path+"/"+k, k)
			walkStrings(x, path+"/"+k, f)
		}
	case []any:
		for i, x := range v {
			walkStrings(x, fmt.Sprintf("%s[%d]", path, i), f)
		}
	}
}

// controlPlaneReads checks the statements the readiness and trigger
// functions' roles hold for their own reads (reads.go): DescribeAlarms on
// exactly the plans' alarms, DescribeSecret on exactly the two Slack
// secrets, GetItem on exactly the peer Regions' tables (named from the
// configuration) and kms:Decrypt only through those Regions' DynamoDB.
func (c *stackCheck) controlPlaneReads(t *testing.T) {
	for _, name := range []string{readinessFunction, triggerFunction} {
		fn, ok := c.rs.Functions[name]
		if !ok {
			continue
		}
		t.Run(name, func(t *testing.T) {
			roleRef := map[string]any{"Ref": logicalID(c.rs.Stack, fn.Role())}
			bySid := map[string]map[string]any{}
			for _, pol := range resources(c.tmpl, "AWS::IAM::Policy") {
				p := props(pol)
				if !slices.ContainsFunc(asList(p["Roles"]), func(r any) bool { return reflect.DeepEqual(r, roleRef) }) {
					continue
				}
				for _, st := range asList(p["PolicyDocument"].(map[string]any)["Statement"]) {
					stmt := st.(map[string]any)
					if sid, ok := stmt["Sid"].(string); ok {
						bySid[sid] = stmt
					}
				}
			}
			resourcesOf := func(sid string) []string {
				var out []string
				for _, r := range asList(bySid[sid]["Resource"]) {
					out = append(out, render(r))
				}
				sort.Strings(out)
				return out
			}
			if alarms := PlanAlarmARNs(c.s.plans, c.region, c.s.cfg.Account); len(alarms) > 0 {
				if got := resourcesOf("PlanAlarmsDescribe"); !slices.Equal(got, alarms) {
					t.Errorf("DescribeAlarms resources = %v, want the plans' alarms %v", got, alarms)
				}
			}
			if got := resourcesOf("ReplicationLagMetrics"); !slices.Equal(got, []string{"*"}) {
				t.Errorf("GetMetricData resources = %v, want [*] (no resource type)", got)
			}
			secrets := []string{render(map[string]any{"Ref": logicalID(c.rs.Stack, c.rs.SigningSecret)}), render(map[string]any{"Ref": logicalID(c.rs.Stack, c.rs.BotToken)})}
			sort.Strings(secrets)
			if got := resourcesOf("ControlPlaneSecretsDescribe"); !slices.Equal(got, secrets) {
				t.Errorf("DescribeSecret resources = %v, want this Region's Slack secrets %v", got, secrets)
			}
			if !c.s.cfg.PeerReads {
				// Default: no cross-Region read, so no template names
				// another Region's tables or keys.
				if _, ok := bySid["PeerPlanVersionsRead"]; ok {
					t.Errorf("peer table read granted without the peerReads opt-in")
				}
				if _, ok := bySid["PeerTableKeysDecrypt"]; ok {
					t.Errorf("peer key decrypt granted without the peerReads opt-in")
				}
			} else {
				if got := resourcesOf("PeerPlanVersionsRead"); !slices.Equal(got, peerTableARNs(c.s.cfg, c.region)) {
					t.Errorf("peer table resources = %v, want %v", got, peerTableARNs(c.s.cfg, c.region))
				}
				if a := asList(bySid["PeerPlanVersionsRead"]["Action"]); len(a) != 1 || a[0] != "dynamodb:GetItem" {
					t.Errorf("peer table actions = %v, want only dynamodb:GetItem", a)
				}
				cond, _ := bySid["PeerTableKeysDecrypt"]["Condition"].(map[string]any)
				if via := render(cond["StringEquals"]); !strings.Contains(via, "kms:ViaService") {
					t.Errorf("peer key decrypt condition = %v, want kms:ViaService on the peers' DynamoDB", cond)
				}
				for _, r := range resourcesOf("PeerPlanVersionsRead") {
					if strings.Contains(r, ":"+c.region+":") {
						t.Errorf("peer tables include this Region's own: %s", r)
					}
				}
			}
		})
	}
}
