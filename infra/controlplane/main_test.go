package controlplane

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// TestMain stops the jsii Node process after the tests. Which Node runs is
// decided by the environment (JSII_NODE, else node on PATH) before any test
// code: jsii starts it while the packages initialize.
func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// testRegions are the configured Regions of every synthesized test app.
var testRegions = []string{"us-east-1", "us-west-2"}

// crossRegionPlanTarget is a plan target resource in the other Region: the
// one sanctioned cross-Region reference (examples/plans/payments.yaml fails
// back to us-east-1 by switching over an Aurora global cluster whose other
// member lives in us-west-2).
const crossRegionPlanTarget = "arn:aws:rds:us-west-2:123456789012:cluster:payments-usw2"

// examplePlans is the plans directory of both test apps.
const examplePlans = "../../examples/plans"

// synthesized is one app synthesized once and shared by many assertions: a
// synth costs seconds of CPU on a shared 2-core machine.
type synthesized struct {
	root      string
	src       *Sources
	plans     *PlanSet
	cfg       Config
	stacks    []*RegionStack
	asm       cxapi.CloudAssembly
	templates map[string]map[string]any // by Region, as plain JSON
	assert    map[string]assertions.Template
	err       error
}

var (
	fixtureOnce, repoOnce sync.Once
	fixtureApp, repoApp   *synthesized
)

// fixture is the app built from infra/testdata/repo: five tiny functions, two
// deployable state machines and a pending one, two rules, the readiness
// schedule, and the example plans (whose targets include resources in
// another Region).
func fixture(t *testing.T) *synthesized {
	t.Helper()
	fixtureOnce.Do(func() {
		fixtureApp = synth("../testdata/repo", fixtureReadiness, examplePlans)
	})
	if fixtureApp.err != nil {
		t.Fatalf("synthesizing the fixture app: %v", fixtureApp.err)
	}
	return fixtureApp
}

// repo is the app built from the repository itself: whatever functions,
// state machines and rules exist today.
func repo(t *testing.T) *synthesized {
	t.Helper()
	repoOnce.Do(func() { repoApp = synth("../..", 0, examplePlans) })
	if repoApp.err != nil {
		t.Fatalf("synthesizing the repository's app: %v", repoApp.err)
	}
	return repoApp
}

// fixtureReadiness overrides the fixture's readiness schedule (its file says
// 5 minutes), as -c readinessMinutes=10 would.
const fixtureReadiness = 10 * time.Minute

func synth(root string, readiness time.Duration, plansDir string) (s *synthesized) {
	s = &synthesized{root: root, templates: map[string]map[string]any{}, assert: map[string]assertions.Template{}}
	defer func() {
		if r := recover(); r != nil {
			s.err = fmt.Errorf("panic: %v", r)
		}
	}()
	src, err := LoadSources(root)
	if err != nil {
		s.err = err
		return s
	}
	plans, err := LoadPlans(plansDir)
	if err != nil {
		s.err = err
		return s
	}
	s.plans = plans
	bin, err := os.MkdirTemp("", "switchyard-infra-bin-")
	if err != nil {
		s.err = err
		return s
	}
	// Template tests need the assets to exist, not to run: a stand-in file
	// per function. infra/synth.sh builds the real ones.
	names := []string{PlanDeliveryFunction}
	for _, f := range src.Functions {
		names = append(names, f.Name)
	}
	for _, name := range names {
		if err := os.MkdirAll(filepath.Join(bin, name), 0o755); err != nil {
			s.err = err
			return s
		}
		if err := os.WriteFile(filepath.Join(bin, name, "bootstrap"), []byte("stand-in for "+name), 0o755); err != nil {
			s.err = err
			return s
		}
	}
	out, err := os.MkdirTemp("", "switchyard-infra-out-")
	if err != nil {
		s.err = err
		return s
	}
	s.cfg = Config{
		Account: "123456789012", Regions: testRegions, ReadinessInterval: readiness,
		RepoRoot: root, FunctionsBinDir: bin, Prefix: DefaultPrefix, PlansDir: plansDir,
	}
	s.src = src
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out)})
	s.stacks, err = Build(app, s.cfg, src, plans)
	if err != nil {
		s.err = err
		return s
	}
	s.asm = app.Synth(nil)
	for _, rs := range s.stacks {
		region := *rs.Stack.Region()
		tmpl := assertions.Template_FromStack(rs.Stack, nil)
		s.assert[region] = tmpl
		raw, err := json.Marshal(tmpl.ToJSON())
		if err != nil {
			s.err = err
			return s
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			s.err = err
			return s
		}
		s.templates[region] = m
	}
	return s
}

// jsiiCheck runs an assertions call, which panics on a failed assertion,
// and reports the failure instead.
func jsiiCheck(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	f()
}

// resources returns the template's resources of type typ, by logical ID.
func resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

func props(res map[string]any) map[string]any {
	p, _ := res["Properties"].(map[string]any)
	return p
}

// logicalID is the logical ID of a construct's CloudFormation resource (the
// construct itself when it is one).
func logicalID(stack awscdk.Stack, c constructs.IConstruct) string {
	if el, ok := c.(awscdk.CfnElement); ok {
		return *stack.GetLogicalId(el)
	}
	return *stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}
