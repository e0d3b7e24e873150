package executor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// LockLease is how long the plan lock's lease lasts: longer than
// execute-plan's TimeoutSeconds (24 h), so a live execution never loses it
// by expiry; every ending path releases it explicitly.
const LockLease = 25 * time.Hour

// Registry finds the execution block for a step's block name.
type Registry interface {
	// Block returns the block called name, or ok false.
	Block(name string) (b blocks.Block, ok bool)
}

// Blocks is a Registry backed by a map.
type Blocks map[string]blocks.Block

var _ Registry = Blocks(nil)

// Block implements Registry.
func (b Blocks) Block(name string) (blocks.Block, bool) {
	x, ok := b[name]
	return x, ok
}

// Publisher sends one EventBridge event (the full envelope as JSON).
type Publisher interface {
	Publish(ctx context.Context, event []byte) error
}

// Config holds what the executor and the step runner need.
type Config struct {
	// Store is the Region's store (required).
	Store store.Store
	// Clock is the time source (default clock.Real{}).
	Clock clock.Clock
	// Blocks resolves step blocks (the step runner needs it).
	Blocks Registry
	// Events receives Switchyard's own events (optional).
	Events Publisher
	// Region is the Region this control plane runs in; an execution may only
	// target it ("" accepts any target, for tests).
	Region string
	// Account is used in event envelopes (default: from the invoked
	// function's ARN, else "000000000000").
	Account string
	// Logger logs at the boundary (default slog.Default()).
	Logger *slog.Logger
}

// core is what the executor and the step runner share.
type core struct {
	cfg   Config
	plans sync.Map // name@version → *plan.Plan (versions are immutable)
}

func newCore(cfg Config) *core {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &core{cfg: cfg}
}

func (c *core) now() time.Time { return c.cfg.Clock.Now() }

// loadPlan reads and parses one stored plan version.
func (c *core) loadPlan(ctx context.Context, name, version string) (*plan.Plan, error) {
	key := name + "@" + version
	if p, ok := c.plans.Load(key); ok {
		return p.(*plan.Plan), nil
	}
	pv, err := c.cfg.Store.GetPlanVersion(ctx, name, version)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &errclass.PlanNotFound{Plan: name, Version: version}
	}
	if err != nil {
		return nil, errclass.Classify(fmt.Sprintf("reading plan %s version %s", name, version), err)
	}
	return c.parse(key, pv)
}

func (c *core) parse(key string, pv store.PlanVersion) (*plan.Plan, error) {
	ps, err := plan.Parse(pv.Name+".json", pv.Document)
	if err != nil || len(ps) != 1 {
		return nil, &errclass.Terminal{Op: fmt.Sprintf("stored plan %s version %s does not parse", pv.Name, pv.Version), Err: err}
	}
	c.plans.Store(key, ps[0])
	return ps[0], nil
}

// locate finds a run's workflow, stage and step in its plan.
func (c *core) locate(ctx context.Context, run *Run, stage *StageRef, step *StepItem) (*plan.Plan, *plan.Workflow, *plan.Stage, *plan.Step, error) {
	if run == nil || stage == nil || step == nil {
		return nil, nil, nil, nil, &errclass.InvalidInput{Field: "run, stage, step", Message: "required for step actions"}
	}
	p, err := c.loadPlan(ctx, run.Plan, run.Version)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	w := workflowNamed(p, run)
	if w == nil {
		return nil, nil, nil, nil, &errclass.InvalidInput{Field: "run.workflow", Message: fmt.Sprintf("plan %s version %s has no workflow %q", run.Plan, run.Version, run.Workflow)}
	}
	if stage.Index < 0 || stage.Index >= len(w.Stages) {
		return nil, nil, nil, nil, &errclass.InvalidInput{Field: "stage.index", Message: fmt.Sprintf("no stage %d in workflow %s of plan %s", stage.Index, w.Name, run.Plan)}
	}
	st := &w.Stages[stage.Index]
	for i := range st.Steps {
		if st.Steps[i].Name == step.Name {
			return p, w, st, &st.Steps[i], nil
		}
	}
	return nil, nil, nil, nil, &errclass.InvalidInput{Field: "step.name", Message: fmt.Sprintf("no step %q in stage %q of plan %s", step.Name, st.Name, run.Plan)}
}

// checkEpoch verifies the run still holds the plan lock with its epoch.
func (c *core) checkEpoch(ctx context.Context, run *Run) error {
	l, err := c.cfg.Store.GetLock(ctx, run.Plan)
	if errors.Is(err, store.ErrNotFound) {
		return &errclass.LockLost{Plan: run.Plan, Epoch: run.Epoch}
	}
	if err != nil {
		return errclass.Classify("reading the lock of plan "+run.Plan, err)
	}
	if l.Holder != run.Execution || l.Epoch != run.Epoch {
		return &errclass.LockLost{Plan: run.Plan, Epoch: run.Epoch}
	}
	return nil
}

// Step record sequence numbers within one attempt: a transition is written
// once per (attempt, seq), so a duplicate delivery changes nothing.
const (
	seqRunning  = 1
	seqEnded    = 2
	seqWaiting  = 3
	seqDecided  = 4
	seqCanceled = 5
)

// transition is one step state change to record.
type transition struct {
	run       *Run
	stage     *StageRef
	step      string
	block     string
	attempt   int
	seq       int
	status    store.StepStatus
	startedAt time.Time
	endedAt   time.Time
	err       *StatesError
	outputs   map[string]any
	message   string
}

// recordStep writes a step transition: the store record, an audit record
// and a Step Status Change event. It does nothing if the store already holds
// this (attempt, seq) or a later one (duplicate or late delivery) and
// reports whether it wrote.
func (c *core) recordStep(ctx context.Context, t transition) (bool, error) {
	s := c.cfg.Store
	prev, err := s.GetStep(ctx, t.run.Execution, t.step)
	switch {
	case err == nil:
		if prev.Attempt > t.attempt || prev.Attempt == t.attempt && prev.Seq >= t.seq {
			return false, nil
		}
	case !errors.Is(err, store.ErrNotFound):
		return false, errclass.Classify("reading step "+t.step, err)
	}
	rec := store.Step{
		Execution: t.run.Execution, Name: t.step, Block: t.block, Stage: t.stage.Index,
		Status: t.status, Attempt: t.attempt, Seq: t.seq,
		StartedAt: t.startedAt.UTC(), EndedAt: t.endedAt.UTC(),
	}
	if t.err != nil {
		rec.Error = t.err.Error + ": " + t.err.Cause
	}
	if len(t.outputs) > 0 {
		b, err := json.Marshal(t.outputs)
		if err != nil {
			return false, &errclass.Terminal{Op: "encoding the outputs of step " + t.step, Err: err}
		}
		rec.Output = b
	}
	if _, err := s.PutStep(ctx, rec); err != nil {
		if errors.Is(err, store.ErrStale) {
			return false, nil // a concurrent duplicate won
		}
		return false, errclass.Classify("recording step "+t.step, err)
	}
	detail, _ := json.Marshal(map[string]any{
		"stage": t.stage.Name, "block": t.block, "attempt": t.attempt, "status": t.status,
		"error": t.err, "outputs": t.outputs, "message": t.message,
	})
	if _, err := s.AppendAudit(ctx, store.AuditRecord{
		Execution: t.run.Execution, Actor: "step:" + t.step, Action: "step." + strings.ToLower(string(t.status)),
		Detail: detail, Key: fmt.Sprintf("step/%s/%d/%d", t.step, t.attempt, t.seq),
	}); err != nil {
		return false, errclass.Classify("auditing step "+t.step, err)
	}
	d := awsevent.StepStatusChangeDetail{
		Plan: t.run.Plan, ExecutionID: t.run.Execution, Stage: t.stage.Index, StageName: t.stage.Name,
		Step: t.step, Block: t.block, Region: t.run.Target, Status: eventStepStatus(t.status),
		Attempt: t.attempt, Message: t.message,
	}
	if err == nil {
		d.PreviousStatus = eventStepStatus(prev.Status)
	}
	if t.err != nil {
		d.Error = &awsevent.StepError{Type: t.err.Error, Message: t.err.Cause}
	}
	c.publish(ctx, awsevent.NewSwitchyardEvent(c.account(ctx), t.run.Target, c.now(), []string{t.run.ExecutionArn}, d))
	return true, nil
}

// eventStepStatus maps a store status onto the event schema's statuses.
func eventStepStatus(s store.StepStatus) string {
	switch s {
	case store.StepWaiting:
		return awsevent.StepWaitingForDecision
	case store.StepTimedOut, store.StepAborted:
		return awsevent.StepFailed
	case "":
		return ""
	}
	return string(s)
}

// audit appends an execution-level audit record.
func (c *core) audit(ctx context.Context, execution, actor, action, key string, detail any) error {
	b, _ := json.Marshal(detail)
	_, err := c.cfg.Store.AppendAudit(ctx, store.AuditRecord{Execution: execution, Actor: actor, Action: action, Detail: b, Key: key})
	if err != nil {
		return errclass.Classify("auditing "+action, err)
	}
	return nil
}

// publish sends an event, logging (not failing) when the bus refuses it:
// the store and the audit log are the record, events are notifications.
func (c *core) publish(ctx context.Context, ev any) {
	if c.cfg.Events == nil {
		return
	}
	b, err := json.Marshal(ev)
	if err == nil {
		err = c.cfg.Events.Publish(ctx, b)
	}
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "publishing event", "error", err)
	}
}

func (c *core) account(ctx context.Context) string {
	if c.cfg.Account != "" {
		return c.cfg.Account
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		if parts := strings.Split(lc.InvokedFunctionArn, ":"); len(parts) > 4 && parts[4] != "" {
			return parts[4]
		}
	}
	return "000000000000"
}

// unwrapError turns a Catch's error into the one a person should read: the
// failed child execution's own Error and Cause for a States.TaskFailed from
// startExecution.sync, and a Lambda error's message for a function error.
func unwrapError(e *StatesError) StatesError {
	if e == nil {
		return StatesError{Error: "States.Runtime", Cause: "unknown error"}
	}
	out := *e
	for range 3 {
		var child struct {
			Error        string `json:"Error"`
			Cause        string `json:"Cause"`
			ErrorMessage string `json:"errorMessage"`
			ErrorType    string `json:"errorType"`
		}
		if json.Unmarshal([]byte(out.Cause), &child) != nil {
			break
		}
		switch {
		case child.Error != "":
			out = StatesError{Error: child.Error, Cause: child.Cause}
		case child.ErrorMessage != "":
			out = StatesError{Error: out.Error, Cause: child.ErrorMessage}
			if child.ErrorType != "" {
				out.Error = child.ErrorType
			}
		default:
			return out
		}
	}
	return out
}
