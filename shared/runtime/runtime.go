package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/events"
	"github.com/switchyard-dev/switchyard/shared/approval"
	"github.com/switchyard-dev/switchyard/shared/asl"
	"github.com/switchyard-dev/switchyard/shared/awsapi"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/eventbus"
	"github.com/switchyard-dev/switchyard/shared/executor"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/statemachines"
)

// Function names the substitutions map to in process.
const (
	FunctionExecutor = "switchyard-executor"
	FunctionStep     = "switchyard-step"
	FunctionApproval = "switchyard-approval"
)

// State machine names (the file names in statemachines/ without .asl.json).
const (
	ExecutePlan = "execute-plan"
	RunStep     = "run-step"
)

// ApprovalRequest is an approval or operator decision just recorded, as an
// Approver sees it (without the task token).
type ApprovalRequest struct {
	ID        string
	Kind      store.ApprovalKind
	Execution string
	Plan      string
	Step      string
	Quorum    int
	Options   []string
	ExpiresAt time.Time
	// Note is a decision's error ("Error: cause", the failed attempt's
	// own error with its cause on one line, trimmed to
	// executor.MaxShownCause).
	Note string
}

// Approver answers approval requests in process (the drill's --approve
// auto|prompt, tests). It runs inside the approval function on the clock,
// so time stands still until it returns: answer through rt.Approve,
// rt.Reject or rt.Decide, or return without answering to let the request
// wait (and expire).
type Approver func(ctx context.Context, rt *Runtime, req ApprovalRequest)

// Config configures a Runtime.
type Config struct {
	// Clock is shared by the engine, the store, the bus and the blocks
	// (required; a *clock.Virtual for drills and tests).
	Clock clock.Clock
	// Store defaults to nothing: it is required (memory.New(clock) locally).
	Store store.Store
	// Clients is the AWS (or simulated AWS) client factory the blocks were
	// built with; kept for callers, optional.
	Clients awsapi.Clients
	// Blocks runs the steps' blocks (blocks.NewRegistry satisfies it).
	Blocks executor.Registry
	// Plans are deployed to the store at New.
	Plans []*plan.Plan
	// Region is the Region this control plane runs in (the target of every
	// execution it starts); Account is used in ARNs (default 123456789012).
	Region  string
	Account string
	// Definitions holds the *.asl.json files (default: the definitions
	// embedded from statemachines/, statemachines.FS).
	Definitions fs.FS
	// Approver answers approvals and decisions (optional).
	Approver Approver
	// Bus is the local event bus (default: a new one over events/rules).
	Bus *eventbus.Bus
	// Observer also receives every history event (live progress). Do not
	// pass asl.WithObserver in EngineOptions: the runtime needs its own.
	Observer asl.Observer
	// EngineOptions are extra engine options (mocks, a token watch).
	EngineOptions []asl.Option
	// DuplicateInvocations delivers every Lambda invocation twice (the first
	// result is dropped), to prove the handlers tolerate the at-least-once
	// delivery of asynchronous invocations and retries.
	DuplicateInvocations bool
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Runtime is Switchyard's control plane in one process: the local Step
// Functions engine running statemachines/*.asl.json with the real handlers,
// the store, and the local event bus.
type Runtime struct {
	cfg       Config
	engine    *asl.Engine
	bus       *eventbus.Bus
	executor  *executor.Executor
	steps     *executor.StepRunner
	approvals *approval.Service
	machines  map[string]string // name → ARN

	mu       sync.Mutex
	receipts map[string][]*eventbus.Receipt // execution ARN → cleanup deliveries
}

// functions resolves the in-process handlers, which need the engine and so
// are set after it is built.
type functions struct {
	m     asl.Functions
	twice bool
}

func (f *functions) Resolve(name string) (lambda.Handler, bool) {
	h, ok := f.m.Resolve(name)
	if !ok || !f.twice {
		return h, ok
	}
	return twice{h}, true
}

// twice invokes a handler a second time with the same payload and returns
// the second outcome.
type twice struct{ h lambda.Handler }

func (t twice) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	_, _ = t.h.Invoke(ctx, payload)
	return t.h.Invoke(ctx, payload)
}

// FindDefinitions looks for statemachines/ in the working directory and its
// parents (the repository root holds it).
func FindDefinitions() (fs.FS, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("finding statemachines/: %w", err)
	}
	for {
		p := filepath.Join(dir, "statemachines")
		if st, err := os.Stat(filepath.Join(p, "execute-plan.asl.json")); err == nil && !st.IsDir() {
			return os.DirFS(p), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, errors.New("finding statemachines/: no statemachines/execute-plan.asl.json in the working directory or its parents")
		}
		dir = parent
	}
}

// New builds the runtime: deploys the plans to the store, registers every
// state machine with its substitutions mapped to in-process handlers, and
// wires the bus (RDS events → StepRunner.OnAWSEvent; Step Functions
// execution status changes → Executor cleanup).
func New(cfg Config) (*Runtime, error) {
	if cfg.Clock == nil || cfg.Store == nil {
		return nil, errors.New("runtime: Clock and Store are required")
	}
	if cfg.Region == "" {
		return nil, errors.New("runtime: Region is required (the Region executions fail over into)")
	}
	if cfg.Account == "" {
		cfg.Account = "123456789012"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Blocks == nil {
		cfg.Blocks = executor.Blocks{}
	}
	if cfg.Definitions == nil {
		cfg.Definitions = statemachines.FS
	}
	ctx := context.Background()
	rt := &Runtime{cfg: cfg, machines: map[string]string{}, receipts: map[string][]*eventbus.Receipt{}}
	if err := rt.deploy(ctx); err != nil {
		return nil, err
	}
	bus := cfg.Bus
	if bus == nil {
		rules, err := eventbus.LoadRulesFS(events.FS, "rules")
		if err != nil {
			return nil, fmt.Errorf("runtime: loading event rules: %w", err)
		}
		m, err := eventbus.NewMatcher(rules)
		if err != nil {
			return nil, fmt.Errorf("runtime: event rules: %w", err)
		}
		bus = eventbus.New(m, cfg.Clock, eventbus.Options{Logger: cfg.Logger})
	}
	rt.bus = bus
	pub := busPublisher{bus}
	xcfg := executor.Config{Store: cfg.Store, Clock: cfg.Clock, Blocks: cfg.Blocks, Events: pub, Region: cfg.Region, Account: cfg.Account, Logger: cfg.Logger}
	opts := []asl.Option{
		asl.WithClock(cfg.Clock), asl.WithAccount(cfg.Region, cfg.Account), asl.WithLogger(cfg.Logger),
	}
	opts = append(opts, cfg.EngineOptions...)
	opts = append(opts, asl.WithObserver(rt.observe))
	rt.executor = executor.NewExecutor(xcfg)
	fns := &functions{twice: cfg.DuplicateInvocations}
	rt.engine = asl.New(append(opts, asl.WithLambda(fns))...)
	rt.steps = executor.NewStepRunner(xcfg, rt.engine)
	rt.approvals = approval.New(approval.Config{Store: cfg.Store, Clock: cfg.Clock, SFN: rt.engine, Events: pub, Account: cfg.Account,
		Logger: cfg.Logger, Notify: rt.notify})
	// aws-lambda-go's handlers reuse one response buffer, so a handler
	// invoked concurrently (the parallel steps of a stage) would race: build
	// one per invocation, as each Lambda sandbox has its own.
	fns.m = asl.Functions{
		FunctionExecutor: asl.NewFunction(rt.executor.Handle),
		FunctionStep:     asl.NewFunction(rt.steps.Handle),
		FunctionApproval: asl.NewFunction(rt.approvals.Handle),
	}
	if err := rt.register(ctx); err != nil {
		return nil, err
	}
	if err := bus.Register("rds-global-cluster-events", "step-runner", func(ctx context.Context, ev []byte) error {
		return rt.steps.OnAWSEvent(ctx, ev)
	}); err != nil {
		return nil, fmt.Errorf("runtime: %w", err)
	}
	if err := bus.Register("execution-status-change", "executor-cleanup", func(ctx context.Context, ev []byte) error {
		var e struct {
			DetailType string          `json:"detail-type"`
			Detail     json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal(ev, &e); err != nil {
			return err
		}
		return rt.executor.Cleanup(ctx, e.Detail)
	}); err != nil {
		return nil, fmt.Errorf("runtime: %w", err)
	}
	return rt, nil
}

// deploy stores every plan version (idempotent).
func (rt *Runtime) deploy(ctx context.Context) error {
	for _, p := range rt.cfg.Plans {
		doc, err := p.CanonicalJSON()
		if err != nil {
			return fmt.Errorf("runtime: encoding plan %s: %w", p.Metadata.Name, err)
		}
		if _, _, err := rt.cfg.Store.PutPlan(ctx, store.PlanVersion{Name: p.Metadata.Name, Version: p.Fingerprint(), Document: doc}); err != nil {
			return fmt.Errorf("runtime: deploying plan %s: %w", p.Metadata.Name, err)
		}
	}
	return nil
}

// Substitutions returns the value of every ${Name} placeholder the local
// runtime provides for the definitions files (base names *.asl.json) in
// region and account: the same names the CDK app provides
// (statemachines/substitutions.json), mapped to in-process functions and
// local resources.
func Substitutions(files []string, r, a string) map[string]string {
	vars := map[string]string{}
	for _, f := range files {
		name := strings.TrimSuffix(f, ".asl.json")
		vars[camel(name)+"StateMachineArn"] = fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", r, a, name)
	}
	fn := func(n string) string { return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", r, a, n) }
	vars["ExecutorFunctionArn"] = fn(FunctionExecutor)
	vars["StepFunctionArn"] = fn(FunctionStep)
	vars["ApprovalFunctionArn"] = fn(FunctionApproval)
	for _, n := range []string{"Api", "Readiness", "Slack", "Trigger"} {
		vars[n+"FunctionArn"] = fn("switchyard-" + strings.ToLower(n))
	}
	vars["EventBusName"] = "switchyard"
	vars["EventBusArn"] = fmt.Sprintf("arn:aws:events:%s:%s:event-bus/switchyard", r, a)
	vars["TableName"] = "switchyard"
	vars["TableArn"] = fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/switchyard", r, a)
	vars["PlanExecutionRoleArn"] = fmt.Sprintf("arn:aws:iam::%s:role/switchyard-plan-execution", a)
	return vars
}

// register creates every state machine of Definitions with the CDK
// substitutions mapped to local ARNs.
func (rt *Runtime) register(ctx context.Context) error {
	files, err := fs.Glob(rt.cfg.Definitions, "*.asl.json")
	if err != nil || len(files) == 0 {
		return fmt.Errorf("runtime: no *.asl.json state machines in the definitions (%v)", err)
	}
	sort.Strings(files)
	vars := Substitutions(files, rt.cfg.Region, rt.cfg.Account)
	for _, f := range files {
		name := strings.TrimSuffix(f, ".asl.json")
		rt.machines[name] = vars[camel(name)+"StateMachineArn"]
	}
	for _, f := range files {
		raw, err := fs.ReadFile(rt.cfg.Definitions, f)
		if err != nil {
			return fmt.Errorf("runtime: reading %s: %w", f, err)
		}
		def, err := asl.Substitute(raw, vars)
		if err != nil {
			return fmt.Errorf("runtime: %s: %w", f, err)
		}
		name := strings.TrimSuffix(f, ".asl.json")
		if _, err := rt.engine.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: &name, Definition: ptr(string(def))}); err != nil {
			return fmt.Errorf("runtime: registering %s: %w", f, err)
		}
	}
	return nil
}

// camel turns "execute-plan" into "ExecutePlan".
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// observe turns the end of an execute-plan execution into the Step
// Functions "Execution Status Change" event EventBridge would send.
func (rt *Runtime) observe(arn string, ev sfntypes.HistoryEvent) {
	if rt.cfg.Observer != nil {
		rt.cfg.Observer(arn, ev)
	}
	st, errName, cause, ok := asl.ExecutionEnd(ev)
	// Step Functions emits the status-change event EventBridge routes to the
	// cleanup only for executions that end other than SUCCEEDED.
	if !ok || st == sfntypes.ExecutionStatusSucceeded {
		return
	}
	status := string(st)
	if !strings.Contains(arn, ":execution:"+ExecutePlan+":") {
		return
	}
	name := arn[strings.LastIndex(arn, ":")+1:]
	detail := map[string]any{
		"executionArn": arn, "stateMachineArn": rt.machines[ExecutePlan], "name": name, "status": status,
		"error": errName, "cause": cause,
	}
	b, _ := json.Marshal(map[string]any{
		"version": "0", "id": fmt.Sprintf("local-%s-%d", name, ev.Id), "detail-type": executor.DetailTypeSFNStatusChange,
		"source": "aws.states", "account": rt.cfg.Account, "time": rt.cfg.Clock.Now().UTC().Format(time.RFC3339),
		"region": rt.cfg.Region, "resources": []string{arn}, "detail": detail,
	})
	rc, err := rt.bus.Publish(context.Background(), b)
	if err != nil {
		rt.cfg.Logger.Warn("publishing execution status change", "execution", name, "error", err)
		return
	}
	rt.mu.Lock()
	rt.receipts[arn] = append(rt.receipts[arn], rc)
	rt.mu.Unlock()
}

func ptr[T any](v T) *T { return &v }

func (rt *Runtime) notify(ctx context.Context, a store.Approval) {
	if rt.cfg.Approver == nil {
		return
	}
	note := a.Note
	if a.Kind == store.KindDecision {
		note = a.Error
	}
	if a.Kind == store.KindDecision && note == "" {
		note = rt.stepError(ctx, a.Execution, a.Step)
	}
	rt.cfg.Approver(ctx, rt, ApprovalRequest{ID: a.ID, Kind: a.Kind, Execution: a.Execution, Plan: a.Plan, Step: a.Step,
		Quorum: a.Quorum, Options: a.Options, ExpiresAt: a.ExpiresAt, Note: note})
}

// stepError is the error a decision is asked about, as a person should
// read it ("Error: cause", the cause on one line and trimmed): the failed
// attempt's error from the step record, since the store keeps an
// approval's Note for the decider's comment.
func (rt *Runtime) stepError(ctx context.Context, execution, step string) string {
	st, err := rt.cfg.Store.GetStep(ctx, execution, step)
	if err != nil || st.Error == "" {
		return ""
	}
	name, cause, _ := strings.Cut(st.Error, ": ")
	e := executor.TrimError(executor.StatesError{Error: name, Cause: cause})
	return e.Error + ": " + e.Cause
}

// Engine returns the local Step Functions engine.
func (rt *Runtime) Engine() *asl.Engine { return rt.engine }

// Store returns the store.
func (rt *Runtime) Store() store.Store { return rt.cfg.Store }

// Bus returns the local event bus (register targets on the switchyard-events
// rule to follow executions live).
func (rt *Runtime) Bus() *eventbus.Bus { return rt.bus }

// Approvals returns the approval service (Answer, Decide).
func (rt *Runtime) Approvals() *approval.Service { return rt.approvals }

// StateMachineArn returns the ARN of a registered state machine ("" if
// unknown).
func (rt *Runtime) StateMachineArn(name string) string { return rt.machines[name] }

// Start starts execute-plan with in; name is the execution name ("" picks
// one). It returns the execution ARN.
func (rt *Runtime) Start(ctx context.Context, name string, in executor.Input) (string, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return "", fmt.Errorf("encoding execution input: %w", err)
	}
	return rt.StartRaw(ctx, name, string(b))
}

// StartRaw starts execute-plan with a raw JSON input, as the Step Functions
// console would.
func (rt *Runtime) StartRaw(ctx context.Context, name, input string) (string, error) {
	in := &sfn.StartExecutionInput{StateMachineArn: ptr(rt.machines[ExecutePlan]), Input: &input}
	if name != "" {
		in.Name = &name
	}
	out, err := rt.engine.StartExecution(ctx, in)
	if err != nil {
		return "", fmt.Errorf("starting %s: %w", ExecutePlan, err)
	}
	return *out.ExecutionArn, nil
}

// Wait waits for an execution to end and for the cleanup its ending
// triggered, and describes it.
func (rt *Runtime) Wait(ctx context.Context, executionArn string) (*sfn.DescribeExecutionOutput, error) {
	d, release, err := rt.WaitHeld(ctx, executionArn)
	release()
	return d, err
}

// WaitHeld is Wait for a caller outside the clock's tracked goroutines that
// must see the end of the execution at the moment it happened: on a clock
// that can be held (clock.Virtual), a tracked goroutine waits for the end
// and takes a hold at that instant, so virtual time cannot run on (to the
// world's next timer) before the caller has looked. The caller must call
// release once it is done looking; release is never nil.
func (rt *Runtime) WaitHeld(ctx context.Context, executionArn string) (*sfn.DescribeExecutionOutput, func(), error) {
	release := func() {}
	if h, ok := rt.cfg.Clock.(clock.Holder); ok {
		ended, err := rt.engine.ExecutionEnded(executionArn)
		if err != nil {
			return nil, release, err
		}
		got := make(chan func(), 1)
		rt.cfg.Clock.Go(func() {
			if ended.Wait(ctx, 0) != nil {
				got <- func() {}
				return
			}
			got <- h.Hold()
		})
		select {
		case release = <-got:
		case <-ctx.Done():
			go func() { (<-got)() }()
			return nil, func() {}, ctx.Err()
		}
	}
	d, err := rt.engine.WaitExecution(ctx, executionArn)
	if err != nil {
		return nil, release, err
	}
	rt.mu.Lock()
	rcs := append([]*eventbus.Receipt(nil), rt.receipts[executionArn]...)
	rt.mu.Unlock()
	for _, rc := range rcs {
		if err := rc.Wait(ctx); err != nil {
			return d, release, fmt.Errorf("waiting for the cleanup of %s: %w", executionArn, err)
		}
	}
	return d, release, nil
}

// Stop stops an execution (StopExecution); the cleanup rule then releases
// its lock.
func (rt *Runtime) Stop(ctx context.Context, executionArn, cause string) error {
	_, err := rt.engine.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: &executionArn, Error: ptr("Stopped"), Cause: &cause})
	if err != nil {
		return fmt.Errorf("stopping %s: %w", executionArn, err)
	}
	return nil
}

// Approve votes for an approval as user.
func (rt *Runtime) Approve(ctx context.Context, approvalID, user string) error {
	_, err := rt.approvals.Answer(ctx, approvalID, user, true, "")
	return err
}

// Reject votes against an approval as user.
func (rt *Runtime) Reject(ctx context.Context, approvalID, user, note string) error {
	_, err := rt.approvals.Answer(ctx, approvalID, user, false, note)
	return err
}

// Decide answers an operator decision (retry, skip, ungraceful, abort).
func (rt *Runtime) Decide(ctx context.Context, approvalID, user, answer string) error {
	_, err := rt.approvals.Decide(ctx, approvalID, user, answer, "")
	return err
}

// PublishAWSEvent puts an AWS event (for example an RDS global-cluster
// event from the simulator) on the local bus.
func (rt *Runtime) PublishAWSEvent(ctx context.Context, event []byte) (*eventbus.Receipt, error) {
	return rt.bus.Publish(ctx, event)
}

type busPublisher struct{ bus *eventbus.Bus }

func (p busPublisher) Publish(ctx context.Context, event []byte) error {
	_, err := p.bus.Publish(ctx, event)
	return err
}
