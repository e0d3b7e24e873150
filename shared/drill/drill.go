package drill

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/executor"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/sim"
	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
	"github.com/switchyard-dev/switchyard/shared/trigger"
)

// The approval modes.
const (
	// ApproveAuto answers every approval at once, as user "drill".
	ApproveAuto = "auto"
	// ApprovePrompt asks on the terminal (Options.Prompt).
	ApprovePrompt = "prompt"
)

// DrillUser is the approver recorded for automatic answers.
const DrillUser = "drill"

// DefaultStart is the AWS time a drill starts at: fixed, so runs are
// reproducible.
var DefaultStart = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// Decision is an operator decision the execution asks for at a failed step.
type Decision struct {
	// Plan, Execution and Step locate it; Error is the failure ("Error: cause").
	Plan      string
	Execution string
	Step      string
	Error     string
	// Mode is the execution's mode when it asked.
	Mode string
	// Options are the allowed answers (retry, skip, ungraceful, abort).
	Options []string
	// Asked counts the decisions asked for this step so far (1 for the first).
	Asked int
}

// Decider answers operator decisions.
type Decider func(ctx context.Context, d Decision) (answer string, err error)

// Prompter asks a person on the terminal.
type Prompter interface {
	// Ask shows question and returns the chosen option (one of options).
	Ask(ctx context.Context, question string, options []string) (string, error)
}

// DefaultDecider is the runbook an automatic drill follows at a failed step
// whose policy is ask: in graceful mode switch to ungraceful (the source
// Region is presumed impaired), otherwise abort.
func DefaultDecider(_ context.Context, d Decision) (string, error) {
	if d.Mode == string(store.ModeGraceful) && slices.Contains(d.Options, "ungraceful") {
		return "ungraceful", nil
	}
	return "abort", nil
}

// Options configure Run.
type Options struct {
	// Plans are the plans of the file (required); Name picks one of them
	// (empty: all, in dependency order).
	Plans []*plan.Plan
	Name  string
	// Target is the Region to fail over to (default: the plan's failover
	// trigger target, or its only standby Region).
	Target string
	// Mode is graceful (default) or ungraceful.
	Mode string
	// Approve is auto (default) or prompt.
	Approve string
	// Prompt asks on the terminal when Approve is prompt.
	Prompt Prompter
	// Decide answers operator decisions (default DefaultDecider; with
	// Approve prompt and Decide nil, the prompt is asked).
	Decide Decider
	// Faults are simulator fault specs (sim.ParseFault) injected when the
	// drill starts.
	Faults []string
	// Speed 0 runs on a virtual clock, as fast as possible; N > 0 runs N×
	// real time on a scaled clock.
	Speed float64
	// Progress receives the live view (nil: none).
	Progress io.Writer
	// Durations of the simulated operations (zero fields: defaults); Seed
	// makes throttling deterministic.
	Durations sim.Durations
	Seed      int64
	// Start is the AWS time the drill starts at (default DefaultStart).
	Start time.Time
	// Setup shapes the world after it is built and before the faults and
	// the alarm (tests).
	Setup func(w *sim.World) error
	// Definitions is a directory of *.asl.json definitions to run instead
	// of the ones built into the binary (statemachines.FS).
	Definitions string
	// OnStep is told about every step state change as it happens, in the
	// handler's goroutine on the clock (tests inject faults at a step).
	OnStep func(StepChange)
	// NoTrigger starts the execution directly when the trigger's alarm has
	// held, instead of through the trigger function (shared/trigger).
	NoTrigger bool
	// DuplicateDeliveries makes the runtime deliver every Lambda invocation
	// twice (the duplicate-delivery fault), if the runtime supports it.
	DuplicateDeliveries bool
	// Latency is the time the AWS services themselves take (nil:
	// DefaultLatency). On a virtual clock nothing else costs time, so without
	// it the orchestration overhead would be measured as zero.
	Latency *Latency
}

// Latency is the modelled service time of the control plane's own AWS calls.
type Latency struct {
	// Transition is a Step Functions state transition.
	Transition time.Duration
	// Invoke is a Lambda invocation's overhead beyond the handler's own work.
	Invoke time.Duration
	// APICall is every AWS API call a handler makes (the simulator's
	// per-call latency).
	APICall time.Duration
}

// DefaultLatency is a conservative guess, not a measurement: Step Functions
// Standard state transitions and warm Lambda invocations take tens of
// milliseconds, AWS control-plane API calls tens to hundreds. Drills count
// this time in the RTO (and not in the critical path, which is the
// orchestration-free lower bound).
var DefaultLatency = Latency{Transition: 50 * time.Millisecond, Invoke: 30 * time.Millisecond, APICall: 50 * time.Millisecond}

// Run drills the plans: it builds the simulated world from them, injects
// the faults, and for each plan (in dependency order) raises its trigger's
// alarm and holds it for the trigger's duration (or starts directly when the
// plan has no failover trigger towards the target), runs execute-plan with
// the real handlers, answers approvals and decisions, and measures the
// result on the world. The error is non-nil only when the drill could not
// run; a failed execution is a Result with Status FAILED.
func Run(ctx context.Context, o Options) (*Result, error) {
	wallStart := time.Now()
	plans, err := selectPlans(o.Plans, o.Name)
	if err != nil {
		return nil, err
	}
	if o.Mode == "" {
		o.Mode = string(store.ModeGraceful)
	}
	if o.Mode != string(store.ModeGraceful) && o.Mode != string(store.ModeUngraceful) {
		return nil, fmt.Errorf("--mode %q: allowed: graceful, ungraceful", o.Mode)
	}
	if o.Approve == "" {
		o.Approve = ApproveAuto
	}
	if o.Approve != ApproveAuto && o.Approve != ApprovePrompt {
		return nil, fmt.Errorf("--approve %q: allowed: auto, prompt", o.Approve)
	}
	if o.Approve == ApprovePrompt && o.Prompt == nil {
		return nil, fmt.Errorf("--approve prompt needs a terminal to ask on")
	}
	if o.Speed < 0 {
		return nil, fmt.Errorf("--speed %v: must be positive (0 runs as fast as possible)", o.Speed)
	}
	targets := map[string]string{}
	flows := map[string]*plan.Workflow{}
	for _, p := range plans {
		t, err := targetFor(p, o.Target)
		if err != nil {
			return nil, err
		}
		w, err := executor.ResolveWorkflow(p, t, "")
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", p.Metadata.Name, err)
		}
		targets[p.Metadata.Name], flows[p.Metadata.Name] = t, w
	}
	faults := make([]sim.Fault, 0, len(o.Faults))
	for _, spec := range o.Faults {
		f, err := sim.ParseFault(spec)
		if err != nil {
			return nil, fmt.Errorf("--fault %q: %w", spec, err)
		}
		faults = append(faults, f)
	}
	start := o.Start
	if start.IsZero() {
		start = DefaultStart
	}
	var clk clock.Clock
	if o.Speed > 0 {
		clk = clock.NewScaled(start, o.Speed)
	} else {
		clk = clock.NewVirtual(start)
	}
	// us-east-1 is always in the world: Route 53's and IAM's control planes
	// are homed there, whichever Regions the plans use.
	world, err := readiness.WorldFromPlan(readiness.WorldOptions{Options: sim.Options{Clock: clk, Seed: o.Seed, Durations: o.Durations,
		Regions: []string{"us-east-1"}}}, o.Plans...)
	if err != nil {
		return nil, err
	}
	lat := DefaultLatency
	if o.Latency != nil {
		lat = *o.Latency
	}
	world.SetLatency(lat.APICall)
	if err := addTraffic(world, plans, flows); err != nil {
		return nil, fmt.Errorf("modelling traffic for the drill: %w", err)
	}
	// The event source mappings and write-fence flags the plans' steps
	// change, so those steps change something real.
	if err := world.AddPlanResources(o.Plans...); err != nil {
		return nil, fmt.Errorf("adding the plans' event source mappings and fences to the world: %w", err)
	}
	if o.Setup != nil {
		if err := o.Setup(world); err != nil {
			return nil, fmt.Errorf("setting up the world: %w", err)
		}
	}
	d := &driller{o: o, latency: lat, clk: clk, world: world, pr: &progress{w: o.Progress, origin: start}, router: &eventRouter{}, engines: map[string]engine{}, flows: flows}
	d.obs = newObservedStore(memory.New(clk), clk)
	d.obs.onStep = d.stepChanged
	d.stages = map[string]string{}
	for _, p := range plans {
		for _, st := range flows[p.Metadata.Name].Stages {
			for _, step := range st.Steps {
				d.stages[p.Metadata.Name+"/"+step.Name] = st.Name
			}
		}
	}
	d.peaks = recordPeaks(ctx, world, plans, flows)
	world.Subscribe(d.router.deliver)
	if !o.NoTrigger {
		tp, err := newTriggerPath(ctx, d, plans)
		if err != nil {
			return nil, err
		}
		d.trig = tp
		world.Subscribe(func(ev sim.Event) { tp.deliver(ctx, ev) })
	}
	defer func() {
		for _, e := range d.engines {
			e.Close()
		}
	}()
	// Let go of the last plan's end hold before the engines close (deferred
	// calls run last-in first-out).
	defer func() {
		if d.carry != nil {
			d.carry()
			d.carry = nil
		}
	}()

	var results []*Result
	for i, p := range plans {
		inject := faults
		if i > 0 {
			inject = nil
		}
		r, err := d.runPlan(ctx, p, targets[p.Metadata.Name], inject, i == len(plans)-1)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
		if r.Status != string(store.ExecutionSucceeded) {
			break // a dependent plan does not run after its dependency failed
		}
	}
	out := results[len(results)-1]
	if len(results) > 1 {
		out = groupResult(results, len(plans))
	}
	out.WallSeconds = seconds(time.Since(wallStart))
	return out, nil
}

// groupResult sums up a dependency group's runs. The group's RTO runs from
// the first plan's alarm (or start) to the target serving traffic, as
// recorded after the first plan whose run moved traffic (else the last
// plan's); its critical path is the sum of the plans' critical paths up to
// and including that plan (the plans run one after the other); its RPO the
// largest of the plans'; its objectives those of the plan that moved the
// traffic.
func groupResult(results []*Result, planned int) *Result {
	at := len(results) - 1
	for i, r := range results {
		if r.Served && slices.ContainsFunc(r.CriticalPath, func(s PathSegment) bool { return s.Kind == "traffic" }) {
			at = i
			break
		}
	}
	g := *results[len(results)-1]
	mover := results[at]
	g.Plans = results
	g.AlarmAt = results[0].AlarmAt
	g.StartedAt = results[0].StartedAt
	g.StartedBy, g.TriggerPath = results[0].StartedBy, results[0].TriggerPath
	g.Served, g.ServedAt = mover.Served, mover.ServedAt
	g.RTOObjectiveSeconds, g.RPOObjectiveSeconds = mover.RTOObjectiveSeconds, mover.RPOObjectiveSeconds
	g.Status = string(store.ExecutionSucceeded)
	if len(results) < planned {
		g.Status = results[len(results)-1].Status
	}
	for _, r := range results {
		if r.Status != string(store.ExecutionSucceeded) {
			g.Status = r.Status
		}
	}
	g.RTOSeconds = 0
	if g.Served {
		g.RTOSeconds = seconds(g.ServedAt.Sub(g.AlarmAt))
	}
	g.RPOSeconds, g.CriticalPathSeconds = 0, 0
	g.CriticalPath, g.Steps, g.Approvals, g.Faults = []PathSegment{}, []StepResult{}, []ApprovalResult{}, results[0].Faults
	g.HistoryEvents, g.StateTransitions, g.ChildHistoryEventsMax = 0, 0, 0
	for i, r := range results {
		g.RPOSeconds = max(g.RPOSeconds, r.RPOSeconds)
		if i <= at {
			g.CriticalPathSeconds += r.CriticalPathSeconds
			for _, seg := range r.CriticalPath {
				seg.Name = r.Plan + ": " + seg.Name
				g.CriticalPath = append(g.CriticalPath, seg)
			}
		}
		g.Approvals = append(g.Approvals, r.Approvals...)
		g.Steps = append(g.Steps, r.Steps...)
		g.HistoryEvents = max(g.HistoryEvents, r.HistoryEvents)
		g.StateTransitions += r.StateTransitions
		g.ChildHistoryEventsMax = max(g.ChildHistoryEventsMax, r.ChildHistoryEventsMax)
	}
	g.RTOMet = g.Served && (g.RTOObjectiveSeconds == 0 || g.RTOSeconds <= g.RTOObjectiveSeconds)
	// Every plan answers to its own RPO (an objective of 0s is a real one:
	// no data loss); the group shows the largest loss against the objective
	// of the plan that incurred it.
	g.RPOMet = true
	for _, r := range results {
		g.RPOMet = g.RPOMet && r.RPOMet
		if r.RPOSeconds == g.RPOSeconds && r.RPOSeconds > 0 {
			g.RPOObjectiveSeconds = r.RPOObjectiveSeconds
		}
	}
	g.Overhead = ratio(g.RTOSeconds, g.CriticalPathSeconds)
	return &g
}

// driller holds one drill's moving parts.
type driller struct {
	latency Latency
	// carry holds the clock from the end of one plan's run until the next
	// plan's run holds it itself (nil: nothing held), so virtual time does
	// not jump to the world's next timer between the plans of a group.
	carry func()
	o     Options
	clk   clock.Clock
	world *sim.World
	obs   *observedStore
	eng   engine
	pr    *progress

	router  *eventRouter
	trig    *triggerPath
	engines map[string]engine
	runs    int
	peaks   recordedPeaks
	// flows is the workflow each plan runs (executor.ResolveWorkflow).
	flows map[string]*plan.Workflow
	// stages maps plan/step to its stage name; plan is the plan running.
	stages map[string]string
	plan   string

	mu    sync.Mutex
	asks  map[string]int // step → decisions asked
	modes map[string]string
	errs  []error
}

// stepChanged prints a step change and passes it to Options.OnStep.
func (d *driller) stepChanged(c StepChange) {
	if c.Stage == "" {
		d.mu.Lock()
		c.Stage = d.stages[d.plan+"/"+c.Step]
		d.mu.Unlock()
	}
	d.pr.step(c)
	if d.o.OnStep != nil {
		d.o.OnStep(c)
	}
}

// runPlan drills one plan.
//
// last says whether it is the last plan of the drill: the traffic-vs-writer
// invariant is checked only then (in a dependency group a plan may move the
// database before another moves the traffic).
func (d *driller) runPlan(ctx context.Context, p *plan.Plan, target string, faults []sim.Fault, last bool) (*Result, error) {
	w := d.flows[p.Metadata.Name]
	_, source := p.StepRegions(w)
	trig, hold := triggerFor(p, target)
	// Hold the clock while this goroutine (outside the clock) sets the run
	// up, then let go of the hold carried over from the previous plan.
	var release func()
	if h, ok := d.clk.(clock.Holder); ok {
		release = h.Hold()
	}
	unhold := func() {
		if release != nil {
			release()
			release = nil
		}
	}
	defer unhold()
	if d.carry != nil {
		d.carry()
		d.carry = nil
	}
	// One control plane per target Region, shared by the plans of a group
	// that fail over into it (as in AWS).
	eng := d.engines[target]
	if eng == nil {
		var err error
		eng, err = newEngine(engineConfig{Clock: d.clk, Store: d.obs, World: d.world, Plans: d.o.Plans, Definitions: d.o.Definitions,
			Region: target, Notify: d.asked, Router: d.router, Peaks: d.peaks, Duplicate: d.o.DuplicateDeliveries,
			Latency: d.latency})
		if err != nil {
			return nil, err
		}
		d.engines[target] = eng
	}
	eng.Route()
	d.mu.Lock()
	d.eng, d.plan = eng, p.Metadata.Name
	d.runs++
	name := fmt.Sprintf("drill-%s-%d", p.Metadata.Name, d.runs)
	d.mu.Unlock()
	r := &Result{Plan: p.Metadata.Name, Workflow: w.Name, Target: target, Source: source, Mode: d.o.Mode, FinalMode: d.o.Mode,
		RTOObjectiveSeconds: seconds(time.Duration(p.Spec.Objectives.RTO)),
		RPOObjectiveSeconds: seconds(time.Duration(p.Spec.Objectives.RPO)),
		Faults:              []string{}, Approvals: []ApprovalResult{}, Steps: []StepResult{}, CriticalPath: []PathSegment{}}
	for _, f := range d.world.Faults() {
		r.Faults = append(r.Faults, f.Fault.String())
	}
	snap, err := snapshotFleets(ctx, d.world, p)
	if err != nil {
		return nil, err
	}

	// The alarm, the faults, the hold and the start happen on the clock:
	// a tracked goroutine sleeps through the hold so virtual time can jump.
	type started struct {
		id  string
		err error
	}
	done := make(chan started, 1)
	startNow := func(ctx context.Context, execName, startedBy, reason string) (string, error) {
		return eng.Start(ctx, execName, p, target, d.o.Mode, startedBy, reason)
	}
	tp := d.trig
	if trig != nil && tp != nil {
		tp.mu.Lock()
		tp.start = func(ctx context.Context, req trigger.StartRequest) (string, error) {
			if req.Plan != p.Metadata.Name || req.Target != target {
				return "", fmt.Errorf("the drill runs plan %s into %s, not %s into %s", p.Metadata.Name, target, req.Plan, req.Target)
			}
			n := name
			if validName.MatchString(req.ClientToken) {
				n = req.ClientToken
			}
			return startNow(ctx, n, cmp.Or(req.StartedBy, "trigger"), req.Reason)
		}
		tp.mu.Unlock()
		defer func() {
			tp.mu.Lock()
			tp.start = nil
			tp.mu.Unlock()
		}()
	}
	alarmAt := d.clk.Now()
	if trig != nil {
		d.pr.linef(alarmAt, "alarm  trigger %s: %s; holding %s", trig.Name, conditionsText(trig), hold)
		if err := raise(ctx, d.world, trig); err != nil {
			return nil, err
		}
		r.StartedBy = "trigger " + trig.Name
	} else {
		r.StartedBy = "drill"
		d.pr.linef(alarmAt, "start  no failover trigger towards %s: starting directly", target)
	}
	for _, f := range faults {
		if _, err := d.world.Inject(f); err != nil {
			return nil, fmt.Errorf("injecting fault %s: %w", f, err)
		}
		r.Faults = append(r.Faults, f.String())
		d.pr.linef(alarmAt, "fault  %s", f)
	}
	d.clk.Go(func() {
		if trig == nil {
			id, err := startNow(ctx, name, "drill", "drill")
			done <- started{id: id, err: err}
			return
		}
		if err := d.clk.Sleep(ctx, hold); err != nil {
			done <- started{err: err}
			return
		}
		if tp != nil {
			// The trigger re-checks at the hold deadline and starts the
			// execution itself; give it until triggerGrace to decide.
			for waited := time.Duration(0); waited <= triggerGrace; waited += time.Second {
				select {
				case id := <-tp.started:
					r.TriggerPath = fmt.Sprintf("shared/trigger: alarm state changes from the simulator to the trigger handler; its conditions held %s, readiness evaluated, execution started by the trigger", hold)
					done <- started{id: id}
					return
				default:
				}
				// A decision other than "held" or "started" at or after
				// the deadline (not ready, blocked, …) is final.
				if dec, ok := tp.last(p.Metadata.Name, trig.Name); ok && !dec.DecidedAt.Before(alarmAt.Add(hold)) &&
					dec.Decision != awsevent.DecisionHeld && dec.Decision != awsevent.DecisionStarted {
					break
				}
				if err := d.clk.Sleep(ctx, time.Second); err != nil {
					done <- started{err: err}
					return
				}
			}
		}
		why := "the trigger function is not wired"
		if tp != nil {
			why = "the trigger function made no decision"
			if dec, ok := tp.last(p.Metadata.Name, trig.Name); ok {
				why = fmt.Sprintf("the trigger function decided %s: %s", dec.Decision, oneLine(dec.Reason))
			}
		}
		r.StartedBy = "drill"
		r.TriggerPath = fmt.Sprintf("alarm(s) of trigger %s raised and held %s, but %s; the drill started the execution itself", trig.Name, hold, why)
		d.pr.linef(d.clk.Now(), "start  %s; starting directly", why)
		id, err := startNow(ctx, name, "drill", fmt.Sprintf("drill: trigger %s held %s", trig.Name, hold))
		done <- started{id: id, err: err}
	})
	unhold()
	var st started
	select {
	case st = <-done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if st.err != nil {
		return nil, fmt.Errorf("starting execute-plan for plan %s: %w", p.Metadata.Name, st.err)
	}
	r.ExecutionArn = st.id
	r.ExecutionID = st.id[strings.LastIndex(st.id, ":")+1:]
	r.AlarmAt = alarmAt
	fin, endHold, err := eng.Wait(ctx, st.id)
	if err != nil {
		endHold()
		return nil, fmt.Errorf("waiting for execution %s: %w", st.id, err)
	}
	d.mu.Lock()
	errs := d.errs
	d.errs = nil
	d.mu.Unlock()
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	r.Status, r.Error, r.Cause = fin.Status, fin.Error, fin.Cause
	r.HistoryEvents, r.StateTransitions, r.ChildHistoryEventsMax = fin.HistoryEvents, fin.StateTransitions, fin.ChildHistoryEventsMax
	end := fin.EndedAt
	if end.IsZero() {
		end = d.clk.Now()
	}
	d.pr.linef(end, "end    %s %s", r.ExecutionID, r.Status)
	exclusive := Exclusive(p, w)
	if r.Status == string(store.ExecutionSucceeded) && movesTrafficIn(w) {
		// Settling lets AWS time run; it hands a hold back when done.
		endHold()
		endHold = d.settle(ctx, p, w, target, exclusive, alarmAt)
	}
	d.carry = endHold
	if err := d.measure(ctx, r, p, w, trig, hold, snap, exclusive, last); err != nil {
		return nil, err
	}
	return r, nil
}

// triggerGrace is how long after the hold deadline the drill waits for the
// trigger function to start the execution before starting it itself.
const triggerGrace = 2 * time.Minute

// SettleLimit bounds how long (AWS time) a drill waits after a successful
// execution for the target to serve traffic: clients follow a changed DNS
// answer only a TTL later, which may be after the execution ended.
const SettleLimit = 10 * time.Minute

// settlePoll is how often the world is looked at while settling; the served
// time itself comes from the simulator's record, not from this poll.
const settlePoll = 5 * time.Second

// Exclusive reports whether running w must leave every client in its
// target Region: always for an active-passive plan, and for the deactivate
// workflow of an active-active plan ("move all traffic to the target":
// traffic starts in both Regions and ends only in the target). An
// active-active activate workflow puts a Region back into service, so the
// target serving at all is enough.
func Exclusive(p *plan.Plan, w *plan.Workflow) bool {
	return p.Spec.Approach != plan.ActiveActive || w.Kind == plan.Deactivate
}

// settle lets AWS time run (on the clock) until target serves traffic or
// SettleLimit passes.
func (d *driller) settle(ctx context.Context, p *plan.Plan, w *plan.Workflow, target string, exclusive bool, origin time.Time) (release func()) {
	done := make(chan func(), 1)
	d.clk.Go(func() {
		// Hand a hold to the caller (outside the clock) before this tracked
		// goroutine ends, so time stands still while the caller measures.
		defer func() {
			if h, ok := d.clk.(clock.Holder); ok {
				done <- h.Hold()
				return
			}
			done <- func() {}
		}()
		deadline := d.clk.Now().Add(SettleLimit)
		for d.clk.Now().Before(deadline) {
			if at, ok := d.servedAt(w, target, exclusive, origin); ok {
				d.pr.linef(at, "served traffic served from %s", target)
				return
			}
			if d.clk.Sleep(ctx, settlePoll) != nil {
				return
			}
		}
		d.pr.linef(d.clk.Now(), "served %s does not serve traffic %s after the execution", target, SettleLimit)
	})
	return <-done
}

// servedAt reports when target started serving the application's traffic,
// as the simulator records it: clients are sent to target and its
// application is healthy (sim.World.ServedSince). With exclusive (see
// Exclusive) every client must go to target, and the time is when
// the last one moved. ok is false while that is not the case.
func servedAt(w *sim.World, target string, exclusive bool) (time.Time, bool) {
	tr := w.Traffic()
	if exclusive && !slices.Equal(tr.Clients, []string{target}) {
		return time.Time{}, false
	}
	since, ok := w.ServedSince(target)
	if !ok {
		return time.Time{}, false
	}
	if exclusive {
		since = latest(since, tr.ClientsSince)
	}
	return since, true
}

// servedAt is servedAt for workflow w: when w moves an Aurora global
// database, the target serves only once it can also write, i.e. from the
// end of the switchover or failover into it recorded since origin (writes
// were not possible before: reads alone are not a recovery).
func (d *driller) servedAt(w *plan.Workflow, target string, exclusive bool, origin time.Time) (time.Time, bool) {
	at, ok := servedAt(d.world, target, exclusive)
	if !ok {
		return at, false
	}
	for _, st := range w.Stages {
		for _, step := range st.Steps {
			cfg, isDB := step.With.(*plan.AuroraGlobal)
			if !isDB {
				continue
			}
			if !d.wrote(cfg, target, origin, &at) {
				return time.Time{}, false
			}
		}
	}
	return at, true
}

// wrote reports whether the global database of cfg has its writer in
// target, and moves at to the end of the switchover or failover into
// target recorded since origin.
func (d *driller) wrote(cfg *plan.AuroraGlobal, target string, origin time.Time, at *time.Time) bool {
	id := arnTail(cfg.GlobalCluster, "global-cluster")
	if w, known := d.world.Writer(id); !known || w != target || !slices.Contains(d.world.Writers(), target) {
		return false
	}
	for _, op := range d.world.GlobalOps(id) {
		if op.Outcome == "completed" && op.ToRegion == target && !op.StartedAt.Before(origin) {
			*at = latest(*at, op.EndedAt)
		}
	}
	return true
}

// movesTrafficIn reports whether a workflow has a traffic-moving step.
func movesTrafficIn(w *plan.Workflow) bool {
	for _, st := range w.Stages {
		for _, s := range st.Steps {
			if movesTraffic(s.Block) {
				return true
			}
		}
	}
	return false
}

// measure fills the result from the store and the world.
func (d *driller) measure(ctx context.Context, r *Result, p *plan.Plan, w *plan.Workflow, trig *plan.Trigger, hold time.Duration, snap fleetSnapshot, exclusive, last bool) error {
	s := d.obs
	exec, err := s.GetExecution(ctx, r.ExecutionID)
	if err == nil {
		r.StartedAt, r.EndedAt, r.FinalMode = exec.StartedAt, exec.EndedAt, string(exec.Mode)
	} else {
		r.EndedAt = d.clk.Now()
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = r.AlarmAt.Add(hold)
	}
	steps, err := s.ListSteps(ctx, r.ExecutionID)
	if err != nil {
		return fmt.Errorf("listing the steps of %s: %w", r.ExecutionID, err)
	}
	byName := map[string]store.Step{}
	for _, st := range steps {
		byName[st.Name] = st
	}
	first := map[string]time.Time{}
	for _, wr := range s.stepWrites() {
		if wr.Execution == r.ExecutionID && !wr.StartedAt.IsZero() {
			if f, ok := first[wr.Name]; !ok || wr.StartedAt.Before(f) {
				first[wr.Name] = wr.StartedAt
			}
		}
	}
	approvals, err := s.ListApprovals(ctx, r.ExecutionID)
	if err != nil {
		return fmt.Errorf("listing the approvals of %s: %w", r.ExecutionID, err)
	}
	for _, a := range approvals {
		ar := ApprovalResult{Kind: string(a.Kind), Step: a.Step, Status: string(a.Status), Answer: a.Answer, DecidedBy: a.DecidedBy,
			Approvers: a.Approvers, AskedAt: a.CreatedAt, DecidedAt: a.DecidedAt}
		if !a.DecidedAt.IsZero() {
			ar.WaitSeconds = seconds(a.DecidedAt.Sub(a.CreatedAt))
		}
		r.Approvals = append(r.Approvals, ar)
	}

	// Where the world ended up.
	if at, ok := d.servedAt(w, r.Target, exclusive, r.AlarmAt); ok {
		r.Served, r.ServedAt = true, at
		r.RTOSeconds = max(0, seconds(at.Sub(r.AlarmAt))) // 0: already served when the drill began
	}
	r.RTOMet = r.Served && (r.RTOObjectiveSeconds == 0 || r.RTOSeconds <= r.RTOObjectiveSeconds)
	for _, l := range d.world.DataLosses() {
		if !l.At.Before(r.AlarmAt) && l.ToRegion == r.Target {
			r.RPOSeconds = max(r.RPOSeconds, seconds(l.Lost))
		}
	}
	// The plan model requires an RPO; 0s means no data loss at all.
	r.RPOMet = r.RPOSeconds <= r.RPOObjectiveSeconds

	// Steps in plan order, and the critical path.
	var stages []pathStage
	for si, stg := range w.Stages {
		ps := pathStage{Name: stg.Name}
		for _, step := range stg.Steps {
			sr := StepResult{Name: step.Name, Block: step.Block, Stage: stg.Name, StageIndex: si, Status: string(store.StepPending)}
			rec, ran := byName[step.Name]
			if ran {
				sr.Status, sr.Attempts, sr.Error, sr.Output = string(rec.Status), rec.Attempt, rec.Error, rec.Output
				// A step that ended FAILED or TIMED_OUT in a run that
				// succeeded was continued past (onFailure: continue).
				if r.Status == string(store.ExecutionSucceeded) && (rec.Status == store.StepFailed || rec.Status == store.StepTimedOut) {
					sr.Continued = true
					r.FailedContinued = append(r.FailedContinued, step.Name)
				}
				sr.StartedAt, sr.EndedAt = rec.StartedAt, rec.EndedAt
				if f, ok := first[step.Name]; ok {
					sr.StartedAt = f
				}
			}
			r.Steps = append(r.Steps, sr)
			pst := pathStep{Name: step.Name, MovesTraffic: movesTraffic(step.Block)}
			if ran {
				pst.LastAttemptAt = rec.StartedAt
			}
			pst.Inherent = d.inherent(p, w, step, r, approvals, snap)
			ps.Steps = append(ps.Steps, pst)
		}
		stages = append(stages, ps)
	}
	holdName := ""
	if trig != nil {
		holdName = trig.Name
	}
	servedAt := time.Time{}
	if r.Served {
		servedAt = r.ServedAt
	}
	segs, cp := criticalPath(holdName, hold, stages, r.AlarmAt, servedAt)
	r.CriticalPath = segs
	r.CriticalPathSeconds = seconds(cp)
	r.Overhead = ratio(r.RTOSeconds, r.CriticalPathSeconds)

	// Invariants.
	inv := Invariants{Writers: d.world.Writers(), Traffic: d.world.Traffic().Clients, Problems: []string{}}
	if inv.Writers == nil {
		inv.Writers = []string{}
	}
	if inv.Traffic == nil {
		inv.Traffic = []string{}
	}
	switch {
	case hasGlobalDB(p):
		inv.WritersFrom = "aurora-global"
		if len(inv.Writers) != 1 {
			inv.Problems = append(inv.Problems, fmt.Sprintf("%d writer Regions (%s), want exactly one", len(inv.Writers), strings.Join(inv.Writers, ", ")))
		}
	case p.Spec.Approach == plan.ActiveActive && exclusive:
		// Multi-Region tables (DynamoDB global tables) take writes in every
		// Region that serves: "one writer" means all traffic, hence all
		// writes, in one Region, the target, once the Region left is out.
		inv.WritersFrom = "traffic"
		inv.Writers = slices.Clone(inv.Traffic)
		if r.Status == string(store.ExecutionSucceeded) && !slices.Equal(inv.Traffic, []string{r.Target}) {
			inv.Problems = append(inv.Problems, fmt.Sprintf("traffic (and so writes) goes to %s, want only %s after taking %s out of service",
				strings.Join(inv.Traffic, ", "), r.Target, r.Source))
		}
	}
	if last && len(inv.Writers) == 1 && len(inv.Traffic) > 0 && !slices.Equal(inv.Traffic, inv.Writers) {
		inv.Problems = append(inv.Problems, fmt.Sprintf("traffic goes to %s but the writer is in %s", strings.Join(inv.Traffic, ", "), inv.Writers[0]))
	}
	if _, err := s.GetLock(ctx, p.Metadata.Name); errors.Is(err, store.ErrNotFound) {
		inv.LockReleased = true
	} else if err != nil {
		inv.Problems = append(inv.Problems, "reading the plan lock: "+err.Error())
	} else {
		inv.Problems = append(inv.Problems, "the plan lock is still held")
	}
	var writes []store.Step
	for _, wr := range s.stepWrites() {
		if wr.Execution == r.ExecutionID {
			writes = append(writes, wr)
		}
	}
	missing, err := CheckAudit(ctx, s, writes)
	if err != nil {
		inv.Problems = append(inv.Problems, "reading the audit log: "+err.Error())
	}
	inv.AuditComplete = err == nil && len(missing) == 0 && len(writes) > 0
	if len(missing) > 0 {
		inv.Problems = append(inv.Problems, "step transitions without an audit record: "+strings.Join(missing, "; "))
	}
	if len(writes) == 0 {
		inv.Problems = append(inv.Problems, "no step transition was recorded")
	}
	r.Invariants = inv
	return nil
}

func ratio(a, b float64) float64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	return float64(int64(a/b*1000+0.5)) / 1000
}

func hasGlobalDB(p *plan.Plan) bool {
	for _, ref := range p.Steps() {
		if ref.Step.Block == "aurora-global" {
			return true
		}
	}
	return false
}

func movesTraffic(block string) bool {
	switch block {
	case "stop-signal", "arc-routing-control", "route53-record":
		return true
	}
	return false
}

// raise sets the trigger's conditions in the simulator: red conditions to
// ALARM, green ones to OK.
func raise(ctx context.Context, w *sim.World, t *plan.Trigger) error {
	for _, c := range t.Conditions {
		a, err := plan.ParseARN(c.Alarm)
		if err != nil {
			return fmt.Errorf("trigger %s: alarm %s: %w", t.Name, c.Alarm, err)
		}
		name := strings.TrimPrefix(a.Resource, "alarm:")
		state := cwtypes.StateValueOk
		if c.State == plan.AlarmState("red") {
			state = cwtypes.StateValueAlarm
		}
		if _, err := w.CloudWatch(a.Region).SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String(name),
			StateValue: state, StateReason: aws.String("switchyard drill: trigger " + t.Name)}); err != nil {
			return fmt.Errorf("raising alarm %s of trigger %s: %w", c.Alarm, t.Name, err)
		}
	}
	return nil
}

func conditionsText(t *plan.Trigger) string {
	parts := make([]string, 0, len(t.Conditions))
	for _, c := range t.Conditions {
		name := c.Alarm
		if i := strings.LastIndex(name, ":"); i >= 0 {
			name = name[i+1:]
		}
		parts = append(parts, fmt.Sprintf("%s %s", name, c.State))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
