package trigger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// Readiness evaluates a plan for a failover into target (a
// *readiness.Evaluator).
type Readiness interface {
	Evaluate(ctx context.Context, p *plan.Plan, target string) (readiness.Report, error)
}

// Notice is what a notify decision posts: the readiness and the suggested
// action.
type Notice struct {
	Plan, Trigger, Target string
	Action                plan.TriggerAction
	Decision              string
	Reason                string
	Suggested             string
	Report                *readiness.Report
}

// Notifier posts a notice (Slack in production). It must not block for long
// and must not include secrets.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}

// StartRequest asks for an execute-plan execution.
type StartRequest struct {
	Plan        string
	PlanVersion string
	Target      string
	Source      string
	// WaitForApproval is true for failover-with-approval: the execution
	// waits at its approval step.
	WaitForApproval bool
	// ClientToken makes starting idempotent: the same token names the same
	// execution (Step Functions execution name).
	ClientToken string
	StartedBy   string
	Reason      string
}

// Starter starts executions (the runtime's Start in the simulator, Step
// Functions StartExecution in AWS). Starting twice with the same
// ClientToken returns the first execution's ID without starting another.
type Starter interface {
	Start(ctx context.Context, req StartRequest) (executionID string, err error)
}

// AlarmObservation is an alarm's current state and since when.
type AlarmObservation struct {
	// State is OK, ALARM or INSUFFICIENT_DATA.
	State string
	Since time.Time
}

// AlarmReader reads alarms' current states (CloudWatch DescribeAlarms, one
// call per Region for up to 100 names). Alarms that do not exist are absent
// from the result.
type AlarmReader interface {
	AlarmStates(ctx context.Context, region string, names []string) (map[string]AlarmObservation, error)
}

// Recorder stores a readiness report the trigger evaluated (a
// *readiness.Handler: store, Readiness Changed, metric).
type Recorder interface {
	Record(ctx context.Context, rep readiness.Report) (readiness.Outcome, error)
}

// Waker arranges for Recheck(plan, trigger) to run at a time.
type Waker interface {
	WakeAt(at time.Time, plan, trigger string)
}

// Store is the part of the store the trigger function uses.
type Store interface {
	store.Triggers
	store.Audit
}

// Options configure a Handler. Plans, Store, Readiness and Clock are
// required; Notifier, Starter, Events, Alarms and Waker are optional (an
// action without its dependency is decided "blocked", saying why).
type Options struct {
	Plans     readiness.PlanSource
	Store     Store
	Readiness Readiness
	Notifier  Notifier
	Starter   Starter
	Events    readiness.Publisher
	Alarms    AlarmReader
	Waker     Waker
	// Recorder, when set, stores every report the trigger evaluates.
	Recorder Recorder
	Clock    clock.Clock
	// Region is where this copy of the trigger function runs; Account the
	// account of its events.
	Region  string
	Account string
	Logger  *slog.Logger
}

// Handler is the trigger function's logic. Retry contract: handling the
// same event again is harmless (it is a duplicate; the audit record is keyed
// by event and trigger), and a start is idempotent by client token.
type Handler struct {
	o   Options
	reg *awsevent.Registry
}

// New returns a Handler.
func New(o Options) (*Handler, error) {
	if o.Plans == nil || o.Store == nil || o.Readiness == nil || o.Clock == nil {
		return nil, errors.New("trigger: Options.Plans, Store, Readiness and Clock are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{o: o, reg: awsevent.NewRegistry()}, nil
}

// Decision is what the handler decided for one trigger (or, with Trigger
// empty, for an event no trigger names).
type Decision struct {
	Plan        string               `json:"plan"`
	Trigger     string               `json:"trigger"`
	Action      plan.TriggerAction   `json:"action"`
	Decision    string               `json:"decision"`
	Reason      string               `json:"reason"`
	Target      string               `json:"targetRegion"`
	ExecutionID string               `json:"executionId,omitempty"`
	ClientToken string               `json:"clientToken,omitempty"`
	Conditions  []awsevent.Condition `json:"conditions,omitempty"`
	WakeAt      time.Time            `json:"wakeAt,omitzero"`
	Event       *awsevent.EventRef   `json:"sourceEvent,omitempty"`
	DecidedAt   time.Time            `json:"decidedAt"`
	Readiness   *readiness.Report    `json:"-"`
}

// String is one line: plan/trigger: decision (action): reason.
func (d Decision) String() string {
	if d.Trigger == "" {
		return d.Decision + ": " + d.Reason
	}
	s := fmt.Sprintf("%s/%s: %s (%s → %s): %s", d.Plan, d.Trigger, d.Decision, d.Action, d.Target, d.Reason)
	if d.ExecutionID != "" {
		s += " [execution " + d.ExecutionID + "]"
	}
	return s
}

// observation is one alarm state seen in an event.
type observation struct {
	arn, name, region string
	state             string // OK, ALARM, INSUFFICIENT_DATA
	at                time.Time
}

// Handle decides on one EventBridge event: an alarm state change, an RDS
// global-cluster event, or the schedule (re-check every trigger).
func (h *Handler) Handle(ctx context.Context, data []byte) ([]Decision, error) {
	parsed, err := h.reg.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("trigger: %w", err)
	}
	switch ev := parsed.(type) {
	case *awsevent.AlarmStateChange:
		return h.alarm(ctx, ev)
	case *awsevent.RDSClusterEvent:
		return h.rds(ctx, ev)
	case *awsevent.ScheduledEvent:
		return h.RecheckAll(ctx)
	default:
		raw, _ := awsevent.DecodeEnvelope(data)
		d := Decision{Decision: awsevent.DecisionIgnored, DecidedAt: h.o.Clock.Now(),
			Reason: fmt.Sprintf("event %s/%s is not for the trigger function", raw.Source, raw.DetailType)}
		return []Decision{d}, nil
	}
}

func (h *Handler) alarm(ctx context.Context, ev *awsevent.AlarmStateChange) ([]Decision, error) {
	at, err := ev.Detail.State.Time()
	if err != nil {
		at = ev.Time
	}
	arn := ""
	if len(ev.Resources) > 0 {
		arn = ev.Resources[0]
	}
	if arn == "" {
		arn = fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", ev.Region, ev.Account, ev.Detail.AlarmName)
	}
	obs := observation{arn: arn, name: ev.Detail.AlarmName, region: ev.Region, state: ev.Detail.State.Value, at: at}
	ref := &awsevent.EventRef{ID: ev.ID, Source: ev.Source, DetailType: ev.DetailType, Region: ev.Region}
	plans, err := h.o.Plans.Plans(ctx)
	if err != nil {
		return nil, fmt.Errorf("trigger: %w", err)
	}
	var out []Decision
	var errs []error
	for _, p := range plans {
		for ti := range p.Spec.Triggers {
			t := &p.Spec.Triggers[ti]
			if !names(t, obs) {
				continue
			}
			d, err := h.decide(ctx, p, t, &obs, ref)
			if err != nil {
				errs = append(errs, err)
			}
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		out = append(out, Decision{Decision: awsevent.DecisionIgnored, Event: ref, DecidedAt: h.o.Clock.Now(),
			Reason: fmt.Sprintf("no trigger of any plan names alarm %s in %s", obs.name, obs.region)})
		h.o.Logger.InfoContext(ctx, "alarm names no trigger", "alarm", obs.name, "region", obs.region)
	}
	return out, errors.Join(errs...)
}

// names reports whether a trigger has a condition on the observed alarm.
func names(t *plan.Trigger, o observation) bool {
	for _, c := range t.Conditions {
		if matches(c, o) {
			return true
		}
	}
	return false
}

func matches(c plan.Condition, o observation) bool {
	if c.Alarm == o.arn {
		return true
	}
	name, region := awsevent.AlarmNameFromARN(c.Alarm), regionOf(c.Alarm)
	if name == "" {
		name = c.Alarm
	}
	return name == o.name && (region == "" || region == o.region)
}

func regionOf(arn string) string {
	if a, err := plan.ParseARN(arn); err == nil {
		return a.Region
	}
	return ""
}

func want(c plan.Condition) string {
	if c.State == plan.Green {
		return awsevent.AlarmStateOK
	}
	return awsevent.AlarmStateAlarm
}

// Keys in TriggerState.Since: "hold|<alarm>|<want>" is since when a
// condition holds; "seen|<alarm>" the timestamp of the last state applied.
func holdKey(c plan.Condition) string { return "hold|" + c.Alarm + "|" + want(c) }
func seenKey(alarm string) string     { return "seen|" + alarm }

// Recheck re-evaluates one trigger now (at a hold deadline).
func (h *Handler) Recheck(ctx context.Context, planName, triggerName string) (Decision, error) {
	p, err := h.o.Plans.Plan(ctx, planName)
	if err != nil {
		return Decision{}, fmt.Errorf("trigger recheck: %w", err)
	}
	for ti := range p.Spec.Triggers {
		if t := &p.Spec.Triggers[ti]; t.Name == triggerName {
			return h.decide(ctx, p, t, nil, nil)
		}
	}
	return Decision{}, fmt.Errorf("trigger recheck: plan %s has no trigger %q", planName, triggerName)
}

// RecheckAll re-evaluates every trigger of every plan (the schedule).
func (h *Handler) RecheckAll(ctx context.Context) ([]Decision, error) {
	plans, err := h.o.Plans.Plans(ctx)
	if err != nil {
		return nil, fmt.Errorf("trigger recheck: %w", err)
	}
	var out []Decision
	var errs []error
	for _, p := range plans {
		for ti := range p.Spec.Triggers {
			d, err := h.decide(ctx, p, &p.Spec.Triggers[ti], nil, nil)
			if err != nil {
				errs = append(errs, err)
			}
			out = append(out, d)
		}
	}
	return out, errors.Join(errs...)
}

// decide applies an observation (nil on a re-check) to a trigger's state and
// decides. It records the decision before returning it.
func (h *Handler) decide(ctx context.Context, p *plan.Plan, t *plan.Trigger, obs *observation, ref *awsevent.EventRef) (Decision, error) {
	d := Decision{Plan: p.Metadata.Name, Trigger: t.Name, Action: t.Action, Target: t.Target, Event: ref}
	st, dup, err := h.update(ctx, p, t, obs)
	if err != nil {
		return h.record(ctx, d, awsevent.DecisionBlocked, "could not update the trigger state: "+err.Error(), err)
	}
	now := h.o.Clock.Now()
	d.DecidedAt = now
	held, wake, why := conditions(t, st, now, &d)
	if dup {
		return h.record(ctx, d, awsevent.DecisionDuplicate, fmt.Sprintf("alarm %s state %s at %s was already applied (repeated delivery or an older event)",
			obs.name, obs.state, obs.at.UTC().Format(time.RFC3339)), nil)
	}
	if !held {
		if !wake.IsZero() {
			d.WakeAt = wake
			if h.o.Waker != nil {
				h.o.Waker.WakeAt(wake, p.Metadata.Name, t.Name)
			}
		}
		return h.record(ctx, d, awsevent.DecisionHeld, why, nil)
	}
	if now.Before(st.CooldownUntil) {
		return h.record(ctx, d, awsevent.DecisionCooldown, fmt.Sprintf("all conditions hold, but the trigger fired at %s and cools down until %s",
			st.LastFiredAt.UTC().Format(time.RFC3339), st.CooldownUntil.UTC().Format(time.RFC3339)), nil)
	}
	// Conditions hold: look at the target before doing anything.
	rep, err := h.o.Readiness.Evaluate(ctx, p, t.Target)
	if err != nil {
		return h.record(ctx, d, awsevent.DecisionNotReady, fmt.Sprintf("readiness of %s could not be evaluated: %v; nothing started", t.Target, err), nil)
	}
	d.Readiness = &rep
	if h.o.Recorder != nil {
		if _, err := h.o.Recorder.Record(ctx, rep); err != nil {
			h.o.Logger.WarnContext(ctx, "recording readiness failed", "plan", rep.Plan, "region", rep.Target, "err", err)
		}
	}
	if blocked, lag := lagBlocks(rep); t.Action == plan.ActionFailover && blocked {
		h.notify(ctx, d, awsevent.DecisionBlocked, lag, "investigate the replication lag; start a graceful failover by hand once it drains")
		return h.record(ctx, d, awsevent.DecisionBlocked, "automatic failover blocked: "+lag, nil)
	}
	if !rep.Ready && (t.Action == plan.ActionFailover || t.Action == plan.ActionFailoverWithApproval) {
		reason := fmt.Sprintf("target %s is not ready: %s; nothing started", t.Target, strings.Join(rep.Critical(), "; "))
		h.notify(ctx, d, awsevent.DecisionNotReady, reason, "fix the findings, then start the failover by hand if still needed")
		return h.record(ctx, d, awsevent.DecisionNotReady, reason, nil)
	}
	fired, err := h.o.Store.FireTrigger(ctx, p.Metadata.Name, t.Name, st.Version, time.Duration(t.Cooldown))
	var cool *store.CoolingDownError
	switch {
	case errors.As(err, &cool):
		return h.record(ctx, d, awsevent.DecisionCooldown, fmt.Sprintf("all conditions hold, but the trigger cools down until %s", cool.Until.UTC().Format(time.RFC3339)), nil)
	case errors.Is(err, store.ErrStale):
		return h.record(ctx, d, awsevent.DecisionDuplicate, "another delivery updated or fired this trigger at the same time; it decides", nil)
	case err != nil:
		return h.record(ctx, d, awsevent.DecisionBlocked, "could not record the fire: "+err.Error(), err)
	}
	_ = fired
	held1 := heldSince(t, st)
	switch t.Action {
	case plan.ActionEvaluate:
		return h.record(ctx, d, awsevent.DecisionEvaluated, rep.Summary(), nil)
	case plan.ActionNotify:
		if h.o.Notifier == nil {
			return h.record(ctx, d, awsevent.DecisionBlocked, "would notify, but no notifier is configured: "+rep.Summary(), nil)
		}
		n := Notice{Plan: d.Plan, Trigger: d.Trigger, Target: d.Target, Action: d.Action, Decision: awsevent.DecisionNotified,
			Reason: why, Suggested: suggestion(p, t, rep), Report: &rep}
		if err := h.o.Notifier.Notify(ctx, n); err != nil {
			return h.record(ctx, d, awsevent.DecisionBlocked, "notifying failed: "+err.Error(), err)
		}
		return h.record(ctx, d, awsevent.DecisionNotified, why+"; "+rep.Summary(), nil)
	default:
		if h.o.Starter == nil {
			return h.record(ctx, d, awsevent.DecisionBlocked, "would start a failover, but no starter is configured", nil)
		}
		d.ClientToken = ClientToken(p.Metadata.Name, t.Name, t.Target, held1)
		req := StartRequest{Plan: p.Metadata.Name, PlanVersion: p.Fingerprint(), Target: t.Target, Source: p.SourceRegion(t.Target),
			WaitForApproval: t.Action == plan.ActionFailoverWithApproval, ClientToken: d.ClientToken, StartedBy: "trigger/" + t.Name, Reason: why}
		id, err := h.start(ctx, req)
		if err != nil {
			return h.record(ctx, d, awsevent.DecisionBlocked, "starting the execution failed: "+err.Error(), err)
		}
		d.ExecutionID = id
		what := "started a failover into " + t.Target + " that waits for approval"
		if t.Action == plan.ActionFailover {
			what = "started an automatic failover into " + t.Target
		}
		return h.record(ctx, d, awsevent.DecisionStarted, what+": "+why, nil)
	}
}

// start calls the Starter, retrying retryable failures a few times (the
// token keeps it idempotent).
func (h *Handler) start(ctx context.Context, req StartRequest) (string, error) {
	var err error
	for i := range 3 {
		var id string
		if id, err = h.o.Starter.Start(ctx, req); err == nil {
			return id, nil
		}
		if serr := h.o.Clock.Sleep(ctx, time.Duration(i+1)*time.Second); serr != nil {
			return "", serr
		}
	}
	return "", err
}

func (h *Handler) notify(ctx context.Context, d Decision, decision, reason, suggested string) {
	if h.o.Notifier == nil {
		return
	}
	if err := h.o.Notifier.Notify(ctx, Notice{Plan: d.Plan, Trigger: d.Trigger, Target: d.Target, Action: d.Action,
		Decision: decision, Reason: reason, Suggested: suggested, Report: d.Readiness}); err != nil {
		h.o.Logger.WarnContext(ctx, "notifying failed", "plan", d.Plan, "trigger", d.Trigger, "err", err)
	}
}

// lagBlocks reports whether the report has replication lag above the RPO.
func lagBlocks(rep readiness.Report) (bool, string) {
	for _, f := range rep.Findings {
		if f.Severity == readiness.Critical && f.Check == "aurora-global/replication-lag" {
			return true, f.Message
		}
	}
	return false, ""
}

func suggestion(p *plan.Plan, t *plan.Trigger, rep readiness.Report) string {
	if !rep.Ready {
		return fmt.Sprintf("%s is not ready: fix the findings before any failover", t.Target)
	}
	return fmt.Sprintf("if this persists, consider: switchyard start %s --target %s", p.Metadata.Name, t.Target)
}

// ClientToken is the execution's idempotency token: the same plan, trigger,
// target and holding instant give the same token in every Region.
func ClientToken(planName, trigger, target string, since time.Time) string {
	sum := sha256.Sum256([]byte(planName + "|" + trigger + "|" + target + "|" + since.UTC().Format(time.RFC3339Nano)))
	return "trg-" + hex.EncodeToString(sum[:16])
}

// heldSince is the latest instant at which a condition started holding:
// the moment the trigger's conditions became jointly true.
func heldSince(t *plan.Trigger, st store.TriggerState) time.Time {
	var at time.Time
	for _, c := range t.Conditions {
		if s, ok := st.Since[holdKey(c)]; ok && s.After(at) {
			at = s
		}
	}
	return at
}

// conditions evaluates every condition at now, fills d.Conditions, and says
// whether all held for their duration; if not, when they could next (zero
// if some condition does not hold at all) and why.
func conditions(t *plan.Trigger, st store.TriggerState, now time.Time, d *Decision) (bool, time.Time, string) {
	all := true
	var wake time.Time
	var not, waiting []string
	d.Conditions = d.Conditions[:0]
	for _, c := range t.Conditions {
		need := time.Duration(c.For)
		cond := awsevent.Condition{Alarm: c.Alarm, Region: regionOf(c.Alarm), Want: string(c.State)}
		req := need.Seconds()
		cond.RequiredSeconds = &req
		since, ok := st.Since[holdKey(c)]
		switch {
		case !ok:
			all = false
			cond.State = "not " + want(c)
			not = append(not, fmt.Sprintf("%s is not %s", shortAlarm(c.Alarm), want(c)))
		default:
			cond.State = want(c)
			s := since
			cond.Since = &s
			held := now.Sub(since).Seconds()
			cond.HeldSeconds = &held
			if now.Sub(since) >= need {
				cond.Held = true
			} else {
				all = false
				if dl := since.Add(need); dl.After(wake) {
					wake = dl
				}
				waiting = append(waiting, fmt.Sprintf("%s has been %s for %s of %s", shortAlarm(c.Alarm), want(c), now.Sub(since).Round(time.Second), need))
			}
		}
		d.Conditions = append(d.Conditions, cond)
	}
	if all {
		var parts []string
		for _, c := range t.Conditions {
			parts = append(parts, fmt.Sprintf("%s %s for %s", shortAlarm(c.Alarm), want(c), time.Duration(c.For)))
		}
		return true, time.Time{}, "all conditions held: " + strings.Join(parts, ", ")
	}
	if len(not) > 0 {
		return false, time.Time{}, "conditions do not hold: " + strings.Join(append(not, waiting...), "; ")
	}
	return false, wake, "conditions hold but not for long enough: " + strings.Join(waiting, "; ") + " (re-checked at " + wake.UTC().Format(time.RFC3339) + ")"
}

func shortAlarm(arn string) string {
	n := awsevent.AlarmNameFromARN(arn)
	if n == "" {
		return arn
	}
	return n + " (" + regionOf(arn) + ")"
}

// update applies obs to the trigger's state with compare-and-set, reading
// unseen alarms' current states, and reports whether obs was a duplicate.
func (h *Handler) update(ctx context.Context, p *plan.Plan, t *plan.Trigger, obs *observation) (store.TriggerState, bool, error) {
	for attempt := 0; ; attempt++ {
		st, err := h.o.Store.GetTrigger(ctx, p.Metadata.Name, t.Name)
		if errors.Is(err, store.ErrNotFound) {
			st, err = store.TriggerState{Plan: p.Metadata.Name, Trigger: t.Name}, nil
		}
		if err != nil {
			return st, false, err
		}
		next := st
		next.Since = map[string]time.Time{}
		for k, v := range st.Since {
			next.Since[k] = v
		}
		changed := false
		dup := false
		if obs != nil {
			if seen, ok := next.Since[seenKey(obs.arn)]; ok && !obs.at.After(seen) {
				dup = true
			} else {
				applyState(t, next.Since, obs.arn, obs.name, obs.region, obs.state, obs.at)
				changed = true
			}
		}
		if h.hydrate(ctx, t, next.Since) {
			changed = true
		}
		if !changed {
			return st, dup, nil
		}
		stored, err := h.o.Store.PutTrigger(ctx, next)
		if errors.Is(err, store.ErrStale) && attempt < 5 {
			continue
		}
		if err != nil {
			return st, false, fmt.Errorf("storing trigger %s of %s: %w", t.Name, p.Metadata.Name, err)
		}
		return stored, dup, nil
	}
}

// applyState records alarm's state at `at` in since for every condition of
// t on that alarm.
func applyState(t *plan.Trigger, since map[string]time.Time, arn, name, region, state string, at time.Time) {
	o := observation{arn: arn, name: name, region: region}
	for _, c := range t.Conditions {
		if !matches(c, o) {
			continue
		}
		since[seenKey(c.Alarm)] = at
		if state == want(c) {
			if _, ok := since[holdKey(c)]; !ok {
				since[holdKey(c)] = at
			}
		} else {
			delete(since, holdKey(c))
		}
	}
	if arn != "" {
		since[seenKey(arn)] = at
	}
}

// hydrate reads the current state of alarms no event has told about yet.
func (h *Handler) hydrate(ctx context.Context, t *plan.Trigger, since map[string]time.Time) bool {
	if h.o.Alarms == nil {
		return false
	}
	byRegion := map[string][]string{}
	for _, c := range t.Conditions {
		if _, ok := since[seenKey(c.Alarm)]; ok {
			continue
		}
		r := regionOf(c.Alarm)
		if r == "" {
			r = h.o.Region
		}
		byRegion[r] = append(byRegion[r], c.Alarm)
	}
	changed := false
	regions := make([]string, 0, len(byRegion))
	for r := range byRegion {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	for _, r := range regions {
		var names []string
		for _, a := range byRegion[r] {
			names = append(names, alarmNameOf(a))
		}
		got, err := h.o.Alarms.AlarmStates(ctx, r, names)
		if err != nil {
			h.o.Logger.WarnContext(ctx, "reading alarm states failed", "region", r, "err", err)
			continue
		}
		for _, a := range byRegion[r] {
			o, ok := got[alarmNameOf(a)]
			if !ok {
				continue
			}
			applyState(t, since, a, alarmNameOf(a), r, o.State, o.Since)
			changed = true
		}
	}
	return changed
}

func alarmNameOf(a string) string {
	if n := awsevent.AlarmNameFromARN(a); n != "" {
		return n
	}
	return a
}

// record completes a decision, appends its audit record and publishes its
// Trigger Decision event. cause is returned as the error (nil when the
// decision itself is the outcome).
func (h *Handler) record(ctx context.Context, d Decision, decision, reason string, cause error) (Decision, error) {
	d.Decision, d.Reason = decision, reason
	if d.DecidedAt.IsZero() {
		d.DecidedAt = h.o.Clock.Now()
	}
	detail := awsevent.TriggerDecisionDetail{Plan: d.Plan, Trigger: d.Trigger, Action: string(d.Action), Decision: d.Decision,
		Reason: d.Reason, TargetRegion: d.Target, SourceEvent: d.Event, Conditions: d.Conditions, ExecutionID: d.ExecutionID,
		DecidedAt: d.DecidedAt.UTC()}
	body, err := json.Marshal(detail)
	if err != nil {
		return d, errors.Join(cause, fmt.Errorf("encoding the decision: %w", err))
	}
	key := d.Decision + "@" + d.DecidedAt.UTC().Format(time.RFC3339Nano)
	if d.Event != nil {
		key = d.Decision + "@event:" + d.Event.ID
	}
	var errs []error
	if _, err := h.o.Store.AppendAudit(ctx, store.AuditRecord{Execution: AuditLog(d.Plan, d.Trigger), Time: d.DecidedAt, Actor: "trigger",
		Action: "trigger." + d.Decision, Detail: body, Key: key}); err != nil {
		errs = append(errs, fmt.Errorf("auditing the decision on %s/%s: %w", d.Plan, d.Trigger, err))
	}
	if h.o.Events != nil {
		ev := awsevent.NewSwitchyardEvent(h.o.Account, h.o.Region, d.DecidedAt, []string{}, detail)
		data, err := json.Marshal(ev)
		if err == nil {
			err = h.o.Events.Publish(ctx, data)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("publishing the decision on %s/%s: %w", d.Plan, d.Trigger, err))
		}
	}
	h.o.Logger.InfoContext(ctx, "trigger decision", "plan", d.Plan, "trigger", d.Trigger, "decision", d.Decision, "reason", d.Reason, "execution", d.ExecutionID)
	return d, errors.Join(append([]error{cause}, errs...)...)
}

// AuditLog is the audit log id of a trigger's decisions (the store's audit
// log is keyed by execution; triggers get their own log).
func AuditLog(planName, trigger string) string { return "trigger:" + planName + "/" + trigger }
