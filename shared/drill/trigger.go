package drill

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"

	"github.com/switchyard-dev/switchyard/shared/awsapi"
	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/sim"
	"github.com/switchyard-dev/switchyard/shared/trigger"
)

// triggerPath is the real trigger function (shared/trigger) wired into a
// drill: the world's alarm state changes go to its Handler, which tracks
// how long each condition has held (re-checking at the hold deadline on the
// clock), evaluates the target's readiness on the simulator and starts
// execute-plan through the drill's runtime.
type triggerPath struct {
	d *driller
	h *trigger.Handler

	mu        sync.Mutex
	decisions []trigger.Decision
	// started receives the first execution the trigger started.
	started chan string
	// start is the start the trigger asks for, done by the drill (plan,
	// target) through the current engine.
	start func(ctx context.Context, req trigger.StartRequest) (string, error)
}

// newTriggerPath builds the trigger handler over the world, the drill's
// store and a readiness evaluator like the readiness function's (the
// control plane's secrets and Slack present, the plans deployed in every
// Region).
func newTriggerPath(ctx context.Context, d *driller, plans []*plan.Plan) (*triggerPath, error) {
	sc := readiness.SimClients{W: d.world}
	ev, err := readiness.New(readiness.Options{Clients: sc, ARC: sc, Quotas: sc, Clock: d.clk, ExecutionRole: readiness.DefaultExecutionRole,
		Secrets: readiness.DefaultSecrets, Versions: readiness.VersionsOf(plans...),
		Slack: readiness.SlackFunc(func(context.Context) error { return nil })})
	if err != nil {
		return nil, fmt.Errorf("building the readiness evaluator for the trigger: %w", err)
	}
	tp := &triggerPath{d: d, started: make(chan string, 1)}
	waker := trigger.NewClockWaker(context.WithoutCancel(ctx), d.clk, func(dec trigger.Decision, err error) { tp.note(dec, err) })
	w := d.world
	h, err := trigger.New(trigger.Options{Plans: readiness.StaticPlans(plans), Store: d.obs, Readiness: ev,
		Notifier: &trigger.RecordingNotifier{}, Starter: trigger.StarterFunc(tp.startExecution), Waker: waker, Clock: d.clk,
		Alarms: trigger.CloudWatchAlarms{CloudWatch: func(r string) awsapi.CloudWatch { return w.CloudWatch(r) }}})
	if err != nil {
		return nil, fmt.Errorf("building the trigger handler: %w", err)
	}
	waker.Bind(h)
	tp.h = h
	return tp, nil
}

// deliver hands an alarm state change to the trigger, in a goroutine the
// clock tracks (the handler may wait on rate limits).
func (tp *triggerPath) deliver(ctx context.Context, ev sim.Event) {
	if ev.DetailType != awsevent.DetailTypeAlarmStateChange {
		return
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	tp.d.clk.Go(func() {
		ds, err := tp.h.Handle(ctx, b)
		for _, dec := range ds {
			tp.note(dec, nil)
		}
		if err != nil {
			tp.note(trigger.Decision{}, err)
		}
	})
}

// note records and prints a decision.
func (tp *triggerPath) note(dec trigger.Decision, err error) {
	if err != nil {
		tp.d.pr.linef(tp.d.clk.Now(), "trigger error: %v", err)
		return
	}
	if dec.Trigger == "" {
		return // an alarm no trigger names
	}
	tp.mu.Lock()
	tp.decisions = append(tp.decisions, dec)
	tp.mu.Unlock()
	tp.d.pr.linef(dec.DecidedAt, "trigger %s/%s: %s: %s", dec.Plan, dec.Trigger, dec.Decision, oneLine(dec.Reason))
}

// last returns the latest decision of planName's trigger.
func (tp *triggerPath) last(planName, trig string) (trigger.Decision, bool) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	for i := len(tp.decisions) - 1; i >= 0; i-- {
		if d := tp.decisions[i]; d.Plan == planName && d.Trigger == trig {
			return d, true
		}
	}
	return trigger.Decision{}, false
}

// validName is what Step Functions accepts as an execution name.
var validName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// startExecution implements trigger.Starter through the drill's runtime.
func (tp *triggerPath) startExecution(ctx context.Context, req trigger.StartRequest) (string, error) {
	tp.mu.Lock()
	start := tp.start
	tp.mu.Unlock()
	if start == nil {
		return "", fmt.Errorf("the drill is not running plan %s now", req.Plan)
	}
	arn, err := start(ctx, req)
	if err != nil {
		return "", err
	}
	select {
	case tp.started <- arn:
	default:
	}
	return arn, nil
}
