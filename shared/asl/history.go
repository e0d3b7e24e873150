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
