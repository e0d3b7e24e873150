package asl

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/asl/intrinsic"
	"github.com/switchyard-dev/switchyard/shared/asl/jsonpath"
	"github.com/switchyard-dev/switchyard/shared/clock"
)

type execution struct {
	e       *Engine
	m       *machine
	arn     string
	name    string
	input   string
	inputV  any
	start   time.Time
	ctxExec map[string]any // $$.Execution
	ctxSM   map[string]any // $$.StateMachine
	rng     *rand.Rand     // jitter; seeded from the ARN for determinism
	parent  string         // ARN of the parent execution, if nested

	mu          sync.Mutex // guards everything below and the scope tree
	obsMu       sync.Mutex // serialises history delivery
	status      types.ExecutionStatus
	stop        time.Time
	output      *string
	errName     *string
	cause       *string
	events      []*types.HistoryEvent
	transitions int
	mockCalls   map[string]int
	haltStatus  types.ExecutionStatus
	haltErr     *StatesError

	root   *scope
	mainTh *thread       // the top-level previousEventId chain
	done   chan struct{} // closed when finished, for callers outside the clock
	doneEv clock.Event   // fired when finished, for participants
	cancel context.CancelFunc
}

// runCtx is what a state needs besides its input.
type runCtx struct {
	x     *execution
	sc    *scope
	th    *thread
	mapIt map[string]any // $$.Map when inside a Map iteration
}

func (x *execution) finish(status types.ExecutionStatus, out any, serr *StatesError) {
	x.mu.Lock()
	if x.status != types.ExecutionStatusRunning {
		x.mu.Unlock()
		return
	}
	x.status = status
	x.stop = x.e.clk.Now()
	x.mu.Unlock()
	switch status {
	case types.ExecutionStatusSucceeded:
		s := mustJSON(out)
		x.mu.Lock()
		x.output = &s
		x.mu.Unlock()
		x.record(x.mainTh, types.HistoryEventTypeExecutionSucceeded, func(ev *types.HistoryEvent) {
			ev.ExecutionSucceededEventDetails = &types.ExecutionSucceededEventDetails{Output: &s, OutputDetails: &types.HistoryEventExecutionDataDetails{Truncated: false}}
		})
	case types.ExecutionStatusFailed:
		x.setErr(serr)
		x.record(x.mainTh, types.HistoryEventTypeExecutionFailed, func(ev *types.HistoryEvent) {
			ev.ExecutionFailedEventDetails = &types.ExecutionFailedEventDetails{Error: ptr(serr.Name), Cause: ptr(serr.Cause)}
		})
	case types.ExecutionStatusTimedOut:
		x.setErr(serr)
		x.record(x.mainTh, types.HistoryEventTypeExecutionTimedOut, func(ev *types.HistoryEvent) {
			ev.ExecutionTimedOutEventDetails = &types.ExecutionTimedOutEventDetails{Error: ptr(serr.Name), Cause: ptr(serr.Cause)}
		})
	case types.ExecutionStatusAborted:
		x.setErr(serr)
		x.record(x.mainTh, types.HistoryEventTypeExecutionAborted, func(ev *types.HistoryEvent) {
			ev.ExecutionAbortedEventDetails = &types.ExecutionAbortedEventDetails{Error: optStr(serr.Name), Cause: optStr(serr.Cause)}
		})
	}
	x.cancel()
	x.doneEv.Fire()
	close(x.done)
}

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (x *execution) setErr(serr *StatesError) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if serr == nil {
		return
	}
	x.errName, x.cause = optStr(serr.Name), optStr(serr.Cause)
}

// halt stops the execution from outside its states (StopExecution, the
// top-level timeout). The run goroutine notices and finishes with status.
func (x *execution) halt(status types.ExecutionStatus, serr *StatesError) {
	x.mu.Lock()
	if x.status != types.ExecutionStatusRunning || x.haltStatus != "" {
		x.mu.Unlock()
		return
	}
	x.haltStatus, x.haltErr = status, serr
	x.mu.Unlock()
	x.root.halt()
}

// run executes the whole state machine; it runs in a tracked goroutine.
func (x *execution) run(ctx context.Context) {
	var timer clock.Timer
	if t := x.m.def.TimeoutSeconds; t > 0 {
		timer = x.e.clk.AfterFunc(time.Duration(t)*time.Second, func() {
			x.halt(types.ExecutionStatusTimedOut, &StatesError{Name: ErrNameTimeout, Cause: fmt.Sprintf("The execution exceeded its TimeoutSeconds of %d", t)})
		})
	}
	out, serr := x.runMachine(ctx, &runCtx{x: x, sc: x.root, th: x.mainTh}, x.m.def.Machine, x.inputV)
	if timer != nil {
		timer.Stop()
	}
	x.mu.Lock()
	hs, he := x.haltStatus, x.haltErr
	x.mu.Unlock()
	switch {
	case serr == nil: // a stop that raced with the last state loses
		x.finish(types.ExecutionStatusSucceeded, out, nil)
	case hs != "":
		x.finish(hs, nil, he)
	default:
		x.finish(types.ExecutionStatusFailed, nil, serr)
	}
}

// runMachine runs the states of m from StartAt until a terminal state.
func (x *execution) runMachine(ctx context.Context, rc *runCtx, m *Machine, input any) (any, *StatesError) {
	name := m.StartAt
	for {
		if rc.sc.isHalted() {
			return nil, errHalted
		}
		st := m.States[name]
		out, next, serr := x.runState(ctx, rc, st, input)
		if serr != nil {
			return nil, serr
		}
		if next == "" {
			return out, nil
		}
		name, input = next, out
	}
}

// mustJSON renders a JSON value (it cannot fail for decoded JSON).
func mustJSON(v any) string {
	s, err := intrinsic.Marshal(v)
	if err != nil {
		return "null"
	}
	return s
}

func checkSize(what, state string, s string) *StatesError {
	if len(s) > MaxPayloadBytes {
		return statesErr(ErrNameDataLimitExceeded, "The %s of state '%s' has %d bytes, more than the %d-byte (256 KiB) quota", what, state, len(s), MaxPayloadBytes)
	}
	return nil
}

// contextObject builds $$ for a state.
func (x *execution) contextObject(rc *runCtx, st *State, entered time.Time, retry int, token string) map[string]any {
	c := map[string]any{
		"Execution":    x.ctxExec,
		"StateMachine": x.ctxSM,
		"State": map[string]any{
			"EnteredTime": fmtTime(entered),
			"Name":        st.Name,
			"RetryCount":  json.Number(fmt.Sprint(retry)),
		},
	}
	if token != "" {
		c["Task"] = map[string]any{"Token": token}
	}
	if rc.mapIt != nil {
		c["Map"] = rc.mapIt
	}
	return c
}

// applyPath applies InputPath/OutputPath semantics: absent = $, null = {}.
func applyPath(st *State, field string, p optPath, v any, ctxObj any) (any, *StatesError) {
	if !p.set {
		return v, nil
	}
	if p.null {
		return map[string]any{}, nil
	}
	if p.path == nil {
		return v, nil
	}
	r, err := getPath(p.path, v, ctxObj)
	if err != nil {
		return nil, pathFailure(st.Name, field, p.path, err)
	}
	return r, nil
}

// applyResultPath merges result into the raw input: absent = $ (replace),
// null = discard the result.
func applyResultPath(st *State, p optPath, raw, result any) (any, *StatesError) {
	if !p.set {
		return result, nil
	}
	if p.null {
		return raw, nil
	}
	out, err := p.path.Set(deepCopy(raw), result)
	if err != nil {
		return nil, statesErr(ErrNameResultPathMatch, "Unable to apply ReplacementPath '%s' to input in state '%s': %v", p.path, st.Name, err)
	}
	return out, nil
}

// deepCopy copies the containers of a JSON value (leaves are immutable).
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}

// runState runs one state with its retries and catchers. It returns the
// state's output and the next state's name ("" when the machine ends).
func (x *execution) runState(ctx context.Context, rc *runCtx, st *State, raw any) (any, string, *StatesError) {
	if d := x.e.latency.Transition; d > 0 {
		if err := x.e.clk.Sleep(ctx, d); err != nil {
			return nil, "", errHalted
		}
	}
	entered := x.e.clk.Now()
	rawJSON := mustJSON(raw)
	x.transition()
	x.record(rc.th, enteredType(st.Type), func(ev *types.HistoryEvent) {
		ev.StateEnteredEventDetails = &types.StateEnteredEventDetails{Name: ptr(st.Name), Input: &rawJSON,
			InputDetails: &types.HistoryEventExecutionDataDetails{Truncated: false}}
	})
	if serr := checkSize("input", st.Name, rawJSON); serr != nil {
		return nil, "", serr
	}
	attempts := make([]int64, len(st.Retry))
	retry := 0
	for {
		out, next, serr := x.attempt(ctx, rc, st, raw, entered, retry)
		if serr == nil {
			outJSON := mustJSON(out)
			if serr = checkSize("output", st.Name, outJSON); serr == nil {
				if st.Type != TypeFail {
					x.record(rc.th, exitedType(st.Type), func(ev *types.HistoryEvent) {
						ev.StateExitedEventDetails = &types.StateExitedEventDetails{Name: ptr(st.Name), Output: &outJSON,
							OutputDetails: &types.HistoryEventExecutionDataDetails{Truncated: false}}
					})
				}
				return out, next, nil
			}
		}
		if serr == errHalted || rc.sc.isHalted() {
			return nil, "", errHalted
		}
		if st.Type == TypeFail || st.Type == TypeSucceed || terminal(serr.Name) {
			return nil, "", serr
		}
		// Retry: the first retrier whose ErrorEquals matches decides.
		if i := matchIndex(st, serr, retriersNames(st.Retry)); i >= 0 {
			r := st.Retry[i]
			if attempts[i] < r.MaxAttempts {
				delay := r.IntervalSeconds * math.Pow(r.BackoffRate, float64(attempts[i]))
				if r.MaxDelaySeconds > 0 && delay > r.MaxDelaySeconds {
					delay = r.MaxDelaySeconds
				}
				if r.JitterFull {
					x.mu.Lock()
					delay *= x.rng.Float64()
					x.mu.Unlock()
				}
				attempts[i]++
				retry++
				d := time.Duration(delay * float64(time.Second))
				if err := rc.sc.wait(ctx, x.e.clk.NewEvent(), d); err != clock.ErrTimeout && err != nil {
					return nil, "", errHalted
				}
				x.transition()
				continue
			}
		}
		if i := matchIndex(st, serr, catchersNames(st.Catch)); i >= 0 {
			c := st.Catch[i]
			errOut := map[string]any{"Error": serr.Name, "Cause": serr.Cause}
			out, rerr := applyResultPath(st, c.ResultPath, raw, errOut)
			if rerr != nil {
				return nil, "", rerr
			}
			outJSON := mustJSON(out)
			if serr := checkSize("output", st.Name, outJSON); serr != nil {
				return nil, "", serr
			}
			x.record(rc.th, exitedType(st.Type), func(ev *types.HistoryEvent) {
				ev.StateExitedEventDetails = &types.StateExitedEventDetails{Name: ptr(st.Name), Output: &outJSON,
					OutputDetails: &types.HistoryEventExecutionDataDetails{Truncated: false}}
			})
			return out, c.Next, nil
		}
		return nil, "", serr
	}
}

func retriersNames(rs []*Retrier) [][]string {
	out := make([][]string, len(rs))
	for i, r := range rs {
		out[i] = r.ErrorEquals
	}
	return out
}

func catchersNames(cs []*Catcher) [][]string {
	out := make([][]string, len(cs))
	for i, c := range cs {
		out[i] = c.ErrorEquals
	}
	return out
}

// matchIndex returns the first entry whose ErrorEquals matches serr.
func matchIndex(st *State, serr *StatesError, lists [][]string) int {
	if terminal(serr.Name) {
		return -1
	}
	for i, names := range lists {
		for _, n := range names {
			switch {
			case n == serr.Name:
				return i
			case n == ErrNameAll:
				return i
			case n == ErrNameTaskFailed && st.Type == TypeTask && serr.Name != ErrNameTimeout && serr.Name != ErrNameHeartbeatTimeout:
				return i
			}
		}
	}
	return -1
}

// attempt runs one attempt of a state's work, from InputPath to OutputPath.
func (x *execution) attempt(ctx context.Context, rc *runCtx, st *State, raw any, entered time.Time, retry int) (any, string, *StatesError) {
	token := ""
	if st.Type == TypeTask && strings.HasSuffix(st.Resource, ".waitForTaskToken") {
		token = newToken()
	}
	var ctxObj map[string]any // built only for states that read $$
	if st.usesCtx {
		ctxObj = x.contextObject(rc, st, entered, retry, token)
	}
	next := st.Next
	if st.End {
		next = ""
	}
	switch st.Type {
	case TypeFail:
		serr := &StatesError{Name: st.Error, Cause: st.Cause}
		if st.ErrorPath != nil {
			s, e := evalDynString(st, "ErrorPath", st.ErrorPath, raw, ctxObj)
			if e != nil {
				return nil, "", e
			}
			serr.Name = s
		}
		if st.CausePath != nil {
			s, e := evalDynString(st, "CausePath", st.CausePath, raw, ctxObj)
			if e != nil {
				return nil, "", e
			}
			serr.Cause = s
		}
		return nil, "", serr
	}
	input, serr := applyPath(st, "InputPath", st.InputPath, raw, ctxObj)
	if serr != nil {
		return nil, "", serr
	}
	var result any
	switch st.Type {
	case TypeSucceed:
		out, serr := applyPath(st, "OutputPath", st.OutputPath, input, ctxObj)
		return out, "", serr
	case TypeChoice:
		for _, r := range st.Choices {
			ok, err := r.eval(input, ctxObj)
			if err != nil {
				return nil, "", asStatesError(err)
			}
			if ok {
				next = r.Next
				break
			}
		}
		if next == "" {
			if st.Default == "" {
				return nil, "", statesErr(ErrNameNoChoiceMatched, "No Choice Rule matched and no Default is specified in state '%s'", st.Name)
			}
			next = st.Default
		}
		out, serr := applyPath(st, "OutputPath", st.OutputPath, input, ctxObj)
		return out, next, serr
	case TypeWait:
		if serr := x.waitState(ctx, rc, st, input); serr != nil {
			return nil, "", serr
		}
		out, serr := applyPath(st, "OutputPath", st.OutputPath, input, ctxObj)
		return out, next, serr
	}
	if st.Parameters != nil {
		v, err := st.Parameters.apply(input, ctxObj)
		if err != nil {
			return nil, "", asStatesError(err)
		}
		input = v
	}
	switch st.Type {
	case TypePass:
		result = input
		if st.hasResult {
			result = st.Result
		}
	case TypeTask:
		result, serr = x.runTask(ctx, rc, st, raw, input, ctxObj, token)
	case TypeParallel:
		result, serr = x.runParallel(ctx, rc, st, input)
	case TypeMap:
		result, serr = x.runMap(ctx, rc, st, input, ctxObj)
	}
	if serr != nil {
		return nil, "", serr
	}
	if st.ResultSelector != nil {
		v, err := st.ResultSelector.apply(result, ctxObj)
		if err != nil {
			return nil, "", asStatesError(err)
		}
		result = v
	}
	out, serr := applyResultPath(st, st.ResultPath, raw, result)
	if serr != nil {
		return nil, "", serr
	}
	out, serr = applyPath(st, "OutputPath", st.OutputPath, out, ctxObj)
	return out, next, serr
}

func evalDynString(st *State, field string, d *dynString, input, ctxObj any) (string, *StatesError) {
	var v any
	var err error
	if d.call != nil {
		v, err = d.call.Eval(func(p *jsonpath.Path) (any, error) { return getPath(p, input, ctxObj) })
		if err != nil {
			return "", statesErr(ErrNameIntrinsicFailure, "%s of state '%s': %v", field, st.Name, err)
		}
	} else {
		v, err = getPath(d.path, input, ctxObj)
		if err != nil {
			return "", pathFailure(st.Name, field, d.path, err)
		}
	}
	s, ok := v.(string)
	if !ok {
		return "", statesErr(ErrNameRuntime, "%s of state '%s' must select a string, got %s", field, st.Name, jsonType(v))
	}
	return s, nil
}

func (x *execution) waitState(ctx context.Context, rc *runCtx, st *State, input any) *StatesError {
	var d time.Duration
	switch {
	case st.Seconds != nil:
		d = time.Duration(*st.Seconds) * time.Second
	case st.SecondsPath != nil:
		v, err := st.SecondsPath.Get(input)
		if err != nil {
			return pathFailure(st.Name, "SecondsPath", st.SecondsPath, err)
		}
		f, ok := intrinsic.ToFloat(v)
		if !ok || f < 0 || f != math.Trunc(f) {
			return statesErr(ErrNameRuntime, "The SecondsPath parameter of state '%s' does not reference a non-negative integer: %s", st.Name, mustJSON(v))
		}
		d = time.Duration(f) * time.Second
	case st.Timestamp != nil:
		d = st.Timestamp.Sub(x.e.clk.Now())
	case st.TimestampPath != nil:
		v, err := st.TimestampPath.Get(input)
		if err != nil {
			return pathFailure(st.Name, "TimestampPath", st.TimestampPath, err)
		}
		s, _ := v.(string)
		t, err := parseTimestamp(s)
		if err != nil {
			return statesErr(ErrNameRuntime, "The TimestampPath parameter of state '%s' does not reference a valid ISO-8601 timestamp: %s", st.Name, mustJSON(v))
		}
		d = t.Sub(x.e.clk.Now())
	}
	if d <= 0 {
		return nil
	}
	if err := rc.sc.wait(ctx, x.e.clk.NewEvent(), d); err != clock.ErrTimeout {
		return errHalted
	}
	return nil
}

// seedFor derives a deterministic seed from a string.
func seedFor(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
