package blockcheck_test

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/readiness/blockcheck"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

func examplePlans(t *testing.T, name string) []*plan.Plan {
	t.Helper()
	_, f, _, _ := runtime.Caller(0)
	ps, err := plan.ParseFile(filepath.Join(filepath.Dir(f), "..", "..", "..", "examples", "plans", name))
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestForWorld runs readiness with the blocks' own checks over the world
// WorldFromPlan builds: every example plan is ready (its STOP signals, node
// groups, endpoints, functions, records and fences exist), and an injected
// fault reaches the block checks.
func TestForWorld(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		fault     string
		wantReady bool
		wantCheck string // a finding of a block check that must be present
	}{
		{name: "payments healthy", file: "payments.yaml", wantReady: true, wantCheck: "ecs-scale/size"},
		{name: "storefront healthy", file: "storefront.yaml", wantReady: true, wantCheck: "eks-scale/size"},
		{name: "ledger healthy", file: "ledger-group.yaml", wantReady: true, wantCheck: "asg-scale/size"},
		{name: "payments access denied", file: "payments.yaml", fault: "error:api=DescribeServices,code=AccessDenied", wantCheck: "ecs-scale/check"},
		{name: "payments STOP bucket unreachable", file: "payments.yaml", fault: "region-down:us-west-2", wantCheck: "stop-signal/bucket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plans := examplePlans(t, tt.file)
			clk := clock.NewVirtual(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
			hold := clk.Hold()
			defer func() { hold() }()
			w, err := readiness.WorldFromPlan(readiness.WorldOptions{Options: sim.Options{Clock: clk, Seed: 1}}, plans...)
			if err != nil {
				t.Fatal(err)
			}
			if tt.fault != "" {
				if _, err := w.InjectSpec(tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			sc := readiness.SimClients{W: w}
			ev, err := readiness.New(readiness.Options{Clients: w.Clients(), ARC: sc, Quotas: sc, Clock: clk, Checkers: blockcheck.ForWorld(w, clk),
				ExecutionRole: readiness.DefaultExecutionRole, Secrets: readiness.DefaultSecrets, Versions: readiness.VersionsOf(plans...),
				Slack: readiness.SlackFunc(func(context.Context) error { return nil })})
			if err != nil {
				t.Fatal(err)
			}
			var findings []string
			for _, p := range plans {
				for _, target := range p.Spec.Regions {
					if target == p.Spec.Primary {
						continue
					}
					var rep readiness.Report
					done := make(chan struct{})
					release := hold
					clk.Go(func() {
						rep, err = ev.Evaluate(t.Context(), p, target)
						hold = clk.Hold()
						close(done)
					})
					release()
					<-done
					if err != nil {
						t.Fatal(err)
					}
					if rep.Ready != tt.wantReady {
						t.Errorf("%s into %s: ready = %v, want %v\n%s", p.Metadata.Name, target, rep.Ready, tt.wantReady, rep.Text())
					}
					for _, f := range rep.Findings {
						findings = append(findings, f.Check)
					}
				}
			}
			if !strings.Contains(" "+strings.Join(findings, " ")+" ", " "+tt.wantCheck+" ") {
				t.Errorf("no %s finding among %v", tt.wantCheck, findings)
			}
		})
	}
}
