package asl

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestExecutionEnd(t *testing.T) {
	e, c := "Boom", "it broke"
	tests := []struct {
		ev             types.HistoryEvent
		status         types.ExecutionStatus
		errName, cause string
		ok             bool
	}{
		{types.HistoryEvent{Type: types.HistoryEventTypeExecutionSucceeded}, types.ExecutionStatusSucceeded, "", "", true},
		{types.HistoryEvent{Type: types.HistoryEventTypeExecutionFailed, ExecutionFailedEventDetails: &types.ExecutionFailedEventDetails{Error: &e, Cause: &c}}, types.ExecutionStatusFailed, e, c, true},
		{types.HistoryEvent{Type: types.HistoryEventTypeExecutionTimedOut, ExecutionTimedOutEventDetails: &types.ExecutionTimedOutEventDetails{Error: &e}}, types.ExecutionStatusTimedOut, e, "", true},
		{types.HistoryEvent{Type: types.HistoryEventTypeExecutionAborted}, types.ExecutionStatusAborted, "", "", true},
		{types.HistoryEvent{Type: types.HistoryEventTypeTaskStateEntered}, "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.ev.Type), func(t *testing.T) {
			st, en, ca, ok := ExecutionEnd(tt.ev)
			if st != tt.status || en != tt.errName || ca != tt.cause || ok != tt.ok {
				t.Errorf("ExecutionEnd = %s %q %q %v, want %s %q %q %v", st, en, ca, ok, tt.status, tt.errName, tt.cause, tt.ok)
			}
		})
	}
}
