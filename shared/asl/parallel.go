package asl

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/asl/intrinsic"
	"github.com/switchyard-dev/switchyard/shared/clock"
)

// fanOut runs n units of work in tracked goroutines, at most limit at a time
// (0: all at once), inside a child scope that is halted on the first failure.
// It returns the results in order, or the first failure.
func (x *execution) fanOut(ctx context.Context, rc *runCtx, n, limit int, work func(i int, sc *runCtx) (any, *StatesError)) ([]any, *StatesError) {
	results := make([]any, n)
	if n == 0 {
		return results, nil
	}
	grp := rc.sc.child()
	defer grp.release()
	allDone := x.e.clk.NewEvent()
	var (
		mu       sync.Mutex
		firstErr *StatesError
		left     = n
		next     = 0
	)
	if limit <= 0 || limit > n {
		limit = n
	}
	worker := func() {
		for {
			mu.Lock()
			i := next
			next++
			mu.Unlock()
			if i >= n {
				return
			}
			out, serr := work(i, &runCtx{x: x, sc: grp, th: rc.th})
			mu.Lock()
			results[i] = out
			if serr != nil && serr != errHalted && firstErr == nil {
				firstErr = serr
				grp.halt()
			}
			left--
			last := left == 0
			mu.Unlock()
			if last {
				allDone.Fire()
			}
		}
	}
	for w := 0; w < limit; w++ {
		x.e.clk.Go(worker)
	}
	if err := rc.sc.wait(ctx, allDone, 0); err != nil {
		grp.halt()
		return nil, errHalted
	}
	mu.Lock()
	defer mu.Unlock()
	return results, firstErr
}

func (x *execution) runParallel(ctx context.Context, rc *runCtx, st *State, input any) (any, *StatesError) {
	started := x.record(rc.th, types.HistoryEventTypeParallelStateStarted, nil)
	results, serr := x.fanOut(ctx, rc, len(st.Branches), 0, func(i int, brc *runCtx) (any, *StatesError) {
		brc.th = &thread{prev: started}
		return x.runMachine(ctx, brc, st.Branches[i], input)
	})
	if serr == errHalted {
		return nil, serr
	}
	if serr != nil {
		x.record(rc.th, types.HistoryEventTypeParallelStateFailed, nil)
		return nil, serr
	}
	x.record(rc.th, types.HistoryEventTypeParallelStateSucceeded, nil)
	return results, nil
}

func (x *execution) runMap(ctx context.Context, rc *runCtx, st *State, input any, ctxObj map[string]any) (any, *StatesError) {
	itemsV := input
	if st.ItemsPath.set && !st.ItemsPath.null && st.ItemsPath.path != nil {
		v, err := getPath(st.ItemsPath.path, input, ctxObj)
		if err != nil {
			return nil, pathFailure(st.Name, "ItemsPath", st.ItemsPath.path, err)
		}
		itemsV = v
	}
	items, ok := itemsV.([]any)
	if !ok {
		return nil, statesErr(ErrNameRuntime, "Map state '%s': the items (ItemsPath) must be a JSON array, got %s", st.Name, jsonType(itemsV))
	}
	limit := int(st.MaxConcurrency)
	if st.MaxConcPath != nil {
		v, err := getPath(st.MaxConcPath, input, ctxObj)
		f, ok := intrinsic.ToFloat(v)
		if err != nil || !ok || f < 0 || f != math.Trunc(f) {
			return nil, statesErr(ErrNameRuntime, "Map state '%s': MaxConcurrencyPath '%s' must select a non-negative integer", st.Name, st.MaxConcPath)
		}
		limit = int(f)
	}
	started := x.record(rc.th, types.HistoryEventTypeMapStateStarted, func(ev *types.HistoryEvent) {
		ev.MapStateStartedEventDetails = &types.MapStateStartedEventDetails{Length: int32(len(items))}
	})
	results, serr := x.fanOut(ctx, rc, len(items), limit, func(i int, irc *runCtx) (any, *StatesError) {
		th := &thread{prev: started}
		irc.th = th
		idx := int32(i)
		x.record(th, types.HistoryEventTypeMapIterationStarted, func(ev *types.HistoryEvent) {
			ev.MapIterationStartedEventDetails = &types.MapIterationEventDetails{Name: &st.Name, Index: idx}
		})
		item := items[i]
		if st.ItemSelector != nil {
			sel := make(map[string]any, len(ctxObj)+1)
			for k, v := range ctxObj {
				sel[k] = v
			}
			sel["Map"] = map[string]any{"Item": map[string]any{"Index": json.Number(strconv.Itoa(i)), "Value": item}}
			v, err := st.ItemSelector.apply(input, sel)
			if err != nil {
				serr := asStatesError(err)
				x.record(th, types.HistoryEventTypeMapIterationFailed, func(ev *types.HistoryEvent) {
					ev.MapIterationFailedEventDetails = &types.MapIterationEventDetails{Name: &st.Name, Index: idx}
				})
				return nil, serr
			}
			item = v
		}
		out, serr := x.runMachine(ctx, irc, st.Processor, item)
		switch {
		case serr == errHalted:
			x.record(th, types.HistoryEventTypeMapIterationAborted, func(ev *types.HistoryEvent) {
				ev.MapIterationAbortedEventDetails = &types.MapIterationEventDetails{Name: &st.Name, Index: idx}
			})
		case serr != nil:
			x.record(th, types.HistoryEventTypeMapIterationFailed, func(ev *types.HistoryEvent) {
				ev.MapIterationFailedEventDetails = &types.MapIterationEventDetails{Name: &st.Name, Index: idx}
			})
		default:
			x.record(th, types.HistoryEventTypeMapIterationSucceeded, func(ev *types.HistoryEvent) {
				ev.MapIterationSucceededEventDetails = &types.MapIterationEventDetails{Name: &st.Name, Index: idx}
			})
		}
		return out, serr
	})
	if serr == errHalted {
		return nil, serr
	}
	if serr != nil {
		x.record(rc.th, types.HistoryEventTypeMapStateFailed, nil)
		return nil, serr
	}
	x.record(rc.th, types.HistoryEventTypeMapStateSucceeded, nil)
	return results, nil
}

// startExecution implements the states:startExecution integrations for
// state machines registered in the same engine.
func (x *execution) startExecution(ctx context.Context, rc *runCtx, st *State, base string, params any, timeout time.Duration) (any, *StatesError) {
	p, ok := params.(map[string]any)
	if !ok {
		return nil, statesErr(ErrNameRuntime, "state '%s': states:startExecution needs Parameters with StateMachineArn", st.Name)
	}
	smArn, _ := p["StateMachineArn"].(string)
	if smArn == "" {
		return nil, statesErr(ErrNameRuntime, "state '%s': states:startExecution needs a string StateMachineArn in Parameters", st.Name)
	}
	input := "{}"
	if in, ok := p["Input"]; ok {
		if s, isStr := in.(string); isStr {
			input = s
		} else {
			input = mustJSON(in)
		}
	}
	name, _ := p["Name"].(string)
	child, err := x.e.start(smArn, name, input, x.arn)
	if err != nil {
		return nil, statesErr("StepFunctions."+sdkErrorName(err), "%v", err)
	}
	if base == resStartExec {
		return map[string]any{
			"ExecutionArn": child.arn,
			"StartDate":    json.Number(strconv.FormatInt(child.start.UnixMilli(), 10)),
		}, nil
	}
	werr := rc.sc.wait(ctx, child.doneEv, timeout)
	switch {
	case werr == clock.ErrTimeout:
		child.halt(types.ExecutionStatusAborted, &StatesError{})
		return nil, statesErr(ErrNameTimeout, "Task timed out after %d seconds", int64(timeout/time.Second))
	case werr != nil:
		child.halt(types.ExecutionStatusAborted, &StatesError{})
		return nil, errHalted
	}
	d := child.describe()
	out := map[string]any{
		"ExecutionArn":    child.arn,
		"Name":            child.name,
		"StateMachineArn": child.m.arn,
		"Status":          string(d.Status),
		"StartDate":       json.Number(strconv.FormatInt(child.start.UnixMilli(), 10)),
		"StopDate":        json.Number(strconv.FormatInt(d.StopDate.UnixMilli(), 10)),
		"InputDetails":    map[string]any{"Included": true},
		"OutputDetails":   map[string]any{"Included": true},
	}
	if base == resStartExecSync2 {
		out["Input"] = child.inputV
		if d.Output != nil {
			v, _ := decodeJSON([]byte(*d.Output))
			out["Output"] = v
		}
	} else {
		out["Input"] = child.input
		if d.Output != nil {
			out["Output"] = *d.Output
		}
	}
	if d.Status != types.ExecutionStatusSucceeded {
		if d.Error != nil {
			out["Error"] = *d.Error
		}
		if d.Cause != nil {
			out["Cause"] = *d.Cause
		}
		return nil, &StatesError{Name: ErrNameTaskFailed, Cause: mustJSON(out)}
	}
	return out, nil
}

func sdkErrorName(err error) string {
	type coded interface{ ErrorCode() string }
	if c, ok := err.(coded); ok {
		return c.ErrorCode()
	}
	return fmt.Sprintf("%T", err)
}
