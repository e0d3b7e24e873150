package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/spf13/cobra"

	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/executor"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/runtime"
	"github.com/switchyard-dev/switchyard/shared/sim"
	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
)

// costOutput is the --json form of "cost".
type costOutput struct {
	Estimates []readiness.Estimate    `json:"estimates"`
	Runs      []costRun               `json:"runs"`
	Speed     []readiness.SpeedResult `json:"speed"`
}

// costRun says where a plan's transitions per execution came from.
type costRun struct {
	Plan string `json:"plan"`
	// Measured is the local run, when it completed.
	Measured *measuredRun `json:"measured,omitempty"`
	// Estimated is the fallback estimate (12 + 8 × steps) when it did not,
	// with the reason.
	Estimated int    `json:"estimated,omitempty"`
	Why       string `json:"why,omitempty"`
}

func newCostCmd(s streams) *cobra.Command {
	var every time.Duration
	var executions, alarmEvents float64
	var resources int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "cost PLAN",
		Short: "Estimate the monthly AWS cost of running Switchyard for a plan, and readiness speed",
		Long: `cost measures one readiness evaluation of each plan in PLAN on the simulator
(50 ms per call, the per-API rate limits readiness keeps to) and one real
execution of execute-plan on the local runtime (the state machines and
handlers that deploy, over the simulator on a virtual clock, approvals
granted automatically) to count its state transitions, then prices a
month of: evaluations every --every in every Region of the plan, trigger
invocations (the schedule and --alarm-events alarm changes), --executions
real executions, logs, metrics and events, at AWS list prices (us-east-1;
the price date is printed). It compares the total with AWS ARC Region
switch's $70 per plan per month.

It also prints the evaluation speed of a synthetic plan touching --resources
resources: the simulated duration, the least duration the rate limits allow
(the most constrained API's calls beyond its burst divided by its rate, plus
one call's latency), and their ratio (goal: at most 1.5).`,
		Example: `  switchyard cost examples/plans/payments.yaml
  switchyard cost --every 1m --executions 4 examples/plans/payments.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if every < time.Minute {
				return exitCode(2, fmt.Errorf("--every %s: at least 1m (EventBridge schedules are per minute)", every))
			}
			plans, err := plan.ParseFile(args[0])
			if err != nil {
				return exitCode(2, err)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			var out costOutput
			for _, p := range plans {
				in := readiness.CostInputs{Plan: p.Metadata.Name, Every: every, CallsByAPI: map[string]int{},
					ExecutionsPerMonth: executions, AlarmEventsPerMonth: alarmEvents}
				var steps, n int
				for _, r := range p.Spec.Regions {
					res, err := readiness.MeasureSpeed(ctx, p, r, 50*time.Millisecond, nil)
					if err != nil {
						return exitCode(2, err)
					}
					n++
					for k, v := range res.CallsByAPI {
						in.CallsByAPI[k] += v
					}
					in.MetricQueries += res.MetricQueries
					in.EvaluationSeconds += res.Measured.Seconds()
				}
				// Per evaluation, averaged over the Regions (each Region
				// evaluates the failover into itself).
				for k := range in.CallsByAPI {
					in.CallsByAPI[k] = (in.CallsByAPI[k] + n - 1) / n
				}
				in.MetricQueries = (in.MetricQueries + n - 1) / n
				in.EvaluationSeconds /= float64(n)
				in.Regions = n
				// Transitions per execution: measured on a real local run
				// of the plan into its first non-primary Region; the
				// estimate only if that run cannot complete.
				run := costRun{Plan: p.Metadata.Name}
				target := p.Spec.Regions[0]
				if ts := defaultTargets(p); len(ts) > 0 {
					target = ts[0]
				}
				m, err := measureExecution(ctx, plans, p, target)
				switch {
				case err == nil && m.Status == "SUCCEEDED":
					run.Measured = &m
					in.TransitionsPerExecution = m.Transitions
				default:
					for _, w := range p.Spec.Workflows {
						s := 0
						for _, st := range w.Stages {
							s += len(st.Steps)
						}
						steps = max(steps, s)
					}
					run.Estimated = readiness.TransitionsEstimate(steps)
					in.TransitionsPerExecution = run.Estimated
					run.Why = fmt.Sprintf("the local run into %s ended %s", target, m.Status)
					if err != nil {
						run.Why = fmt.Sprintf("the local run into %s failed: %v", target, err)
					}
				}
				out.Runs = append(out.Runs, run)
				out.Estimates = append(out.Estimates, readiness.EstimateCost(in))
			}
			sp, err := readiness.SyntheticPlan(resources)
			if err != nil {
				return exitCode(2, err)
			}
			speed, err := readiness.MeasureSpeed(ctx, sp, "us-west-2", 50*time.Millisecond, nil)
			if err != nil {
				return exitCode(2, err)
			}
			out.Speed = append(out.Speed, speed)
			if asJSON {
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(out); err != nil {
					return exitCode(2, err)
				}
				return nil
			}
			for i, e := range out.Estimates {
				fmt.Fprint(s.out, e.Text())
				r := out.Runs[i]
				if r.Measured != nil {
					fmt.Fprintf(s.out, "  transitions per execution: %d, measured on a local run of execute-plan into %s (simulator, virtual clock; %d in execute-plan + %d in %d run-step executions; %s simulated)\n",
						r.Measured.Transitions, r.Measured.Target, r.Measured.ParentTransition, r.Measured.Transitions-r.Measured.ParentTransition,
						r.Measured.ChildExecutions, r.Measured.Simulated.Round(time.Second))
				} else {
					fmt.Fprintf(s.out, "  transitions per execution: %d, ESTIMATED as 12 + 8 × steps because %s\n", r.Estimated, r.Why)
				}
			}
			fmt.Fprintf(s.out, "readiness speed: %s\n", speed)
			return nil
		},
	}
	cmd.Flags().DurationVar(&every, "every", 5*time.Minute, "readiness schedule")
	cmd.Flags().Float64Var(&executions, "executions", 1, "real executions per month (drills on the simulator are free)")
	cmd.Flags().Float64Var(&alarmEvents, "alarm-events", 100, "alarm state changes per month reaching the trigger function")
	cmd.Flags().IntVar(&resources, "resources", 200, "resources of the synthetic plan whose evaluation speed is measured")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"estimates", "speed"} as JSON`)
	return cmd
}

// measuredRun is one execution of a plan on the local runtime, counted.
type measuredRun struct {
	Target string `json:"target"`
	// Status is the execution's final status (SUCCEEDED, FAILED, …).
	Status string `json:"status"`
	// Transitions are the Step Functions state transitions billed for it:
	// execute-plan's plus those of every run-step execution it started.
	Transitions      int `json:"transitions"`
	ChildExecutions  int `json:"childExecutions"`
	ParentTransition int `json:"parentTransitions"`
	// Simulated is how long the execution took on the virtual clock.
	Simulated time.Duration `json:"simulated"`
}

// measureExecution runs execute-plan for p into target on the local runtime
// over a healthy simulated world built from plans (readiness.WorldFromPlan),
// on a virtual clock, approving every approval with its quorum and
// answering every operator decision "abort"; it counts the state
// transitions of the execution and of its run-step children.
func measureExecution(ctx context.Context, plans []*plan.Plan, p *plan.Plan, target string) (measuredRun, error) {
	start := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	clk := clock.NewVirtual(start)
	w, err := readiness.WorldFromPlan(readiness.WorldOptions{Options: sim.Options{Clock: clk, Seed: 1}}, plans...)
	if err != nil {
		return measuredRun{}, err
	}
	log := slog.New(slog.DiscardHandler)
	reg := blocks.NewRegistry(w.Clients(), clk, blocks.WithHTTPClient(w.HTTP()), blocks.WithARCDirectory(readiness.SimClients{W: w}),
		blocks.WithLogger(log))
	var mu sync.Mutex
	var answerErrs []string
	approver := func(ctx context.Context, rt *runtime.Runtime, req runtime.ApprovalRequest) {
		var err error
		switch req.Kind {
		case store.KindApproval:
			for i := range max(1, req.Quorum) {
				if err = rt.Approve(ctx, req.ID, fmt.Sprintf("switchyard-cost-%d", i+1)); err != nil {
					break
				}
			}
		default:
			err = rt.Decide(ctx, req.ID, "switchyard-cost", "abort")
		}
		if err != nil {
			mu.Lock()
			answerErrs = append(answerErrs, err.Error())
			mu.Unlock()
		}
	}
	rt, err := runtime.New(runtime.Config{Clock: clk, Store: memory.New(clk), Clients: w.Clients(), Blocks: reg, Plans: plans,
		Region: target, Logger: log, Approver: approver})
	if err != nil {
		return measuredRun{}, err
	}
	// Start while time stands still, then let it run: Wait blocks outside
	// the clock (an untracked goroutine), so time moves while it waits.
	hold := clk.Hold()
	arn, rerr := rt.Start(ctx, "", executor.Input{Plan: p.Metadata.Name, Target: target, Mode: "graceful", StartedBy: "switchyard-cost",
		Reason: "measuring state transitions"})
	hold()
	var desc *sfn.DescribeExecutionOutput
	if rerr == nil {
		desc, rerr = rt.Wait(ctx, arn)
	}
	if rerr != nil {
		return measuredRun{}, fmt.Errorf("running plan %s into %s on the local runtime: %w", p.Metadata.Name, target, rerr)
	}
	m := measuredRun{Target: target, Status: string(desc.Status), Simulated: clk.Now().Sub(start)}
	eng := rt.Engine()
	st, err := eng.Stats(arn)
	if err != nil {
		return measuredRun{}, err
	}
	m.ParentTransition = st.StateTransitions
	m.Transitions = st.StateTransitions
	smArn := rt.StateMachineArn(runtime.RunStep)
	var token *string
	for {
		out, err := eng.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &smArn, NextToken: token})
		if err != nil {
			return measuredRun{}, fmt.Errorf("listing the run-step executions: %w", err)
		}
		for _, x := range out.Executions {
			cs, err := eng.Stats(*x.ExecutionArn)
			if err != nil {
				return measuredRun{}, err
			}
			m.Transitions += cs.StateTransitions
			m.ChildExecutions++
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	if len(answerErrs) > 0 {
		return m, fmt.Errorf("answering approvals: %s", strings.Join(answerErrs, "; "))
	}
	return m, nil
}
