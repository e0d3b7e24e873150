package asl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/clock"
)

// CreateStateMachine parses and registers a definition. Registering the same
// name with the same definition again returns the existing ARN; a different
// definition fails with StateMachineAlreadyExists. A bad definition fails
// with InvalidDefinition whose message names the state and field.
func (e *Engine) CreateStateMachine(_ context.Context, in *sfn.CreateStateMachineInput, _ ...func(*sfn.Options)) (*sfn.CreateStateMachineOutput, error) {
	if in == nil || in.Name == nil || in.Definition == nil {
		return nil, &types.ValidationException{Message: ptr("Name and Definition are required")}
	}
	if in.Type != "" && in.Type != types.StateMachineTypeStandard {
		return nil, &types.ValidationException{Message: ptr(fmt.Sprintf("only STANDARD state machines run locally, got %s", in.Type))}
	}
	def, err := ParseDefinition([]byte(*in.Definition))
	if err != nil {
		return nil, &types.InvalidDefinition{Message: ptr(err.Error())}
	}
	arn, err := e.Register(*in.Name, def)
	if err != nil {
		return nil, err
	}
	if in.RoleArn != nil {
		e.mu.Lock()
		e.machines[arn].roleArn = *in.RoleArn
		e.mu.Unlock()
	}
	e.mu.Lock()
	created := e.machines[arn].created
	e.mu.Unlock()
	return &sfn.CreateStateMachineOutput{StateMachineArn: &arn, CreationDate: &created}, nil
}

// DescribeStateMachine returns a registered state machine.
func (e *Engine) DescribeStateMachine(_ context.Context, in *sfn.DescribeStateMachineInput, _ ...func(*sfn.Options)) (*sfn.DescribeStateMachineOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m, ok := e.machines[deref(in.StateMachineArn)]
	if !ok {
		return nil, &types.StateMachineDoesNotExist{Message: ptr("State Machine Does Not Exist: '" + deref(in.StateMachineArn) + "'")}
	}
	return &sfn.DescribeStateMachineOutput{
		StateMachineArn: ptr(m.arn), Name: ptr(m.name), Definition: ptr(m.def.raw), RoleArn: ptr(m.roleArn),
		Type: m.typ, Status: types.StateMachineStatusActive, CreationDate: ptr(m.created),
	}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// StartExecution starts an execution. Per the Step Functions API, calling it
// again with the name and input of a RUNNING execution returns that
// execution; a different input, or a closed execution of that name, fails
// with ExecutionAlreadyExists.
func (e *Engine) StartExecution(_ context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	if in == nil || in.StateMachineArn == nil {
		return nil, &types.ValidationException{Message: ptr("StateMachineArn is required")}
	}
	input := "{}"
	if in.Input != nil {
		input = *in.Input
	}
	x, err := e.start(*in.StateMachineArn, deref(in.Name), input, "")
	if err != nil {
		return nil, err
	}
	return &sfn.StartExecutionOutput{ExecutionArn: ptr(x.arn), StartDate: ptr(x.start)}, nil
}

// start creates and launches an execution in a tracked goroutine.
func (e *Engine) start(smArn, name, input, parent string) (*execution, error) {
	if len(input) > MaxPayloadBytes {
		return nil, &types.InvalidExecutionInput{Message: ptr(fmt.Sprintf("execution input is %d bytes, more than the 262144-byte quota", len(input)))}
	}
	inputV, err := decodeJSON([]byte(input))
	if err != nil {
		return nil, &types.InvalidExecutionInput{Message: ptr(fmt.Sprintf("Invalid State Machine Execution Input: %v", err))}
	}
	x, existing, err := e.newExecution(smArn, name, input, inputV, parent)
	if err != nil || existing {
		return x, err
	}
	x.record(x.mainTh, types.HistoryEventTypeExecutionStarted, func(ev *types.HistoryEvent) {
		ev.ExecutionStartedEventDetails = &types.ExecutionStartedEventDetails{Input: ptr(input), RoleArn: ptr(x.m.roleArn),
			InputDetails: &types.HistoryEventExecutionDataDetails{Truncated: false}}
	})
	ctx, cancel := context.WithCancel(context.Background())
	x.cancel = cancel
	e.clk.Go(func() { x.run(ctx) })
	return x, nil
}

// newExecution registers an execution (or finds the running one it
// duplicates, existing = true).
func (e *Engine) newExecution(smArn, name, input string, inputV any, parent string) (x *execution, existing bool, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m, ok := e.machines[smArn]
	if !ok {
		return nil, false, &types.StateMachineDoesNotExist{Message: ptr("State Machine Does Not Exist: '" + smArn + "'")}
	}
	if name == "" {
		e.seq++
		name = fmt.Sprintf("exec-%06d", e.seq)
	} else if !validName(name) {
		return nil, false, &types.InvalidName{Message: ptr(fmt.Sprintf("invalid execution name %q: 1-80 characters, letters, digits, '-' and '_'", name))}
	}
	arn := fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", e.region, e.account, m.name, name)
	if old, ok := e.execs[arn]; ok {
		old.mu.Lock()
		running := old.status == types.ExecutionStatusRunning
		old.mu.Unlock()
		if running && old.input == input {
			return old, true, nil
		}
		return nil, false, &types.ExecutionAlreadyExists{Message: ptr("Execution Already Exists: '" + arn + "'")}
	}
	now := e.clk.Now()
	x = &execution{
		e: e, m: m, arn: arn, name: name, input: input, inputV: inputV, start: now, parent: parent,
		status: types.ExecutionStatusRunning, done: make(chan struct{}), doneEv: e.clk.NewEvent(),
		rng: rand.New(rand.NewPCG(seedFor(arn), 0)),
		ctxExec: map[string]any{
			"Id": arn, "Input": inputV, "Name": name, "RoleArn": m.roleArn,
			"StartTime": fmtTime(now), "RedriveCount": json.Number("0"),
		},
		ctxSM: map[string]any{"Id": m.arn, "Name": m.name},
	}
	x.root = newScope(&x.mu)
	x.mainTh = &thread{}
	e.execs[arn] = x
	e.order = append(e.order, x)
	return x, false, nil
}

func (e *Engine) exec(arn *string) (*execution, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.execs[deref(arn)]
	if !ok {
		return nil, &types.ExecutionDoesNotExist{Message: ptr("Execution Does Not Exist: '" + deref(arn) + "'")}
	}
	return x, nil
}

func (x *execution) describe() *sfn.DescribeExecutionOutput {
	x.mu.Lock()
	defer x.mu.Unlock()
	d := &sfn.DescribeExecutionOutput{
		ExecutionArn: ptr(x.arn), StateMachineArn: ptr(x.m.arn), Name: ptr(x.name), Status: x.status,
		StartDate: ptr(x.start), Input: ptr(x.input), Output: x.output, Error: x.errName, Cause: x.cause,
		InputDetails: &types.CloudWatchEventsExecutionDataDetails{Included: true},
	}
	if x.status != types.ExecutionStatusRunning {
		d.StopDate = ptr(x.stop)
		d.OutputDetails = &types.CloudWatchEventsExecutionDataDetails{Included: true}
	}
	return d
}

// DescribeExecution returns an execution's status, input, output and error.
func (e *Engine) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	x, err := e.exec(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	return x.describe(), nil
}

// WaitExecution blocks until the execution closes or ctx ends. Callers
// outside the clock use it (it waits on a channel, not on the clock).
func (e *Engine) WaitExecution(ctx context.Context, executionArn string) (*sfn.DescribeExecutionOutput, error) {
	x, err := e.exec(&executionArn)
	if err != nil {
		return nil, err
	}
	select {
	case <-x.done:
		return x.describe(), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for %s: %w", executionArn, ctx.Err())
	}
}

// ExecutionEnded returns an event fired when the execution ends. A goroutine
// tracked by the engine's clock waits on it without stopping virtual time;
// see runtime.WaitHeld for handing the moment of the end to a caller outside
// the clock.
func (e *Engine) ExecutionEnded(executionArn string) (clock.Event, error) {
	x, err := e.exec(&executionArn)
	if err != nil {
		return nil, err
	}
	return x.doneEv, nil
}

// ExecutionStats are the quota-relevant counters of one execution.
type ExecutionStats struct {
	HistoryEvents    int // Standard workflows allow MaxHistoryEvents
	StateTransitions int // one per state entered plus one per retry
}

// Stats returns an execution's counters.
func (e *Engine) Stats(executionArn string) (ExecutionStats, error) {
	x, err := e.exec(&executionArn)
	if err != nil {
		return ExecutionStats{}, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return ExecutionStats{HistoryEvents: len(x.events), StateTransitions: x.transitions}, nil
}

// ListExecutions lists a state machine's executions, newest first.
func (e *Engine) ListExecutions(_ context.Context, in *sfn.ListExecutionsInput, _ ...func(*sfn.Options)) (*sfn.ListExecutionsOutput, error) {
	e.mu.Lock()
	if _, ok := e.machines[deref(in.StateMachineArn)]; !ok {
		e.mu.Unlock()
		return nil, &types.StateMachineDoesNotExist{Message: ptr("State Machine Does Not Exist: '" + deref(in.StateMachineArn) + "'")}
	}
	var all []*execution
	for i := len(e.order) - 1; i >= 0; i-- {
		if e.order[i].m.arn == *in.StateMachineArn {
			all = append(all, e.order[i])
		}
	}
	e.mu.Unlock()
	var items []types.ExecutionListItem
	for _, x := range all {
		d := x.describe()
		if in.StatusFilter != "" && d.Status != in.StatusFilter {
			continue
		}
		items = append(items, types.ExecutionListItem{ExecutionArn: d.ExecutionArn, StateMachineArn: d.StateMachineArn,
			Name: d.Name, Status: d.Status, StartDate: d.StartDate, StopDate: d.StopDate})
	}
	start, err := pageStart(in.NextToken, len(items))
	if err != nil {
		return nil, err
	}
	end := len(items)
	if in.MaxResults > 0 && start+int(in.MaxResults) < end {
		end = start + int(in.MaxResults)
	}
	out := &sfn.ListExecutionsOutput{Executions: items[start:end]}
	if end < len(items) {
		out.NextToken = ptr(strconv.Itoa(end))
	}
	return out, nil
}

func pageStart(token *string, n int) (int, error) {
	if token == nil || *token == "" {
		return 0, nil
	}
	i, err := strconv.Atoi(*token)
	if err != nil || i < 0 || i > n {
		return 0, &types.InvalidToken{Message: ptr("invalid NextToken")}
	}
	return i, nil
}

// StopExecution aborts a running execution; stopping a closed one is a
// no-op that returns its stop date.
func (e *Engine) StopExecution(_ context.Context, in *sfn.StopExecutionInput, _ ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error) {
	x, err := e.exec(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	x.halt(types.ExecutionStatusAborted, &StatesError{Name: deref(in.Error), Cause: deref(in.Cause)})
	x.mu.Lock()
	stop := x.stop
	x.mu.Unlock()
	if stop.IsZero() {
		stop = e.clk.Now()
	}
	return &sfn.StopExecutionOutput{StopDate: &stop}, nil
}

// GetExecutionHistory returns the execution's events, oldest first unless
// ReverseOrder. IncludeExecutionData=false strips inputs and outputs.
func (e *Engine) GetExecutionHistory(_ context.Context, in *sfn.GetExecutionHistoryInput, _ ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error) {
	x, err := e.exec(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	evs := make([]types.HistoryEvent, len(x.events))
	for i, ev := range x.events {
		evs[i] = *ev
	}
	x.mu.Unlock()
	if in.ReverseOrder {
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].Id > evs[j].Id })
	}
	if in.IncludeExecutionData != nil && !*in.IncludeExecutionData {
		for i := range evs {
			stripData(&evs[i])
		}
	}
	start, err := pageStart(in.NextToken, len(evs))
	if err != nil {
		return nil, err
	}
	max := int(in.MaxResults)
	if max <= 0 {
		max = 1000
	}
	end := min(len(evs), start+max)
	out := &sfn.GetExecutionHistoryOutput{Events: evs[start:end]}
	if end < len(evs) {
		out.NextToken = ptr(strconv.Itoa(end))
	}
	return out, nil
}

func stripData(ev *types.HistoryEvent) {
	if d := ev.StateEnteredEventDetails; d != nil {
		c := *d
		c.Input = nil
		ev.StateEnteredEventDetails = &c
	}
	if d := ev.StateExitedEventDetails; d != nil {
		c := *d
		c.Output = nil
		ev.StateExitedEventDetails = &c
	}
	if d := ev.ExecutionStartedEventDetails; d != nil {
		c := *d
		c.Input = nil
		ev.ExecutionStartedEventDetails = &c
	}
	if d := ev.ExecutionSucceededEventDetails; d != nil {
		c := *d
		c.Output = nil
		ev.ExecutionSucceededEventDetails = &c
	}
}

// History returns a copy of an execution's events (Go-native form).
func (e *Engine) History(executionArn string) ([]types.HistoryEvent, error) {
	out, err := e.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: &executionArn, MaxResults: 1 << 30})
	if err != nil {
		return nil, err
	}
	return out.Events, nil
}

// callbackFor finds the waiting task of token, mapping problems to the
// Step Functions API errors.
func (e *Engine) callbackFor(token *string) (*callback, error) {
	t := deref(token)
	if !validToken(t) {
		return nil, &types.InvalidToken{Message: ptr("Invalid Token: the task token is malformed")}
	}
	cb, ok := e.tokens[t]
	if !ok {
		return nil, &types.TaskDoesNotExist{Message: ptr("Task Does Not Exist: no task was issued this token")}
	}
	if cb.closed {
		return nil, &types.TaskTimedOut{Message: ptr("Task Timed Out: 'Provided task does not exist anymore'")}
	}
	return cb, nil
}

// SendTaskSuccess completes the task waiting on TaskToken with Output.
func (e *Engine) SendTaskSuccess(_ context.Context, in *sfn.SendTaskSuccessInput, _ ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	out, err := decodeJSON([]byte(deref(in.Output)))
	if err != nil {
		return nil, &types.InvalidOutput{Message: ptr(fmt.Sprintf("Invalid Output: %v", err))}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cb, err := e.callbackFor(in.TaskToken)
	if err != nil {
		return nil, err
	}
	cb.closed, cb.result = true, out
	cb.wake.Fire()
	return &sfn.SendTaskSuccessOutput{}, nil
}

// SendTaskFailure fails the task waiting on TaskToken with Error and Cause.
func (e *Engine) SendTaskFailure(_ context.Context, in *sfn.SendTaskFailureInput, _ ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cb, err := e.callbackFor(in.TaskToken)
	if err != nil {
		return nil, err
	}
	cb.closed, cb.serr = true, &StatesError{Name: deref(in.Error), Cause: deref(in.Cause)}
	cb.wake.Fire()
	return &sfn.SendTaskFailureOutput{}, nil
}

// SendTaskHeartbeat renews the heartbeat deadline of the task waiting on
// TaskToken.
func (e *Engine) SendTaskHeartbeat(_ context.Context, in *sfn.SendTaskHeartbeatInput, _ ...func(*sfn.Options)) (*sfn.SendTaskHeartbeatOutput, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cb, err := e.callbackFor(in.TaskToken)
	if err != nil {
		return nil, err
	}
	old := cb.wake
	cb.wake = e.clk.NewEvent()
	old.Fire()
	return &sfn.SendTaskHeartbeatOutput{}, nil
}

// PendingTokens lists the task tokens currently awaiting SendTask* calls,
// with the state waiting on each (for tests and the local server).
func (e *Engine) PendingTokens(executionArn string) map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]string{}
	for t, cb := range e.tokens {
		if !cb.closed && cb.x.arn == executionArn {
			out[t] = cb.state
		}
	}
	return out
}

// IsStatesError reports whether err is a *StatesError with the given name.
func IsStatesError(err error, name string) bool {
	var se *StatesError
	return errors.As(err, &se) && se.Name == name
}
