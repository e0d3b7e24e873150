package asl

import (
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// thread tracks the previousEventId chain of one line of execution (the
// top level, a Parallel branch, a Map iteration).
type thread struct {
	prev int64
}

// record appends a history event, filling Id, PreviousEventId and Timestamp,
// and hands it to the observer. fill sets the type-specific details.
func (x *execution) record(th *thread, typ types.HistoryEventType, fill func(*types.HistoryEvent)) int64 {
	x.obsMu.Lock()
	defer x.obsMu.Unlock()
	now := x.e.clk.Now()
	ev := types.HistoryEvent{Type: typ, Timestamp: &now}
	if fill != nil {
		fill(&ev)
	}
	x.mu.Lock()
	if len(x.events) >= MaxHistoryEvents && !closing(typ) {
		// Past the quota only the closing event is still recorded.
		x.mu.Unlock()
		return 0
	}
	ev.Id = int64(len(x.events) + 1)
	if th != nil {
		ev.PreviousEventId = th.prev
		th.prev = ev.Id
	}
	x.events = append(x.events, &ev)
	full := len(x.events) == MaxHistoryEvents
	x.mu.Unlock()
	if x.e.observer != nil {
		x.e.observer(x.arn, ev)
	}
	if full {
		// The Standard-workflow quota: reaching it fails the execution.
		x.halt(types.ExecutionStatusFailed, statesErr(ErrNameRuntime,
			"The execution reached the maximum number of history events (%d)", MaxHistoryEvents))
	}
	return ev.Id
}

func (x *execution) transition() {
	x.mu.Lock()
	x.transitions++
	x.mu.Unlock()
}

// enteredType and exitedType give the StateEntered/Exited event types.
func enteredType(t StateType) types.HistoryEventType {
	return types.HistoryEventType(string(t) + "StateEntered")
}

func exitedType(t StateType) types.HistoryEventType {
	return types.HistoryEventType(string(t) + "StateExited")
}

func closing(t types.HistoryEventType) bool {
	switch t {
	case types.HistoryEventTypeExecutionSucceeded, types.HistoryEventTypeExecutionFailed,
		types.HistoryEventTypeExecutionAborted, types.HistoryEventTypeExecutionTimedOut:
		return true
	}
	return false
}

// ExecutionEnd reads an execution-ending history event: the status it sets
// (SUCCEEDED, FAILED, TIMED_OUT or ABORTED) and, when the event carries
// them, the error and cause. ok is false for every other event type.
func ExecutionEnd(ev types.HistoryEvent) (status types.ExecutionStatus, errName, cause string, ok bool) {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	switch ev.Type {
	case types.HistoryEventTypeExecutionSucceeded:
		return types.ExecutionStatusSucceeded, "", "", true
	case types.HistoryEventTypeExecutionFailed:
		if d := ev.ExecutionFailedEventDetails; d != nil {
			errName, cause = str(d.Error), str(d.Cause)
		}
		return types.ExecutionStatusFailed, errName, cause, true
	case types.HistoryEventTypeExecutionTimedOut:
		if d := ev.ExecutionTimedOutEventDetails; d != nil {
			errName, cause = str(d.Error), str(d.Cause)
		}
		return types.ExecutionStatusTimedOut, errName, cause, true
	case types.HistoryEventTypeExecutionAborted:
		if d := ev.ExecutionAbortedEventDetails; d != nil {
			errName, cause = str(d.Error), str(d.Cause)
		}
		return types.ExecutionStatusAborted, errName, cause, true
	}
	return "", "", "", false
}
