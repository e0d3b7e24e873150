package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/readiness"
)

// costOutput is the --json form of "cost".
type costOutput struct {
	Estimates []readiness.Estimate    `json:"estimates"`
	Speed     []readiness.SpeedResult `json:"speed"`
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
(50 ms per call, the per-API rate limits readiness keeps to), then prices a
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
				for _, w := range p.Spec.Workflows {
					s := 0
					for _, st := range w.Stages {
						s += len(st.Steps)
					}
					steps = max(steps, s)
				}
				in.TransitionsPerExecution = readiness.TransitionsEstimate(steps)
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
			for _, e := range out.Estimates {
				fmt.Fprint(s.out, e.Text())
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
