package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/readiness/blockcheck"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

func newReadinessCmd(s streams) *cobra.Command {
	var targets, faults, secrets []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "readiness PLAN",
		Short: "Evaluate whether a plan could fail over now, on the simulator",
		Long: `readiness evaluates every plan in the file PLAN for a failover into each
target Region, on a simulated two-Region AWS built from the plan (every
resource it names exists and is healthy), after injecting the --fault specs.
It checks what the readiness function checks every 5 minutes in AWS:
resources and their state, replication lag against the RPO, capacity
headroom, routing controls and health checks, the control plane's secrets in
the target, the execution role's permissions (IAM policy simulation), the
plan version in every Region, control-plane steps, and Slack.

Without --target, the targets are the Regions other than the primary (every
Region of an active-active plan). Fault specs are those of the simulator,
for example:

  region-down:us-west-2   control-plane-down:us-west-2
  lag-spike:cluster=payments-global,seconds=45,hold=600
  capacity:region=us-west-2,service=ecs,percent=40
  arc-endpoint-down:index=0   error:api=DescribeServices,code=AccessDenied
  throttle:rate=0.5   rate-limit:api=DescribeSecret,rps=1   latency:ms=3000

Exit status: 0 when every target is ready, 1 when any is not (the findings
say why), 2 on a usage error or an unreadable plan.`,
		Example: `  switchyard readiness examples/plans/payments.yaml
  switchyard readiness examples/plans/payments.yaml --fault lag-spike:cluster=payments-global,seconds=45,hold=600
  switchyard readiness --json --target us-east-1 examples/plans/payments.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			plans, err := plan.ParseFile(args[0])
			if err != nil {
				return exitCode(2, err)
			}
			env, err := newSimEnv(plans, faults, time.Now().UTC().Truncate(time.Minute), secrets)
			if err != nil {
				return exitCode(2, err)
			}
			defer env.close()
			var reports []readiness.Report
			for _, p := range plans {
				ts := targets
				if len(ts) == 0 {
					ts = defaultTargets(p)
				}
				for _, target := range ts {
					var rep readiness.Report
					var err error
					env.run(func(ctx context.Context) { rep, err = env.eval.Evaluate(ctx, p, target) })
					if err != nil {
						return exitCode(2, err)
					}
					reports = append(reports, rep)
				}
			}
			ready := true
			for _, r := range reports {
				ready = ready && r.Ready
			}
			if asJSON {
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(reports); err != nil {
					return exitCode(2, err)
				}
			} else {
				if f := readiness.FaultsSummary(env.world); f != "" {
					fmt.Fprintf(s.out, "simulated faults: %s\n", f)
				}
				for _, r := range reports {
					fmt.Fprint(s.out, r.Text())
				}
			}
			if !ready {
				return exitCode(1, errEventsSilent)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&targets, "target", nil, "Region to evaluate a failover into (repeatable; default: every Region but the primary)")
	cmd.Flags().StringArrayVar(&faults, "fault", nil, "simulator fault spec to inject first (repeatable)")
	cmd.Flags().StringArrayVar(&secrets, "secret", nil, "control-plane secret the target must hold, in addition to the Slack ones (repeatable; a name the simulator lacks is reported missing)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the reports as JSON")
	return cmd
}

// defaultTargets are the Regions a plan may fail over into: all but the
// primary.
func defaultTargets(p *plan.Plan) []string {
	var out []string
	for _, r := range p.Spec.Regions {
		if r != p.Spec.Primary {
			out = append(out, r)
		}
	}
	return out
}

// simEnv is a simulated world built from plans on a virtual clock, with a
// readiness evaluator over it. Time stands still except inside run.
type simEnv struct {
	clk   *clock.Virtual
	world *sim.World
	eval  *readiness.Evaluator
	sc    readiness.SimClients
	hold  func()
}

func newSimEnv(plans []*plan.Plan, faults []string, start time.Time, extraSecrets []string) (*simEnv, error) {
	clk := clock.NewVirtual(start)
	w, err := readiness.WorldFromPlan(readiness.WorldOptions{Options: sim.Options{Clock: clk, Seed: 1}}, plans...)
	if err != nil {
		return nil, err
	}
	for _, f := range faults {
		if _, err := w.InjectSpec(f); err != nil {
			return nil, fmt.Errorf("--fault: %w", err)
		}
	}
	sc := readiness.SimClients{W: w}
	// The blocks' own readiness checks run too, over the world's clients
	// and HTTP endpoints: the same code execute-plan runs.
	ev, err := readiness.New(readiness.Options{Clients: w.Clients(), ARC: sc, Quotas: sc, Clock: clk, ExecutionRole: readiness.DefaultExecutionRole,
		Checkers: blockcheck.ForWorld(w, clk),
		Secrets:  append(append([]string{}, readiness.DefaultSecrets...), extraSecrets...), Versions: readiness.VersionsOf(plans...),
		Slack: readiness.SlackFunc(func(context.Context) error { return nil })})
	if err != nil {
		return nil, err
	}
	return &simEnv{clk: clk, world: w, eval: ev, sc: sc, hold: clk.Hold()}, nil
}

// run runs f in a goroutine tracked by the virtual clock and lets simulated
// time move while it runs.
func (e *simEnv) run(f func(ctx context.Context)) {
	done := make(chan struct{})
	release := e.hold
	e.clk.Go(func() {
		f(context.Background())
		e.hold = e.clk.Hold()
		close(done)
	})
	release()
	<-done
}

// until lets simulated time run to at.
func (e *simEnv) until(at time.Time) {
	e.run(func(ctx context.Context) { _ = e.clk.Sleep(ctx, at.Sub(e.clk.Now())) })
}

func (e *simEnv) close() { e.hold() }

// loadPlansDir parses every *.yaml, *.yml and *.json plan in dir.
func loadPlansDir(dir string) ([]*plan.Plan, error) {
	var files []string
	for _, pat := range []string{"*.yaml", "*.yml", "*.json"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return nil, err
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("--plans: %w", err)
		}
		return nil, fmt.Errorf("--plans %s: no *.yaml, *.yml or *.json plan files", dir)
	}
	sort.Strings(files)
	var out []*plan.Plan
	var errs []string
	for _, f := range files {
		ps, err := plan.ParseFile(f)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		out = append(out, ps...)
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	return out, nil
}
