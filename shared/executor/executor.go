package executor

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// Executor is the execute-plan orchestration function: it validates and
// locks (begin), checks the target (preflight, postcheck), decides what a
// failed step does next (stepError, decision), and ends executions (finish,
// fail, and cleanup for executions that ended without reaching either).
//
// Retry contract: every action is idempotent, so Step Functions may retry it
// or deliver it twice. Errors are errclass values, unwrapped at the boundary.
type Executor struct {
	c *core
}

// NewExecutor returns the executor.
func NewExecutor(cfg Config) *Executor { return &Executor{c: newCore(cfg)} }

// Handle is the Lambda entry point: it dispatches on req.Action (or, for an
// EventBridge event, on its detail-type) and returns the action's result.
func (x *Executor) Handle(ctx context.Context, req Request) (any, error) {
	res, err := x.handle(ctx, req)
	if err != nil {
		x.c.cfg.Logger.WarnContext(ctx, "executor action failed", "action", req.Action, "error", err.Error())
		return nil, errclass.Boundary(err)
	}
	return res, nil
}

func (x *Executor) handle(ctx context.Context, req Request) (any, error) {
	if req.Action == "" && req.DetailType == DetailTypeSFNStatusChange {
		return nil, x.Cleanup(ctx, req.Detail)
	}
	switch req.Action {
	case "begin":
		return x.Begin(ctx, req)
	case "preflight":
		return nil, x.Preflight(ctx, req.Run)
	case "postcheck":
		return nil, x.Postcheck(ctx, req.Run)
	case "finish":
		return x.Finish(ctx, req.Run)
	case "fail":
		return x.Fail(ctx, req.Run, req.Error)
	case "stepError":
		return x.StepError(ctx, req)
	case "decision":
		return x.Decided(ctx, req)
	}
	return nil, &errclass.InvalidInput{Field: "action", Message: fmt.Sprintf("unknown action %q (begin, preflight, postcheck, finish, fail, stepError, decision)", req.Action)}
}

// Begin validates the input against the plans deployed here, takes the plan
// lock and records the execution. A repeated Begin of the same execution
// returns the same result.
func (x *Executor) Begin(ctx context.Context, req Request) (*Begun, error) {
	s := x.c.cfg.Store
	in, err := decodeInput(req.Input)
	if err != nil {
		return nil, err
	}
	name := req.ExecutionName
	if name == "" {
		return nil, &errclass.InvalidInput{Field: "executionName", Message: "required (the state machine passes $$.Execution.Name)"}
	}
	pv, err := s.GetPlan(ctx, in.Plan)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &errclass.PlanNotFound{Plan: in.Plan, Known: x.knownPlans(ctx)}
	}
	if err != nil {
		return nil, errclass.Classify("reading plan "+in.Plan, err)
	}
	p, err := x.c.parse(pv.Name+"@"+pv.Version, pv)
	if err != nil {
		return nil, err
	}
	w, err := ResolveWorkflow(p, in.Target, in.Workflow)
	if err != nil {
		return nil, err
	}
	if r := x.c.cfg.Region; r != "" && r != in.Target {
		return nil, &errclass.InvalidInput{Field: "target", Message: fmt.Sprintf("this control plane runs in %s and only executes failovers into it; start %q from the state machine in %s", r, in.Target, in.Target)}
	}
	target, source := p.StepRegions(w)
	if target == "" {
		target = in.Target // a deactivate workflow of a plan of more than two Regions
	}
	mode := store.ModeGraceful
	if in.Mode == string(store.ModeUngraceful) {
		mode = store.ModeUngraceful
	}
	started := x.c.now()
	if t, err := time.Parse(time.RFC3339Nano, req.StartTime); err == nil {
		started = t
	}
	lock, err := s.AcquireLock(ctx, p.Metadata.Name, name, LockLease)
	var held *store.LockHeldError
	if errors.As(err, &held) {
		return nil, &errclass.LockHeld{Plan: p.Metadata.Name, Holder: held.Holder}
	}
	if err != nil {
		return nil, errclass.Classify("locking plan "+p.Metadata.Name, err)
	}
	run := Run{
		Execution: name, ExecutionArn: req.Execution, Plan: p.Metadata.Name, Version: pv.Version,
		Workflow: w.Name, Target: target, Source: source, Epoch: lock.Epoch, StartedAt: started.UTC(),
	}
	exec, err := s.GetExecution(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		var created bool
		exec, created, err = s.CreateExecution(ctx, store.Execution{
			ID: name, Plan: run.Plan, PlanVersion: run.Version, Target: target, Source: source, Mode: mode,
			ClientToken: in.ClientToken, StartedBy: in.StartedBy, Reason: in.Reason, StartedAt: run.StartedAt,
		})
		if err == nil && !created && exec.ID != name {
			err = &errclass.Conflict{Resource: "clientToken " + in.ClientToken, Message: "already used by execution " + exec.ID}
		}
	case err == nil && (exec.Plan != run.Plan || exec.Target != target):
		err = &errclass.Conflict{Resource: "execution " + name, Message: "already recorded for another plan or target"}
	}
	if err != nil {
		_ = s.ReleaseLock(ctx, run.Plan, name, lock.Epoch)
		return nil, errclass.Classify("recording execution "+name, err)
	}
	if err := x.c.audit(ctx, name, actor(in.StartedBy), "execution.started", "execution/started",
		map[string]any{"plan": run.Plan, "version": run.Version, "workflow": w.Name, "kind": w.Kind, "target": target, "source": source,
			"mode": exec.Mode, "epoch": lock.Epoch, "reason": in.Reason}); err != nil {
		return nil, err
	}
	x.publishExecution(ctx, run, exec, awsevent.ExecutionRunning, nil)
	return &Begun{Run: run, Approval: gate(p, w), Stages: stageItems(run, w)}, nil
}

func actor(startedBy string) string {
	if startedBy == "" {
		return "system"
	}
	return startedBy
}

func decodeInput(raw json.RawMessage) (Input, error) {
	var in Input
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if len(raw) == 0 {
		return in, &errclass.InvalidInput{Message: `the execution input must be a JSON object such as {"plan": "payments", "target": "us-west-2"}`}
	}
	if err := dec.Decode(&in); err != nil {
		return in, &errclass.InvalidInput{Message: fmt.Sprintf(`the execution input must be a JSON object with "plan" and "target" (optional: "workflow", "mode", "reason", "startedBy", "clientToken"): %v`, err)}
	}
	switch {
	case in.Plan == "":
		return in, &errclass.InvalidInput{Field: "plan", Message: "required: the name of a plan deployed in this Region"}
	case in.Target == "":
		return in, &errclass.InvalidInput{Field: "target", Message: "required: the Region to fail over into"}
	case !plan.IsRegion(in.Target):
		return in, &errclass.InvalidInput{Field: "target", Message: fmt.Sprintf("%q is not an AWS Region name (for example us-west-2)", in.Target)}
	case in.Mode != "" && in.Mode != string(store.ModeGraceful) && in.Mode != string(store.ModeUngraceful):
		return in, &errclass.InvalidInput{Field: "mode", Message: fmt.Sprintf("%q is not a mode (allowed: graceful, ungraceful)", in.Mode)}
	}
	return in, nil
}

func (x *Executor) knownPlans(ctx context.Context) []string {
	ps, err := x.c.cfg.Store.ListPlans(ctx)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// gate is the execution-level approval: needed when the plan has an
// approval policy and the workflow no approval step of its own.
func gate(p *plan.Plan, w *plan.Workflow) ApprovalGate {
	a := p.Spec.Approval
	if a == nil {
		return ApprovalGate{}
	}
	for _, st := range w.Stages {
		for _, s := range st.Steps {
			if s.Block == "approval" {
				return ApprovalGate{}
			}
		}
	}
	g := approvers(p)
	g.Required, g.TimeoutSeconds = true, max(1, int64(math.Ceil(a.Timeout.D().Seconds())))
	g.Message = fmt.Sprintf("Run plan %s into %s.", p.Metadata.Name, w.Region)
	if w.Kind == plan.Deactivate {
		target, _ := p.StepRegions(w)
		g.Message = fmt.Sprintf("Run plan %s: take %s out of service (workflow %s), moving its traffic to %s.", p.Metadata.Name, w.Region, w.Name, cmp.Or(target, "the other Regions"))
	}
	return g
}

// approvers is who the plan's approval policy asks, and where (quorum,
// channel, approvers and fallback approvers); empty without a policy.
func approvers(p *plan.Plan) ApprovalGate {
	a := p.Spec.Approval
	if a == nil {
		return ApprovalGate{}
	}
	g := ApprovalGate{Quorum: max(1, a.Quorum)}
	if a.Slack != nil {
		g.Channel, g.Approvers = a.Slack.Channel, slices.Clone(a.Slack.Approvers)
	}
	g.Approvers = append(g.Approvers, a.FallbackApprovers...)
	return g
}

func stageItems(run Run, w *plan.Workflow) []StageItem {
	out := make([]StageItem, len(w.Stages))
	n := 0
	for i, st := range w.Stages {
		out[i].Stage = StageRef{Index: i, Name: st.Name}
		for _, s := range st.Steps {
			n++
			out[i].Steps = append(out[i].Steps, StepItem{Name: s.Name, Block: s.Block, ChildName: childName(run, n)})
		}
	}
	return out
}

// childName is a run-step execution name: at most 80 characters, unique
// per execution ARN and step.
func childName(run Run, n int) string {
	h := fnv.New32a()
	h.Write([]byte(run.ExecutionArn + "/" + run.Execution))
	prefix := run.Execution
	if len(prefix) > 60 {
		prefix = prefix[:60]
	}
	return fmt.Sprintf("%s-%03d-%08x", prefix, n, h.Sum32())
}

// Preflight is the minimal readiness gate before acting: the execution still
// holds the lock, and the latest stored readiness report of the target (if
// any) is not failing.
func (x *Executor) Preflight(ctx context.Context, run *Run) error {
	if run == nil {
		return &errclass.InvalidInput{Field: "run", Message: "required"}
	}
	if err := x.c.checkEpoch(ctx, run); err != nil {
		return err
	}
	rep, err := x.c.cfg.Store.GetReadiness(ctx, run.Plan, run.Target)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return errclass.Classify("reading readiness of "+run.Plan, err)
	case !rep.Ready:
		return &errclass.NotReady{Plan: run.Plan, Target: run.Target, Findings: []string{"the latest readiness report of " + run.Target + " is not ready"}}
	}
	return x.c.audit(ctx, run.Execution, "executor", "execution.preflight", "execution/preflight", map[string]any{"target": run.Target})
}

// Postcheck observes the end state recorded by the steps: every step ended
// (succeeded, skipped, or failed or timed out with onFailure continue). A
// step that failed under onFailure: continue does not fail the run: it is
// recorded as failed-continued (the post-check's audit record, the
// execution's end record and Result.FailedContinued).
func (x *Executor) Postcheck(ctx context.Context, run *Run) error {
	if run == nil {
		return &errclass.InvalidInput{Field: "run", Message: "required"}
	}
	steps, err := x.c.cfg.Store.ListSteps(ctx, run.Execution)
	if err != nil {
		return errclass.Classify("listing steps of "+run.Execution, err)
	}
	var open []string
	for _, s := range steps {
		switch s.Status {
		case store.StepSucceeded, store.StepSkipped, store.StepFailed, store.StepTimedOut:
		default:
			open = append(open, s.Name+" is "+string(s.Status))
		}
	}
	if len(open) > 0 {
		return &errclass.NotReady{Plan: run.Plan, Target: run.Target, Findings: open}
	}
	return x.c.audit(ctx, run.Execution, "executor", "execution.postcheck", "execution/postcheck",
		map[string]any{"steps": len(steps), "failedContinued": FailedContinued(steps)})
}

// FailedContinued lists the steps that failed (or timed out) and that the
// run went on without, by onFailure: continue: in a run that reached its
// post-checks, a step whose last record is FAILED or TIMED_OUT can only
// have been continued (abort fails the run; ask ends SKIPPED, ABORTED or
// in a new attempt). Names are in the store's order; empty, not nil, when
// there are none.
func FailedContinued(steps []store.Step) []string {
	out := []string{}
	for _, s := range steps {
		if s.Status == store.StepFailed || s.Status == store.StepTimedOut {
			out = append(out, s.Name)
		}
	}
	return out
}

// Result is what finish returns (execute-plan's output).
type Result struct {
	Execution  string   `json:"execution"`
	Plan       string   `json:"plan"`
	Workflow   string   `json:"workflow,omitempty"`
	Target     string   `json:"target"`
	Mode       string   `json:"mode"`
	Status     string   `json:"status"`
	RTOSeconds float64  `json:"rtoSeconds"`
	RPOSeconds *float64 `json:"rpoSeconds,omitempty"`
	// FailedContinued names the steps that failed under onFailure:
	// continue: the execution succeeded without them.
	FailedContinued []string `json:"failedContinued"`
}

// Finish records the successful result, releases the lock and reports it.
func (x *Executor) Finish(ctx context.Context, run *Run) (*Result, error) {
	if run == nil {
		return nil, &errclass.InvalidInput{Field: "run", Message: "required"}
	}
	exec, rpo, err := x.end(ctx, run, store.ExecutionSucceeded, StatesError{})
	if err != nil {
		return nil, err
	}
	steps, err := x.c.cfg.Store.ListSteps(ctx, run.Execution)
	if err != nil {
		return nil, errclass.Classify("listing steps of "+run.Execution, err)
	}
	res := &Result{Execution: run.Execution, Plan: run.Plan, Workflow: run.Workflow, Target: run.Target, Mode: string(exec.Mode), Status: string(exec.Status),
		RTOSeconds: exec.Result.RTO.Seconds(), FailedContinued: FailedContinued(steps)}
	if rpo != nil {
		res.RPOSeconds = rpo
	}
	return res, nil
}

// Fail records a failed result (the error as a person should read it),
// closes what is still open, releases the lock, and returns that error for
// the Fail state.
func (x *Executor) Fail(ctx context.Context, run *Run, e *StatesError) (*StatesError, error) {
	if run == nil {
		return nil, &errclass.InvalidInput{Field: "run", Message: "required"}
	}
	se := unwrapError(e)
	if _, _, err := x.end(ctx, run, store.ExecutionFailed, se); err != nil {
		return nil, err
	}
	return &se, nil
}

// end moves the execution to a terminal status (idempotently), aborts steps
// and approvals still open, releases the lock and emits the event.
func (x *Executor) end(ctx context.Context, run *Run, status store.ExecutionStatus, se StatesError) (store.Execution, *float64, error) {
	s := x.c.cfg.Store
	steps, err := s.ListSteps(ctx, run.Execution)
	if err != nil {
		return store.Execution{}, nil, errclass.Classify("listing steps of "+run.Execution, err)
	}
	var rpo *float64
	var continued []string
	if status == store.ExecutionSucceeded {
		continued = FailedContinued(steps)
	}
	for _, st := range steps {
		if v, ok := outputSeconds(st.Output, "rpoSeconds"); ok && (rpo == nil || v > *rpo) {
			rpo = &v
		}
		if st.Status == store.StepRunning || st.Status == store.StepWaiting || st.Status == store.StepPending {
			if _, err := x.c.recordStep(ctx, transition{run: run, stage: &StageRef{Index: st.Stage}, step: st.Name, block: st.Block,
				attempt: st.Attempt, seq: seqCanceled, status: store.StepAborted, startedAt: st.StartedAt, endedAt: x.c.now(),
				message: "execution ended with " + string(status)}); err != nil {
				return store.Execution{}, nil, err
			}
		}
	}
	if err := x.expireApprovals(ctx, run.Execution); err != nil {
		return store.Execution{}, nil, err
	}
	r := store.ExecutionResult{RTO: x.c.now().Sub(run.StartedAt), Error: se.Error, Cause: se.Cause}
	if rpo != nil {
		r.RPO = time.Duration(*rpo * float64(time.Second))
	}
	exec, err := s.FinishExecution(ctx, run.Execution, status, r)
	if err != nil && errors.Is(err, store.ErrConflict) {
		// Already ended with another status (say cleanup got there first):
		// keep that one.
		exec, err = s.GetExecution(ctx, run.Execution)
	}
	if err != nil {
		return store.Execution{}, nil, errclass.Classify("finishing execution "+run.Execution, err)
	}
	if err := x.release(ctx, run.Plan, run.Execution, run.Epoch); err != nil {
		return store.Execution{}, nil, err
	}
	if err := x.c.audit(ctx, run.Execution, "executor", "execution."+strings.ToLower(string(status)), "execution/end",
		map[string]any{"status": status, "error": se.Error, "cause": se.Cause, "rtoSeconds": r.RTO.Seconds(), "rpoSeconds": rpo,
			"failedContinued": continued}); err != nil {
		return store.Execution{}, nil, err
	}
	x.publishExecution(ctx, *run, exec, string(exec.Status), rpo)
	return exec, rpo, nil
}

// release frees the lock; a lock already held by someone else is left alone.
func (x *Executor) release(ctx context.Context, planName, holder string, epoch int64) error {
	err := x.c.cfg.Store.ReleaseLock(ctx, planName, holder, epoch)
	if err != nil && !errors.Is(err, store.ErrLockLost) {
		return errclass.Classify("releasing the lock of plan "+planName, err)
	}
	return nil
}

func (x *Executor) expireApprovals(ctx context.Context, execution string) error {
	as, err := x.c.cfg.Store.ListApprovals(ctx, execution)
	if err != nil {
		return errclass.Classify("listing approvals of "+execution, err)
	}
	for _, a := range as {
		if a.Status == store.ApprovalPending {
			if _, _, err := x.c.cfg.Store.ExpireApproval(ctx, a.ID); err != nil {
				return errclass.Classify("expiring approval "+a.ID, err)
			}
		}
	}
	return nil
}

func outputSeconds(raw json.RawMessage, key string) (float64, bool) {
	if len(raw) == 0 {
		return 0, false
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return 0, false
	}
	v, ok := m[key].(float64)
	return v, ok
}

func (x *Executor) publishExecution(ctx context.Context, run Run, exec store.Execution, status string, rpo *float64) {
	d := awsevent.ExecutionStatusChangeDetail{
		Plan: run.Plan, PlanVersion: run.Version, ExecutionID: run.Execution, SourceRegion: run.Source, TargetRegion: run.Target,
		Mode: string(exec.Mode), Status: status, StartedBy: exec.StartedBy, StartedAt: run.StartedAt, Reason: exec.Reason,
	}
	if exec.Status.Terminal() {
		rto := exec.Result.RTO.Seconds()
		d.RTOSeconds, d.RPOSeconds = &rto, rpo
	}
	x.c.publish(ctx, awsevent.NewSwitchyardEvent(x.c.account(ctx), run.Target, x.c.now(), []string{run.ExecutionArn}, d))
}

// DetailTypeSFNStatusChange is the detail-type of the Step Functions events
// the cleanup rule (events/rules/execution-status-change.json) delivers.
const DetailTypeSFNStatusChange = "Step Functions Execution Status Change"

// SFNStatusChange is the detail of a Step Functions "Execution Status
// Change" event (the fields cleanup reads).
type SFNStatusChange struct {
	ExecutionArn    string `json:"executionArn"`
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Status          string `json:"status"`
	Error           string `json:"error,omitempty"`
	Cause           string `json:"cause,omitempty"`
}

// Cleanup ends an execution that stopped without reaching finish or fail
// (TIMED_OUT, ABORTED by StopExecution, or FAILED outside the Catch): it
// records the status, aborts open steps and approvals and releases the lock.
// An execution the store already shows as ended is left as it is.
func (x *Executor) Cleanup(ctx context.Context, detail json.RawMessage) error {
	var d SFNStatusChange
	if err := json.Unmarshal(detail, &d); err != nil {
		return &errclass.InvalidInput{Field: "detail", Message: "not a Step Functions execution status change: " + err.Error()}
	}
	var status store.ExecutionStatus
	switch d.Status {
	case "TIMED_OUT":
		status = store.ExecutionTimedOut
	case "ABORTED":
		status = store.ExecutionAborted
	case "FAILED":
		status = store.ExecutionFailed
	default:
		return nil
	}
	s := x.c.cfg.Store
	exec, err := s.GetExecution(ctx, d.Name)
	if errors.Is(err, store.ErrNotFound) {
		return nil // refused at Begin: nothing was recorded or locked
	}
	if err != nil {
		return errclass.Classify("reading execution "+d.Name, err)
	}
	if exec.Status.Terminal() {
		return nil
	}
	run := &Run{Execution: exec.ID, ExecutionArn: d.ExecutionArn, Plan: exec.Plan, Version: exec.PlanVersion,
		Target: exec.Target, Source: exec.Source, StartedAt: exec.StartedAt}
	l, err := s.GetLock(ctx, exec.Plan)
	switch {
	case err == nil && l.Holder == exec.ID:
		run.Epoch = l.Epoch
	case err == nil || errors.Is(err, store.ErrNotFound):
		run.Epoch = -1 // not ours: release leaves it alone
	default:
		return errclass.Classify("reading the lock of plan "+exec.Plan, err)
	}
	errName := d.Error
	if errName == "" {
		errName = map[string]string{"TIMED_OUT": "States.Timeout", "ABORTED": "Aborted", "FAILED": "States.TaskFailed"}[d.Status]
	}
	_, _, err = x.end(ctx, run, status, StatesError{Error: errName, Cause: d.Cause})
	return err
}
