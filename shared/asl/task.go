package asl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/asl/intrinsic"
	"github.com/switchyard-dev/switchyard/shared/clock"
)

// Supported service integrations (the part of a states ARN after the
// account), without the .waitForTaskToken suffix.
const (
	resLambdaInvoke    = "lambda:invoke"
	resStartExec       = "states:startExecution"
	resStartExecSync   = "states:startExecution.sync"
	resStartExecSync2  = "states:startExecution.sync:2"
	suffixWaitForToken = ".waitForTaskToken"
)

// callback is a task waiting for SendTask* on its token.
type callback struct {
	x        *execution
	state    string
	wake     clock.Event
	closed   bool // completed, failed, timed out or abandoned
	result   any
	serr     *StatesError
	timedOut bool
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

// timeouts resolves TimeoutSeconds(/Path) and HeartbeatSeconds(/Path).
func timeouts(st *State, raw any) (timeout, heartbeat time.Duration, serr *StatesError) {
	sec := func(field string, n int64, p interface{ Get(any) (any, error) }, path fmt.Stringer) (time.Duration, *StatesError) {
		if n > 0 {
			return time.Duration(n) * time.Second, nil
		}
		if path == nil || p == nil {
			return 0, nil
		}
		v, err := p.Get(raw)
		if err != nil {
			return 0, statesErr(ErrNameRuntime, "%s '%s' of state '%s' selects nothing in the input", field, path, st.Name)
		}
		f, ok := intrinsic.ToFloat(v)
		if !ok || f <= 0 || f != math.Trunc(f) {
			return 0, statesErr(ErrNameRuntime, "%s '%s' of state '%s' must select a positive integer, got %s", field, path, st.Name, mustJSON(v))
		}
		return time.Duration(f) * time.Second, nil
	}
	var tp, hp interface{ Get(any) (any, error) }
	var ts, hs fmt.Stringer
	if st.TimeoutSecondsPath != nil {
		tp, ts = st.TimeoutSecondsPath, st.TimeoutSecondsPath
	}
	if st.HeartbeatSecondsPath != nil {
		hp, hs = st.HeartbeatSecondsPath, st.HeartbeatSecondsPath
	}
	if timeout, serr = sec("TimeoutSecondsPath", st.TimeoutSeconds, tp, ts); serr != nil {
		return
	}
	heartbeat, serr = sec("HeartbeatSecondsPath", st.HeartbeatSeconds, hp, hs)
	return
}

// integration splits a resource ARN into its service:action part.
func integration(resource string) (svc string, isStates bool) {
	parts := strings.Split(resource, ":")
	if len(parts) >= 7 && parts[0] == "arn" && parts[2] == "states" {
		return strings.Join(parts[5:], ":"), true
	}
	return "", false
}

func isLambdaArn(resource string) bool {
	parts := strings.Split(resource, ":")
	return len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function"
}

// runTask dispatches a Task state's resource.
func (x *execution) runTask(ctx context.Context, rc *runCtx, st *State, raw, input any, ctxObj map[string]any, token string) (any, *StatesError) {
	timeout, heartbeat, serr := timeouts(st, raw)
	if serr != nil {
		return nil, serr
	}
	inJSON := mustJSON(input)
	if serr := checkSize("task input", st.Name, inJSON); serr != nil {
		return nil, serr
	}
	// Mocks come first, whatever the resource.
	x.mu.Lock()
	if x.mockCalls == nil {
		x.mockCalls = map[string]int{}
	}
	n := x.mockCalls[st.Name]
	x.mockCalls[st.Name]++
	x.mu.Unlock()
	if resp, ok := x.e.mocks.lookup(x.m.name, x.e.testCase, st.Name, n); ok {
		x.taskScheduled(rc, st, inJSON, timeout, heartbeat)
		x.record(rc.th, types.HistoryEventTypeTaskStarted, func(ev *types.HistoryEvent) {
			ev.TaskStartedEventDetails = &types.TaskStartedEventDetails{Resource: ptr(resName(st.Resource)), ResourceType: ptr(resType(st.Resource))}
		})
		if resp.Throw != nil {
			return nil, x.taskFailed(rc, st, &StatesError{Name: resp.Throw.Error, Cause: resp.Throw.Cause})
		}
		v, err := decodeJSON(resp.Return)
		if err != nil {
			return nil, x.taskFailed(rc, st, statesErr(ErrNameRuntime, "mocked Return for state '%s' is not valid JSON: %v", st.Name, err))
		}
		return x.taskSucceeded(rc, st, v)
	}
	if isLambdaArn(st.Resource) {
		return x.lambdaFunction(ctx, rc, st, input, inJSON, timeout)
	}
	svc, ok := integration(st.Resource)
	waitToken := strings.HasSuffix(svc, suffixWaitForToken)
	base := strings.TrimSuffix(svc, suffixWaitForToken)
	if !ok || (base != resLambdaInvoke && base != resStartExec && base != resStartExecSync && base != resStartExecSync2) ||
		(waitToken && base != resLambdaInvoke && base != resStartExec) {
		return nil, statesErr(ErrNameRuntime, "state '%s': the local engine does not support the resource %q (supported: Lambda function ARNs, "+
			"arn:aws:states:::lambda:invoke[.waitForTaskToken], arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken]; other resources need a mock)", st.Name, st.Resource)
	}
	if waitToken && x.e.noCallbacks {
		return nil, statesErr(ErrNameRuntime, "state '%s' waits for a task token (%s) but nobody can call SendTaskSuccess in this run; mock the state in a mock config test case", st.Name, st.Resource)
	}
	var cb *callback
	if waitToken {
		cb = &callback{x: x, state: st.Name, wake: x.e.clk.NewEvent()}
		x.e.mu.Lock()
		x.e.tokens[token] = cb
		x.e.mu.Unlock()
		if x.e.tokenWatch != nil {
			release := func() {}
			if h, ok := x.e.clk.(clock.Holder); ok {
				release = h.Hold()
			}
			select {
			case x.e.tokenWatch <- IssuedToken{ExecutionArn: x.arn, State: st.Name, Token: token, Release: release}:
			case <-ctx.Done():
				release()
			}
		}
	}
	x.taskScheduled(rc, st, inJSON, timeout, heartbeat)
	x.record(rc.th, types.HistoryEventTypeTaskStarted, func(ev *types.HistoryEvent) {
		ev.TaskStartedEventDetails = &types.TaskStartedEventDetails{Resource: ptr(resName(st.Resource)), ResourceType: ptr(resType(st.Resource))}
	})
	start := x.e.clk.Now()
	var result any
	switch base {
	case resLambdaInvoke:
		result, serr = x.callWithTimeout(ctx, rc, timeout, func(cctx context.Context) (any, *StatesError) {
			return x.lambdaInvoke(cctx, st, input)
		})
	default:
		result, serr = x.startExecution(ctx, rc, st, base, input, timeout)
	}
	if serr == errHalted {
		x.closeCallback(token)
		return nil, serr
	}
	if serr != nil {
		x.closeCallback(token)
		if serr.Name == ErrNameTimeout {
			return nil, x.taskTimedOut(rc, st, serr)
		}
		return nil, x.taskFailed(rc, st, serr)
	}
	if !waitToken {
		return x.taskSucceeded(rc, st, result)
	}
	subJSON := mustJSON(result)
	x.record(rc.th, types.HistoryEventTypeTaskSubmitted, func(ev *types.HistoryEvent) {
		ev.TaskSubmittedEventDetails = &types.TaskSubmittedEventDetails{Resource: ptr(resName(st.Resource)), ResourceType: ptr(resType(st.Resource)), Output: &subJSON}
	})
	remaining := time.Duration(0)
	if timeout > 0 {
		remaining = timeout - x.e.clk.Now().Sub(start)
		if remaining <= 0 {
			remaining = time.Nanosecond
		}
	}
	result, serr = x.awaitCallback(ctx, rc, token, cb, remaining, heartbeat)
	switch {
	case serr == errHalted:
		return nil, serr
	case serr != nil && (serr.Name == ErrNameTimeout || serr.Name == ErrNameHeartbeatTimeout):
		return nil, x.taskTimedOut(rc, st, serr)
	case serr != nil:
		return nil, x.taskFailed(rc, st, serr)
	}
	return x.taskSucceeded(rc, st, result)
}

func resType(resource string) string {
	if isLambdaArn(resource) {
		return "lambda"
	}
	svc, ok := integration(resource)
	if !ok {
		return resource
	}
	t, _, _ := strings.Cut(svc, ":")
	return t
}

func resName(resource string) string {
	if isLambdaArn(resource) {
		return "invoke"
	}
	svc, ok := integration(resource)
	if !ok {
		return resource
	}
	_, n, _ := strings.Cut(svc, ":")
	return n
}

func (x *execution) taskScheduled(rc *runCtx, st *State, inJSON string, timeout, heartbeat time.Duration) {
	x.record(rc.th, types.HistoryEventTypeTaskScheduled, func(ev *types.HistoryEvent) {
		d := &types.TaskScheduledEventDetails{Resource: ptr(resName(st.Resource)), ResourceType: ptr(resType(st.Resource)),
			Parameters: &inJSON, Region: &x.e.region}
		if timeout > 0 {
			d.TimeoutInSeconds = ptr(int64(timeout / time.Second))
		}
		if heartbeat > 0 {
			d.HeartbeatInSeconds = ptr(int64(heartbeat / time.Second))
		}
		ev.TaskScheduledEventDetails = d
	})
}

func (x *execution) taskSucceeded(rc *runCtx, st *State, result any) (any, *StatesError) {
	out := mustJSON(result)
	if serr := checkSize("task result", st.Name, out); serr != nil {
		return nil, serr
	}
	x.record(rc.th, types.HistoryEventTypeTaskSucceeded, func(ev *types.HistoryEvent) {
		ev.TaskSucceededEventDetails = &types.TaskSucceededEventDetails{Resource: ptr(resName(st.Resource)), ResourceType: ptr(resType(st.Resource)), Output: &out}
	})
	return result, nil
}

func (x *execution) taskFailed(rc *runCtx, st *State, serr *StatesError) *StatesError {
	x.record(rc.th, types.HistoryEventTypeTaskFailed, func(ev *types.HistoryEvent) {
		ev.TaskFailedEventDetails = &types.TaskFailedEventDetails{Resource: ptr(resName(st.Resource)), ResourceType: ptr(resType(st.Resource)),
			Error: optStr(serr.Name), Cause: optStr(serr.Cause)}
	})
	return serr
}

func (x *execution) taskTimedOut(rc *runCtx, st *State, serr *StatesError) *StatesError {
	x.record(rc.th, types.HistoryEventTypeTaskTimedOut, func(ev *types.HistoryEvent) {
		ev.TaskTimedOutEventDetails = &types.TaskTimedOutEventDetails{Resource: ptr(resName(st.Resource)), ResourceType: ptr(resType(st.Resource)),
			Error: optStr(serr.Name), Cause: optStr(serr.Cause)}
	})
	return serr
}

// callWithTimeout runs fn in a tracked goroutine and waits for it, at most
// timeout (0: no limit), unless the scope halts.
func (x *execution) callWithTimeout(ctx context.Context, rc *runCtx, timeout time.Duration, fn func(context.Context) (any, *StatesError)) (any, *StatesError) {
	cctx, cancel := context.WithCancel(ctx)
	done := x.e.clk.NewEvent()
	var res any
	var rerr *StatesError
	x.e.clk.Go(func() {
		r, e := fn(cctx)
		x.mu.Lock()
		res, rerr = r, e
		x.mu.Unlock()
		done.Fire()
	})
	err := rc.sc.wait(ctx, done, timeout)
	switch {
	case err == nil:
		cancel()
		x.mu.Lock()
		defer x.mu.Unlock()
		return res, rerr
	case err == clock.ErrTimeout:
		cancel()
		return nil, statesErr(ErrNameTimeout, "Task timed out after %d seconds", int64(timeout/time.Second))
	default:
		cancel()
		return nil, errHalted
	}
}

// lambdaFunction runs a Task whose Resource is a Lambda function ARN: the
// effective input is the payload and the function's result the task result.
func (x *execution) lambdaFunction(ctx context.Context, rc *runCtx, st *State, input any, inJSON string, timeout time.Duration) (any, *StatesError) {
	x.record(rc.th, types.HistoryEventTypeLambdaFunctionScheduled, func(ev *types.HistoryEvent) {
		d := &types.LambdaFunctionScheduledEventDetails{Resource: &st.Resource, Input: &inJSON}
		if timeout > 0 {
			d.TimeoutInSeconds = ptr(int64(timeout / time.Second))
		}
		ev.LambdaFunctionScheduledEventDetails = d
	})
	x.record(rc.th, types.HistoryEventTypeLambdaFunctionStarted, nil)
	res, serr := x.callWithTimeout(ctx, rc, timeout, func(cctx context.Context) (any, *StatesError) {
		out, lerr := x.invoke(cctx, st.Resource, []byte(inJSON))
		if lerr != nil {
			return nil, lerr
		}
		v, err := decodeJSON(out)
		if err != nil {
			return nil, statesErr(ErrNameRuntime, "function %s returned invalid JSON: %v", st.Resource, err)
		}
		return v, nil
	})
	switch {
	case serr == errHalted:
		return nil, serr
	case serr != nil && serr.Name == ErrNameTimeout:
		x.record(rc.th, types.HistoryEventTypeLambdaFunctionTimedOut, func(ev *types.HistoryEvent) {
			ev.LambdaFunctionTimedOutEventDetails = &types.LambdaFunctionTimedOutEventDetails{Error: ptr(serr.Name), Cause: optStr(serr.Cause)}
		})
		return nil, serr
	case serr != nil:
		x.record(rc.th, types.HistoryEventTypeLambdaFunctionFailed, func(ev *types.HistoryEvent) {
			ev.LambdaFunctionFailedEventDetails = &types.LambdaFunctionFailedEventDetails{Error: optStr(serr.Name), Cause: optStr(serr.Cause)}
		})
		return nil, serr
	}
	out := mustJSON(res)
	if serr := checkSize("task result", st.Name, out); serr != nil {
		return nil, serr
	}
	x.record(rc.th, types.HistoryEventTypeLambdaFunctionSucceeded, func(ev *types.HistoryEvent) {
		ev.LambdaFunctionSucceededEventDetails = &types.LambdaFunctionSucceededEventDetails{Output: &out}
	})
	return res, nil
}

// invoke calls a function through the resolver. Function errors come back
// as StatesError{Name: errorType, Cause: the Lambda error JSON}.
func (x *execution) invoke(ctx context.Context, function string, payload []byte) ([]byte, *StatesError) {
	if x.e.lambdas == nil {
		return nil, statesErr("Lambda.ResourceNotFoundException", "Function not found: %s (no Lambda resolver configured)", function)
	}
	h, ok := x.e.lambdas.Resolve(function)
	if !ok {
		return nil, statesErr("Lambda.ResourceNotFoundException", "Function not found: %s", function)
	}
	reqID := fmt.Sprintf("%s-%d", x.name, x.e.nextSeq())
	arn := function
	if !strings.HasPrefix(arn, "arn:") {
		arn = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", x.e.region, x.e.account, function)
	}
	if d := x.e.latency.Invoke; d > 0 {
		if err := x.e.clk.Sleep(ctx, d); err != nil {
			return nil, errHalted
		}
	}
	out, lerr := invokeHandler(ctx, h, arn, reqID, payload)
	if lerr != nil {
		return nil, &StatesError{Name: lerr.Type, Cause: lambdaCause(lerr)}
	}
	return out, nil
}

// lambdaInvoke implements arn:aws:states:::lambda:invoke: Parameters carry
// FunctionName and Payload; the result is the Invoke response with the
// function's output under Payload.
func (x *execution) lambdaInvoke(ctx context.Context, st *State, params any) (any, *StatesError) {
	p, ok := params.(map[string]any)
	if !ok {
		return nil, statesErr(ErrNameRuntime, "state '%s': lambda:invoke needs Parameters with FunctionName", st.Name)
	}
	fn, ok := p["FunctionName"].(string)
	if !ok || fn == "" {
		return nil, statesErr(ErrNameRuntime, "state '%s': lambda:invoke needs a string FunctionName in Parameters", st.Name)
	}
	payload := []byte("{}")
	if pl, ok := p["Payload"]; ok {
		if s, isStr := pl.(string); isStr {
			// A string payload is sent as the JSON string itself.
			payload = []byte(mustJSON(s))
		} else {
			payload = []byte(mustJSON(pl))
		}
	}
	out, serr := x.invoke(ctx, fn, payload)
	if serr != nil {
		return nil, serr
	}
	v, err := decodeJSON(out)
	if err != nil {
		return nil, statesErr(ErrNameRuntime, "function %s returned invalid JSON: %v", fn, err)
	}
	reqID := fmt.Sprintf("%s-%d", x.name, x.e.nextSeq())
	return map[string]any{
		"ExecutedVersion": "$LATEST",
		"Payload":         v,
		"SdkHttpMetadata": map[string]any{
			"AllHttpHeaders": map[string]any{
				"X-Amz-Executed-Version":         []any{"$LATEST"},
				"x-amzn-Remapped-Content-Length": []any{"0"},
				"Connection":                     []any{"keep-alive"},
				"x-amzn-RequestId":               []any{reqID},
				"Content-Length":                 []any{json.Number(fmt.Sprint(len(out)))},
				"Content-Type":                   []any{"application/json"},
			},
			"HttpHeaders": map[string]any{
				"Connection":                     "keep-alive",
				"Content-Length":                 fmt.Sprint(len(out)),
				"Content-Type":                   "application/json",
				"X-Amz-Executed-Version":         "$LATEST",
				"x-amzn-Remapped-Content-Length": "0",
				"x-amzn-RequestId":               reqID,
			},
			"HttpStatusCode": json.Number("200"),
		},
		"SdkResponseMetadata": map[string]any{"RequestId": reqID},
		"StatusCode":          json.Number("200"),
	}, nil
}

// awaitCallback waits for SendTaskSuccess/Failure, renewing the heartbeat
// deadline on every SendTaskHeartbeat.
func (x *execution) awaitCallback(ctx context.Context, rc *runCtx, token string, cb *callback, timeout, heartbeat time.Duration) (any, *StatesError) {
	e := x.e
	var deadline time.Time
	if timeout > 0 {
		deadline = e.clk.Now().Add(timeout)
	}
	for {
		e.mu.Lock()
		if cb.closed {
			res, serr := cb.result, cb.serr
			e.mu.Unlock()
			return res, serr
		}
		w := cb.wake
		e.mu.Unlock()
		d, isHB := time.Duration(0), false
		if !deadline.IsZero() {
			d = deadline.Sub(e.clk.Now())
			if d <= 0 {
				d = time.Nanosecond
			}
		}
		if heartbeat > 0 && (d == 0 || heartbeat < d) {
			d, isHB = heartbeat, true
		}
		err := rc.sc.wait(ctx, w, d)
		if err == nil {
			continue
		}
		e.mu.Lock()
		if cb.closed { // completed at the same instant
			res, serr := cb.result, cb.serr
			e.mu.Unlock()
			return res, serr
		}
		cb.closed = true
		cb.timedOut = true
		e.mu.Unlock()
		switch {
		case err == clock.ErrTimeout && isHB:
			return nil, statesErr(ErrNameHeartbeatTimeout, "No heartbeat received for %d seconds", int64(heartbeat/time.Second))
		case err == clock.ErrTimeout:
			return nil, statesErr(ErrNameTimeout, "Task timed out after %d seconds", int64(timeout/time.Second))
		default:
			return nil, errHalted
		}
	}
}

func (x *execution) closeCallback(token string) {
	if token == "" {
		return
	}
	x.e.mu.Lock()
	defer x.e.mu.Unlock()
	if cb, ok := x.e.tokens[token]; ok {
		cb.closed = true
	}
}
