package readiness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go"

	"github.com/switchyard-dev/switchyard/shared/awsapi"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// Clients are the AWS clients readiness reads through: a subset of
// awsapi.Clients, which satisfies it.
type Clients interface {
	RDS(region string) awsapi.RDS
	ECS(region string) awsapi.ECS
	AutoScaling(region string) awsapi.AutoScaling
	CloudWatch(region string) awsapi.CloudWatch
	SecretsManager(region string) awsapi.SecretsManager
	Route53() awsapi.Route53
	IAM() awsapi.IAM
	ARC(endpoint awsapi.ARCEndpoint) awsapi.ARC
}

var _ Clients = awsapi.Clients(nil)

// ARCDirectory lists an ARC cluster's five Regional data-plane endpoints
// (route53-recovery-control-config DescribeCluster in production). An
// unknown cluster is an error.
type ARCDirectory interface {
	Endpoints(ctx context.Context, clusterARN string) ([]awsapi.ARCEndpoint, error)
}

// StepRequest is what a block's readiness check sees: one step of a
// workflow into Target, in graceful mode, first attempt.
type StepRequest struct {
	Plan     *plan.Plan
	Workflow *plan.Workflow
	Stage    *plan.Stage
	Step     *plan.Step
	Target   string
	Source   string
}

// StepChecker checks one step (a block's blocks.Checker, adapted by package
// readiness/blockcheck). It never changes anything. Findings with severity
// "error" count as Critical.
type StepChecker interface {
	CheckStep(ctx context.Context, req StepRequest) ([]Finding, error)
}

// StepCheckers gives the checker of a block; false for a block without one.
// readiness/blockcheck adapts blocks.NewRegistry to it; this package does
// not import the blocks so that it builds and tests on its own.
type StepCheckers interface {
	StepChecker(block string) (StepChecker, bool)
}

// Versions reads which plan version the control plane of a Region has
// deployed (the store of that Region). A plan not deployed there is an error
// wrapping store.ErrNotFound.
type Versions interface {
	DeployedVersion(ctx context.Context, region, plan string) (string, error)
}

// Slack checks that Slack answers with the control plane's bot token
// (auth.test). It must not post anything.
type Slack interface {
	Ping(ctx context.Context) error
}

// Quotas reports the share (0–100 %) of new capacity of a service ("ecs",
// "asg", "eks") that a Region can place now: Service Quotas and capacity
// signals in production, injected capacity faults in the simulator.
type Quotas interface {
	Headroom(ctx context.Context, region, service string) (percent int, err error)
}

// Options configure an Evaluator. Clients and Clock are required; every
// other dependency is optional and its checks are skipped (with an info
// finding) when nil.
type Options struct {
	Clients  Clients
	Clock    clock.Clock
	ARC      ARCDirectory
	Checkers StepCheckers
	Versions Versions
	Slack    Slack
	Quotas   Quotas
	// Region is where this copy of the control plane runs.
	Region string
	// ExecutionRole is the ARN of the role execute-plan runs its steps with;
	// its permissions are simulated for every action the plan will take.
	ExecutionRole string
	// Secrets are Secrets Manager secrets (names or ARNs) the control plane
	// needs in the target Region, such as the Slack bot token and signing
	// secret. The plan model names no secrets yet.
	Secrets []string
	// Limits are per-API budgets (default DefaultLimits).
	Limits map[string]Limit
	// Retries bounds retries of a throttled call (default 4).
	Retries int
}

// Evaluator evaluates plans. It is safe for concurrent use.
type Evaluator struct {
	o   Options
	lim *limiter
}

// New returns an Evaluator.
func New(o Options) (*Evaluator, error) {
	if o.Clients == nil || o.Clock == nil {
		return nil, errors.New("readiness: Options.Clients and Options.Clock are required")
	}
	if o.Limits == nil {
		o.Limits = DefaultLimits
	}
	if o.Retries == 0 {
		o.Retries = 4
	}
	return &Evaluator{o: o, lim: newLimiter(o.Clock, o.Limits)}, nil
}

// SlowCall is the call latency above which readiness warns.
const SlowCall = 2 * time.Second

// evaluation is the state of one Evaluate call.
type evaluation struct {
	e      *Evaluator
	p      *plan.Plan
	target string
	source string

	mu        sync.Mutex
	findings  []Finding
	calls     int
	metrics   int
	checks    int
	resources map[string]bool
	// throttled counts throttled attempts per API and Region; slow keeps
	// the slowest call per API and Region.
	throttled map[string]int
	slow      map[string]time.Duration
	// unreachable and unavailable count, per Region, calls that could not
	// connect and calls answered ServiceUnavailable.
	unreachable map[string]int
	unavailable map[string]int
	// post runs after every task finished (checks that combine results).
	post []func(context.Context)
}

func (ev *evaluation) add(sev Severity, check, resource, step, format string, a ...any) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	ev.findings = append(ev.findings, Finding{Severity: sev, Check: check, Resource: resource, Step: step, Message: fmt.Sprintf(format, a...)})
}

func (ev *evaluation) touch(resources ...string) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	for _, r := range resources {
		ev.resources[r] = true
	}
}

// call runs one API call within the per-API budget, retrying throttling
// with backoff on the clock. api is "service/Operation".
func (ev *evaluation) call(ctx context.Context, api, region string, f func(ctx context.Context) error) error {
	backoff := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		if err := ev.e.lim.wait(ctx, api, region); err != nil {
			return err
		}
		ev.mu.Lock()
		ev.calls++
		ev.mu.Unlock()
		t0 := ev.e.o.Clock.Now()
		err := f(ctx)
		took := ev.e.o.Clock.Now().Sub(t0)
		key := api + " in " + region
		ev.mu.Lock()
		if took > ev.slow[key] {
			ev.slow[key] = took
		}
		throttled := err != nil && isThrottle(err)
		if throttled {
			ev.throttled[key]++
		}
		ev.mu.Unlock()
		if !throttled || attempt >= ev.e.o.Retries {
			return err
		}
		if err := ev.e.o.Clock.Sleep(ctx, backoff); err != nil {
			return err
		}
		backoff *= 2
	}
}

func isThrottle(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	c := ae.ErrorCode()
	return strings.Contains(c, "Throttl") || c == "TooManyRequestsException" || c == "RequestLimitExceeded"
}

// errorCode is the AWS error code of err, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// failed records a call that could not be made: in the target Region it is
// critical (the plan would meet the same failure), elsewhere a warning.
func (ev *evaluation) failed(check, resource, step, region, what string, err error) {
	sev := Critical
	if region != ev.target {
		sev = Warning
	}
	why := "retryable"
	if !errclass.IsRetryable(err) {
		why = "not retryable"
	}
	var ne net.Error
	ev.mu.Lock()
	switch {
	case errors.As(err, &ne):
		ev.unreachable[region]++
	case errorCode(err) == "ServiceUnavailable" || errorCode(err) == "ServiceUnavailableException":
		ev.unavailable[region]++
	}
	ev.mu.Unlock()
	ev.add(sev, check, resource, step, "could not %s in %s (%s): %v", what, region, why, err)
}

// Evaluate evaluates plan p for a failover into target. It never changes
// anything. Errors are for unusable input (target not one of the plan's
// Regions, a cancelled context); everything the evaluation finds is a
// finding. On a Virtual clock, call it from a goroutine started with the
// clock's Go.
func (e *Evaluator) Evaluate(ctx context.Context, p *plan.Plan, target string) (Report, error) {
	if p == nil {
		return Report{}, errors.New("readiness: nil plan")
	}
	known := false
	for _, r := range p.Spec.Regions {
		known = known || r == target
	}
	if !known {
		return Report{}, fmt.Errorf("readiness of plan %s: target %q is not one of the plan's Regions %v", p.Metadata.Name, target, p.Spec.Regions)
	}
	start := e.o.Clock.Now()
	ev := &evaluation{e: e, p: p, target: target, source: p.SourceRegion(target), resources: map[string]bool{},
		throttled: map[string]int{}, slow: map[string]time.Duration{}, unreachable: map[string]int{}, unavailable: map[string]int{}}
	wfs := ev.workflows()
	var tasks []func(context.Context)
	if len(wfs) == 0 {
		ev.add(Critical, "plan/workflow", "", "", "plan %s has no workflow that moves into %s (add an activate workflow with region: %s)", p.Metadata.Name, target, target)
	} else {
		tasks = ev.plan(wfs)
	}
	ev.run(ctx, tasks)
	for _, f := range ev.post {
		f(ctx)
	}
	for _, r := range sortedKeys(ev.unreachable) {
		sev := Critical
		if r != target {
			sev = Warning
		}
		ev.add(sev, "region/reachable", r, "", "%s does not answer: %d call(s) could not connect; the Region looks down, and nothing there could be checked or run", r, ev.unreachable[r])
	}
	for _, r := range sortedKeys(ev.unavailable) {
		sev := Critical
		if r != target {
			sev = Warning
		}
		ev.add(sev, "region/control-plane", r, "", "control-plane APIs in %s answer ServiceUnavailable (%d call(s)): steps that change resources there would fail; data-plane steps may still work", r, ev.unavailable[r])
	}
	for _, k := range sortedKeys(ev.throttled) {
		ev.add(Info, "api/throttling", k, "", "%s was throttled %d time(s); readiness backed off and retried within its per-API budget", k, ev.throttled[k])
	}
	for _, k := range sortedKeys(ev.slow) {
		if d := ev.slow[k]; d >= SlowCall {
			ev.add(Warning, "api/latency", k, "", "%s took %s to answer (slower than %s): steps calling it will be slow", k, d.Round(time.Millisecond), SlowCall)
		}
	}
	if err := ctx.Err(); err != nil {
		return Report{}, fmt.Errorf("readiness of plan %s into %s: %w", p.Metadata.Name, target, err)
	}
	sortFindings(ev.findings)
	rep := Report{
		Plan: p.Metadata.Name, PlanVersion: p.Fingerprint(), Region: cmp.Or(e.o.Region, target), Target: target, Source: ev.source,
		Findings: ev.findings, EvaluatedAt: start, Duration: e.o.Clock.Now().Sub(start),
		Calls: ev.calls, MetricQueries: ev.metrics, Checks: ev.checks, Resources: len(ev.resources),
	}
	if rep.Findings == nil {
		rep.Findings = []Finding{}
	}
	rep.Ready = rep.Counts().Critical == 0
	return rep, nil
}

// run runs tasks concurrently on the clock and waits for all of them.
func (ev *evaluation) run(ctx context.Context, tasks []func(context.Context)) {
	ev.checks += len(tasks)
	if len(tasks) == 0 {
		return
	}
	clk := ev.e.o.Clock
	done := clk.NewEvent()
	var mu sync.Mutex
	left := len(tasks)
	for _, t := range tasks {
		clk.Go(func() {
			defer func() {
				mu.Lock()
				left--
				last := left == 0
				mu.Unlock()
				if last {
					done.Fire()
				}
			}()
			t(ctx)
		})
	}
	_ = done.Wait(ctx, 0)
}

// workflows returns the workflows a failover into the target runs.
func (ev *evaluation) workflows() []*plan.Workflow {
	var out []*plan.Workflow
	for i := range ev.p.Spec.Workflows {
		w := &ev.p.Spec.Workflows[i]
		if t, _ := ev.p.StepRegions(w); t == ev.target {
			out = append(out, w)
		}
	}
	return out
}
