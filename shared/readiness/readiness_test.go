package readiness_test

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

var start = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func repoFile(t testing.TB, rel string) string {
	t.Helper()
	_, f, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(f), "..", "..", rel)
}

func loadPlan(t testing.TB, rel string) *plan.Plan {
	t.Helper()
	ps, err := plan.ParseFile(repoFile(t, rel))
	if err != nil {
		t.Fatalf("parsing %s: %v", rel, err)
	}
	return ps[0]
}

// setup builds a world from the plan and an evaluator over it.
func setup(t testing.TB, p *plan.Plan, mod func(*readiness.Options)) (*clock.Virtual, *sim.World, *readiness.Evaluator) {
	t.Helper()
	clk := clock.NewVirtual(start)
	w, err := readiness.WorldFromPlan(readiness.WorldOptions{Options: sim.Options{Clock: clk, Seed: 1}}, p)
	if err != nil {
		t.Fatal(err)
	}
	sc := readiness.SimClients{W: w}
	o := readiness.Options{Clients: sc, ARC: sc, Quotas: sc, Clock: clk, ExecutionRole: readiness.DefaultExecutionRole,
		Secrets: readiness.DefaultSecrets, Versions: readiness.VersionsOf(p), Slack: readiness.SlackFunc(func(context.Context) error { return nil })}
	if mod != nil {
		mod(&o)
	}
	e, err := readiness.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return clk, w, e
}

// evaluate runs Evaluate in a goroutine tracked by the virtual clock.
func evaluate(t testing.TB, ctx context.Context, clk clock.Clock, e *readiness.Evaluator, p *plan.Plan, target string) readiness.Report {
	t.Helper()
	var rep readiness.Report
	var err error
	done := make(chan struct{})
	clk.Go(func() {
		defer close(done)
		rep, err = e.Evaluate(ctx, p, target)
	})
	<-done
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return rep
}

func TestHealthyExamplesAreReady(t *testing.T) {
	for _, tc := range []struct{ file, target string }{
		{"examples/plans/payments.yaml", "us-west-2"},
		{"examples/plans/payments.yaml", "us-east-1"},
		{"examples/plans/storefront.yaml", "eu-west-1"},
		{"examples/plans/storefront.yaml", "us-east-1"},
	} {
		t.Run(filepath.Base(tc.file)+"/"+tc.target, func(t *testing.T) {
			p := loadPlan(t, tc.file)
			clk, _, e := setup(t, p, nil)
			rep := evaluate(t, t.Context(), clk, e, p, tc.target)
			t.Log(rep.Text())
			if !rep.Ready {
				t.Fatalf("healthy world is not ready:\n%s", rep.Text())
			}
			if rep.Calls == 0 || rep.Resources == 0 {
				t.Errorf("calls=%d resources=%d, want both > 0", rep.Calls, rep.Resources)
			}
		})
	}
}

func TestFaultsAreFound(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults []string
		mod    func(*readiness.Options)
		world  func(*sim.World)
		check  string
		want   string
	}{
		{name: "region down", faults: []string{"region-down:us-west-2"}, check: "ecs/service", want: "could not describe ECS services"},
		{name: "control plane down", faults: []string{"control-plane-down:us-west-2"}, check: "aurora-global/cluster", want: "could not describe Aurora global database"},
		{name: "lag spike", faults: []string{"lag-spike:cluster=payments-global,seconds=45"}, check: "aurora-global/replication-lag", want: "above the 30s the plan accepts"},
		{name: "capacity", faults: []string{"capacity:region=us-west-2,service=ecs,percent=20"}, check: "ecs/capacity", want: "can place only 20% of new ECS capacity"},
		{name: "api error", faults: []string{"error:api=DescribeGlobalClusters,code=AccessDenied,region=us-west-2"}, check: "aurora-global/cluster", want: "AccessDenied"},
		{name: "persistent throttling", faults: []string{"throttle:api=DescribeServices,rate=1"}, check: "ecs/service", want: "Rate exceeded"},
		{name: "rate limit", faults: []string{"rate-limit:api=DescribeSecret,rps=1,burst=1"}, check: "api/throttling", want: "throttled"},
		{name: "latency", faults: []string{"latency:ms=3000,api=DescribeAlarms"}, check: "api/latency", want: "took 3s to answer"},
		{name: "missing secret", mod: func(o *readiness.Options) { o.Secrets = append(o.Secrets, "payments/extra") }, check: "secrets/present", want: "secret payments/extra is missing in us-west-2"},
		{name: "role lacks action", mod: func(o *readiness.Options) { o.ExecutionRole = "arn:aws:iam::123456789012:role/narrow" },
			world: func(w *sim.World) { w.AllowActions("arn:aws:iam::123456789012:role/narrow", "ecs:*") },
			check: "iam/permissions", want: "may not call rds:FailoverGlobalCluster"},
		{name: "version differs", mod: func(o *readiness.Options) {
			v := o.Versions.(readiness.StaticVersions)
			v.Different = []string{"us-east-1"}
			o.Versions = v
		}, check: "plan/version", want: "us-east-1 runs plan payments version"},
		{name: "slack down without fallback", mod: func(o *readiness.Options) {
			o.Slack = readiness.SlackFunc(func(context.Context) error { return errors.New("slack.com unreachable") })
		}, check: "slack/reachable", want: "Slack is not reachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := loadPlan(t, "examples/plans/payments.yaml")
			clk, w, e := setup(t, p, tc.mod)
			if tc.world != nil {
				tc.world(w)
			}
			for _, f := range tc.faults {
				if _, err := w.InjectSpec(f); err != nil {
					t.Fatal(err)
				}
			}
			rep := evaluate(t, t.Context(), clk, e, p, "us-west-2")
			var hit bool
			for _, f := range rep.Findings {
				if f.Check == tc.check && strings.Contains(f.Message, tc.want) {
					hit = true
				}
			}
			if !hit {
				t.Fatalf("no %s finding containing %q:\n%s", tc.check, tc.want, rep.Text())
			}
			if wantReady := tc.check == "slack/reachable" || strings.HasPrefix(tc.check, "api/"); rep.Ready != wantReady {
				t.Errorf("Ready = %t with %s, want %t:\n%s", rep.Ready, tc.name, wantReady, rep.Text())
			}
			if false {
				t.Errorf("Ready = true with fault %v", tc.faults)
			}
		})
	}
}

func TestARCEndpointDown(t *testing.T) {
	p := loadPlan(t, "examples/plans/storefront.yaml")
	clk, w, e := setup(t, p, nil)
	if _, err := w.InjectSpec("arc-endpoint-down:index=2"); err != nil {
		t.Fatal(err)
	}
	rep := evaluate(t, t.Context(), clk, e, p, "eu-west-1")
	var hits int
	for _, f := range rep.Findings {
		if f.Check == "arc/endpoint" && strings.Contains(f.Message, "endpoint 2") {
			hits++
		}
	}
	if hits == 0 {
		t.Fatalf("no arc/endpoint finding for endpoint 2:\n%s", rep.Text())
	}
	if !rep.Ready {
		t.Errorf("one endpoint down of five should only warn:\n%s", rep.Text())
	}
}
