package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func examplePlans(t *testing.T) []*Plan {
	t.Helper()
	files, err := filepath.Glob("../../examples/plans/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("examples: %v %v", files, err)
	}
	var all []*Plan
	for _, f := range files {
		plans, err := ParseFile(f)
		if err != nil {
			t.Fatalf("example %s is invalid:\n%v", f, err)
		}
		all = append(all, plans...)
	}
	if err := ValidateSet(all); err != nil {
		t.Fatalf("examples as a set:\n%v", err)
	}
	return all
}

func TestExamplesValid(t *testing.T) {
	plans := examplePlans(t)
	var names []string
	for _, p := range plans {
		names = append(names, p.Metadata.Name)
		if fp := p.Fingerprint(); !strings.HasPrefix(fp, "sha256:") || len(fp) != len("sha256:")+64 {
			t.Errorf("%s: fingerprint %q", p.Metadata.Name, fp)
		}
	}
	slices.Sort(names)
	want := []string{"ledger-api", "ledger-core", "ledger-reporting", "payments", "storefront"}
	if !slices.Equal(names, want) {
		t.Errorf("example plans = %v, want %v", names, want)
	}
}

func TestDependencyOrder(t *testing.T) {
	plans, err := ParseFile("../../examples/plans/ledger-group.yaml")
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(plans)
	ordered, err := DependencyOrder(plans)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ordered {
		got = append(got, p.Metadata.Name)
	}
	if want := []string{"ledger-core", "ledger-api", "ledger-reporting"}; !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

// TestFingerprint checks that the fingerprint depends on meaning only: the
// same plan as JSON, or re-read from its canonical JSON, has the same one,
// and a changed plan has another.
func TestFingerprint(t *testing.T) {
	for _, p := range examplePlans(t) {
		t.Run(p.Metadata.Name, func(t *testing.T) {
			canon, err := p.CanonicalJSON()
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse("canonical.json", canon)
			if err != nil {
				t.Fatalf("canonical JSON does not parse back:\n%v\n%s", err, canon)
			}
			if got, want := again[0].Fingerprint(), p.Fingerprint(); got != want {
				t.Errorf("round trip changed fingerprint: %s != %s", got, want)
			}
			canon2, _ := again[0].CanonicalJSON()
			if string(canon2) != string(canon) {
				t.Errorf("canonical JSON not stable:\n%s\n%s", canon, canon2)
			}
			p2 := *again[0]
			p2.Metadata.Version += "-changed"
			if p2.Fingerprint() == p.Fingerprint() {
				t.Error("a changed plan kept its fingerprint")
			}
		})
	}
}

func TestFingerprintYAMLvsJSON(t *testing.T) {
	const y = `
apiVersion: switchyard.dev/v1
kind: RecoveryPlan
metadata: {name: tiny, owner: team, version: "1"}
spec:
  approach: active-passive
  regions: [us-east-1, us-west-2]
  primary: us-east-1
  objectives: {rto: 90m, rpo: 0}
  workflows:
    - name: w
      kind: activate
      region: us-west-2
      stages:
        - name: s
          steps:
            - {name: wait, block: alarm-wait, with: {alarms: ["arn:aws:cloudwatch:us-west-2:123456789012:alarm:ok"]}}
`
	var doc any
	if err := yaml.Unmarshal([]byte(y), &doc); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	fromYAML, err := Parse("tiny.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	// Same meaning, different spelling: 1h30m instead of 90m, 0s for 0.
	spelled := strings.Replace(strings.Replace(string(j), `"90m"`, `"1h30m"`, 1), `"rpo":0`, `"rpo":"0s"`, 1)
	fromJSON, err := Parse("tiny.json", []byte(spelled))
	if err != nil {
		t.Fatalf("%v\n%s", err, spelled)
	}
	if a, b := fromYAML[0].Fingerprint(), fromJSON[0].Fingerprint(); a != b {
		t.Errorf("YAML and JSON fingerprints differ: %s vs %s", a, b)
	}
	canon, _ := fromYAML[0].CanonicalJSON()
	for _, want := range []string{`"rto":"1h30m"`, `"rpo":"0s"`, `"timeout":"15m"`, `"onFailure":"ask"`, `"holdFor":"1m"`, `"source":"us-east-1"`} {
		if !strings.Contains(string(canon), want) {
			t.Errorf("canonical JSON lacks %s:\n%s", want, canon)
		}
	}
}

func TestDefaults(t *testing.T) {
	plans, err := ParseFile("../../examples/plans/payments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := plans[0]
	refs := p.Steps()
	if len(refs) != 15 {
		t.Fatalf("payments has %d steps, want 15", len(refs))
	}
	byName := map[string]*Step{}
	for _, r := range refs {
		if r.Workflow.Name == "failback-to-us-east-1" {
			byName[r.Step.Name] = r.Step
		}
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"ecs default timeout", byName["scale-api"].Timeout, Duration(20 * time.Minute)},
		{"ecs default lookback", byName["scale-api"].With.(*ECSScale).Lookback, Duration(24 * time.Hour)},
		{"ecs ungraceful min defaults to percent", byName["scale-api"].With.(*ECSScale).UngracefulMinPercent, 100},
		{"approval timeout from policy", byName["approve-failback"].Timeout, Duration(30 * time.Minute)},
		{"retry attempts", byName["api-healthy"].Retry.Attempts, 2},
		{"on failure", byName["api-healthy"].OnFailure, OnFailureAsk},
		{"ungraceful", byName["api-healthy"].Ungraceful.Behavior, UngracefulRun},
		{"alarm hold", byName["api-healthy"].With.(*AlarmWait).HoldFor, Duration(time.Minute)},
		{"aurora max data loss = rpo", byName["switch-aurora-back"].With.(*AuroraGlobal).MaxDataLoss, Duration(30 * time.Second)},
		{"trigger cooldown", p.Spec.Triggers[0].Cooldown, Duration(time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestHelpers(t *testing.T) {
	plans := examplePlans(t)
	byName := map[string]*Plan{}
	for _, p := range plans {
		byName[p.Metadata.Name] = p
	}
	pay, store := byName["payments"], byName["storefront"]
	if w := pay.Workflow(Activate, "us-west-2"); w == nil || w.Name != "failover-to-us-west-2" {
		t.Errorf("payments activate us-west-2 = %v", w)
	}
	if w := pay.Workflow(Deactivate, "us-east-1"); w != nil {
		t.Errorf("payments has no deactivate workflow, got %v", w.Name)
	}
	tests := []struct {
		p            *Plan
		kind         WorkflowKind
		region       string
		target, from string
	}{
		{pay, Activate, "us-west-2", "us-west-2", "us-east-1"},
		{pay, Activate, "us-east-1", "us-east-1", "us-west-2"},
		{store, Deactivate, "us-east-1", "eu-west-1", "us-east-1"},
		{store, Activate, "eu-west-1", "eu-west-1", "us-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.p.Metadata.Name+"/"+string(tt.kind)+"/"+tt.region, func(t *testing.T) {
			w := tt.p.Workflow(tt.kind, tt.region)
			if w == nil {
				t.Fatal("no workflow")
			}
			target, from := tt.p.StepRegions(w)
			if target != tt.target || from != tt.from {
				t.Errorf("StepRegions = %s, %s; want %s, %s", target, from, tt.target, tt.from)
			}
		})
	}
	if got := pay.SourceRegion("us-west-2"); got != "us-east-1" {
		t.Errorf("SourceRegion = %q", got)
	}
}

func TestParseARN(t *testing.T) {
	tests := []struct {
		in      string
		want    ARN
		wantErr string
	}{
		{in: "arn:aws:rds:us-east-1:123456789012:cluster:pay", want: ARN{"aws", "rds", "us-east-1", "123456789012", "cluster:pay"}},
		{in: "arn:aws:iam::123456789012:role/ops", want: ARN{"aws", "iam", "", "123456789012", "role/ops"}},
		{in: "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f", want: ARN{"aws-us-gov", "lambda", "us-gov-west-1", "123456789012", "function:f"}},
		{in: "arn:aws:s3:::bucket", want: ARN{"aws", "s3", "", "", "bucket"}},
		{in: "arn:aws:rds:us-east-1:123456789012", wantErr: "not an ARN"},
		{in: "arn:aws-mars:rds:us-east-1:123456789012:cluster:x", wantErr: "unknown partition"},
		{in: "arn:aws::us-east-1:123456789012:x", wantErr: "no service"},
		{in: "arn:aws:rds:us-east-1:12345678901x:cluster:x", wantErr: "12-digit"},
		{in: "arn:aws:rds:us-east-1:123456789012:", wantErr: "no resource"},
		{in: "arn:aws:rds:us-east-7:123456789012:cluster:x", wantErr: "not an AWS Region"},
		{in: "arn:aws:rds:cn-north-1:123456789012:cluster:x", wantErr: "partition aws-cn"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseARN(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %s", got.String())
			}
		})
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		in, canon string
		wantErr   bool
	}{
		{"0", "0s", false},
		{"0s", "0s", false},
		{"90m", "1h30m", false},
		{"1h0m0s", "1h", false},
		{"1500ms", "1s500ms", false},
		{"36h", "36h", false},
		{"15", "", true},
		{"-1m", "", true},
		{"", "", true},
		{"15 minutes", "", true},
		{"9000h", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := ParseDuration(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && d.String() != tt.canon {
				t.Errorf("String() = %s, want %s", d, tt.canon)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct{ in, want string }{
		{"aproach", "approach"},
		{"Approach", "approach"},
		{"us-east1", "us-east-1"},
		{"timout", "timeout"},
		{"zzzzzzzz", ""},
		{"x", ""},
	}
	cands := append([]string{"approach", "timeout", "regions"}, Regions()...)
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := suggest(tt.in, cands); got != tt.want {
				t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestBlocks(t *testing.T) {
	want := []string{"approval", "ecs-scale", "asg-scale", "eks-scale", "aurora-global", "aurora-scale",
		"arc-routing-control", "stop-signal", "route53-record", "fence", "lambda", "http-check",
		"alarm-wait", "event-source-mapping", "plan"}
	if got := BlockNames(); !slices.Equal(got, want) {
		t.Fatalf("BlockNames() = %v, want %v", got, want)
	}
	for _, b := range Blocks() {
		t.Run(b.Name, func(t *testing.T) {
			if got := b.New().BlockName(); got != b.Name {
				t.Errorf("New().BlockName() = %s", got)
			}
			if b.MinTimeout <= 0 || b.DefaultTimeout < b.MinTimeout {
				t.Errorf("timeouts: min %s default %s", b.MinTimeout, b.DefaultTimeout)
			}
			if b.ControlPlane != (b.Name == "route53-record") {
				t.Errorf("ControlPlane = %v", b.ControlPlane)
			}
			for _, a := range b.Actions {
				if svc, act, ok := strings.Cut(a, ":"); !ok || svc == "" || act == "" {
					t.Errorf("bad IAM action %q", a)
				}
			}
		})
	}
	// Blocks returns a copy: callers cannot change the registry.
	bs := Blocks()
	bs[0].Actions[0] = "changed"
	if Blocks()[0].Actions[0] == "changed" {
		t.Error("Blocks() shares its Actions slices")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "1:1: no plan in file"},
		{"comments only", "# nothing\n", "1:1: no plan in file"},
		{"scalar", "hello\n", "1:1: a plan document must be a mapping"},
		{"syntax", "a: [\n", "YAML syntax error"},
		{"alias bomb", aliasBomb(), "document too large"},
		{"non-string key", "? [a]\n: b\n", "mapping key must be a plain string"},
		{"merge keys", "base: &b {kind: RecoveryPlan}\n<<: *b\n", "base: unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.in))
			var d *Diagnostics
			if !errors.As(err, &d) {
				t.Fatalf("err = %v, want *Diagnostics", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err =\n%v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// aliasBomb is a "billion laughs" document: a few lines that expand to
// a billion values if aliases are followed without a budget. The bomb sits
// in a Lambda payload, the one place free-form values are accepted.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("spec:\n  workflows:\n    - stages:\n        - steps:\n            - block: lambda\n              with:\n                payload:\n")
	b.WriteString("                  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "                  a%d: &a%d [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestASGByARN(t *testing.T) {
	const doc = `
apiVersion: switchyard.dev/v1
kind: RecoveryPlan
metadata: {name: asg, owner: team, version: "1"}
spec:
  approach: active-passive
  regions: [us-east-1, us-west-2]
  primary: us-east-1
  objectives: {rto: 5m, rpo: 5s}
  workflows:
    - name: w
      kind: activate
      region: us-west-2
      stages:
        - name: s
          steps:
            - name: scale
              block: asg-scale
              with:
                target: {name: "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d:autoScalingGroupName/api"}
                source: {name: api-use1}
`
	_, err := Parse("asg.yaml", []byte(doc))
	want := "asg.yaml:20:32: spec.workflows[0].stages[0].steps[0].with.target.name: ARN Region us-east-1 does not fit: the resource must be in us-west-2"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v\nwant prefix %s", err, want)
	}
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("../../examples/plans/payments.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		plans, err := Parse("payments.yaml", data)
		if err != nil || len(plans) != 1 {
			b.Fatal(err)
		}
		_ = plans[0].Fingerprint()
	}
}
