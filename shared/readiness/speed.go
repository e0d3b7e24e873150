package readiness

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

// serviceShort maps the simulator's SDK service IDs to the short names of
// Limits keys.
var serviceShort = map[string]string{
	"ECS": "ecs", "CloudWatch": "cloudwatch", "Route 53": "route53", "IAM": "iam", "Secrets Manager": "secretsmanager",
	"RDS": "rds", "Auto Scaling": "autoscaling", "Route53 Recovery Cluster": "arc", "EKS": "eks", "Lambda": "lambda",
}

// SpeedResult compares an evaluation's duration with the least time the
// rate limits allow.
type SpeedResult struct {
	// Resources is the number of distinct resources evaluated; Calls the
	// API calls made.
	Resources int
	Calls     int
	// CallsByAPI counts calls per "service/API" (short service names).
	CallsByAPI map[string]int
	// MetricQueries counts metrics requested with GetMetricData.
	MetricQueries int
	// Latency is the simulated latency of every call.
	Latency time.Duration
	// Measured is how long the evaluation took on the simulator's clock.
	Measured time.Duration
	// Bound is the least time the rate limits allow for the same calls:
	// the largest, over every (API, Region) bucket, of
	// max(0, calls − burst) / rps, plus one call's latency (the last call
	// admitted must still be answered). With no binding limit it is one
	// latency (every call in one concurrent round).
	Bound time.Duration
	// Binding names the bucket that sets Bound.
	Binding string
	// Ratio is Measured / Bound; the goal is at most 1.5.
	Ratio float64
	// Ready is the verdict of the evaluation (true for a healthy world).
	Ready bool
}

// String renders the figures on one line.
func (s SpeedResult) String() string {
	return fmt.Sprintf("%d resources, %d calls, %s per call: measured %s, rate limits allow %s (bound by %s): ratio %.2f (goal ≤ 1.50)",
		s.Resources, s.Calls, s.Latency, s.Measured.Round(time.Millisecond), s.Bound.Round(time.Millisecond), s.Binding, s.Ratio)
}

// MeasureSpeed evaluates p into target on a fresh simulated world built
// from p, with latency per call and the simulator enforcing limits (the same
// budgets the evaluator keeps to: a call over them would be throttled), and
// compares the duration with the bound the limits allow. It runs on a
// virtual clock: it takes milliseconds of wall time.
func MeasureSpeed(ctx context.Context, p *plan.Plan, target string, latency time.Duration, limits map[string]Limit) (SpeedResult, error) {
	if limits == nil {
		limits = DefaultLimits
	}
	start := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	clk := clock.NewVirtual(start)
	w, err := WorldFromPlan(WorldOptions{Options: sim.Options{Clock: clk, Seed: 1}}, p)
	if err != nil {
		return SpeedResult{}, err
	}
	w.SetLatency(latency)
	for k, l := range limits {
		svc, api, _ := strings.Cut(k, "/")
		if err := w.SetRateLimit(svc, api, l.RPS, l.Burst); err != nil {
			return SpeedResult{}, fmt.Errorf("rate limit %s: %w", k, err)
		}
	}
	sc := SimClients{W: w}
	e, err := New(Options{Clients: sc, ARC: sc, Quotas: sc, Clock: clk, ExecutionRole: DefaultExecutionRole, Secrets: DefaultSecrets,
		Versions: VersionsOf(p), Limits: limits})
	if err != nil {
		return SpeedResult{}, err
	}
	var rep Report
	done := make(chan struct{})
	clk.Go(func() {
		defer close(done)
		rep, err = e.Evaluate(ctx, p, target)
	})
	<-done
	if err != nil {
		return SpeedResult{}, err
	}
	res := SpeedResult{Resources: rep.Resources, Calls: rep.Calls, CallsByAPI: map[string]int{}, MetricQueries: rep.MetricQueries, Latency: latency, Measured: rep.Duration, Ready: rep.Ready,
		Bound: latency, Binding: "latency (no rate limit binds)"}
	calls := w.Calls()
	keys := make([]sim.CallKey, 0, len(calls))
	for k := range calls {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
	for _, k := range keys {
		n := calls[k]
		name := serviceShort[k.Service] + "/" + k.API
		res.CallsByAPI[name] += n
		l, ok := limits[name]
		if !ok || l.RPS <= 0 || n <= l.Burst {
			continue
		}
		if b := time.Duration(float64(n-l.Burst)/l.RPS*float64(time.Second)) + latency; b > res.Bound {
			res.Bound = b
			res.Binding = fmt.Sprintf("%s in %s: %d calls at %g/s, burst %d", name, k.Region, n, l.RPS, l.Burst)
		}
	}
	if res.Bound > 0 {
		res.Ratio = float64(res.Measured) / float64(res.Bound)
	}
	return res, nil
}

// SyntheticPlan returns a valid active-passive plan into us-west-2 naming
// n resources or slightly more (n ≥ 20): ECS services (target and
// source), Auto Scaling groups, ARC routing controls, Route 53 health
// checks and CloudWatch alarms, in the proportions of a large application.
func SyntheticPlan(n int) (*plan.Plan, error) {
	n = max(n, 20)
	ecsSteps := n / 4  // 2 services each: n/2
	asgSteps := n / 10 // 2 groups each: n/5
	controls := n / 10 // + 1 cluster
	checks := n / 10   // health checks
	alarms := n - 2*ecsSteps - 2*asgSteps - controls - 1 - checks
	alarms = max(alarms, 1)
	var b strings.Builder
	b.WriteString(`apiVersion: switchyard.dev/v1
kind: RecoveryPlan
metadata: {name: synthetic, owner: bench@example.com, version: "1"}
spec:
  approach: active-passive
  regions: [us-east-1, us-west-2]
  primary: us-east-1
  objectives: {rto: 30m, rpo: 1m}
  workflows:
    - name: failover
      kind: activate
      region: us-west-2
      source: us-east-1
      stages:
        - name: capacity
          steps:
`)
	for i := range ecsSteps {
		fmt.Fprintf(&b, `            - name: ecs-%d
              block: ecs-scale
              with:
                target: {cluster: "arn:aws:ecs:us-west-2:123456789012:cluster/app-usw2-%d", service: svc-%d}
                source: {cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/app-use1-%d", service: svc-%d}
`, i, i%5, i, i%5, i)
	}
	for i := range asgSteps {
		fmt.Fprintf(&b, `            - name: asg-%d
              block: asg-scale
              with: {target: {name: web-usw2-%d}, source: {name: web-use1-%d}, percent: 100}
`, i, i, i)
	}
	b.WriteString(`        - name: traffic
          steps:
            - name: routing
              block: arc-routing-control
              with:
                cluster: arn:aws:route53-recovery-control::123456789012:cluster/bench
                states:
`)
	for i := range controls {
		fmt.Fprintf(&b, "                  - {routingControl: \"arn:aws:route53-recovery-control::123456789012:controlpanel/panel/routingcontrol/rc%02d\", state: \"On\"}\n", i)
	}
	for i := range checks {
		fmt.Fprintf(&b, `            - name: stop-%d
              block: stop-signal
              with: {bucket: signal-bucket-%d, key: flag, signal: publish, healthCheckId: "%08x-0000-4000-8000-000000000000"}
`, i, i, i+1)
	}
	b.WriteString(`        - name: verify
          steps:
            - name: alarms
              block: alarm-wait
              with:
                alarms:
`)
	for i := range alarms {
		fmt.Fprintf(&b, "                  - arn:aws:cloudwatch:us-west-2:123456789012:alarm:app-health-%d\n", i)
	}
	ps, err := plan.Parse("synthetic.yaml", []byte(b.String()))
	if err != nil {
		return nil, fmt.Errorf("synthetic plan: %w", err)
	}
	return ps[0], nil
}
