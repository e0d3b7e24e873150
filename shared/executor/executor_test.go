package executor

import (
	"strings"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/plan"
)

func TestUnwrapError(t *testing.T) {
	tests := []struct {
		name string
		in   *StatesError
		want StatesError
	}{
		{"nil", nil, StatesError{Error: "States.Runtime", Cause: "unknown error"}},
		{"plain", &StatesError{Error: "ApprovalExpired", Cause: "no quorum"}, StatesError{Error: "ApprovalExpired", Cause: "no quorum"}},
		{"lambda error", &StatesError{Error: "StepTimedOut", Cause: `{"errorMessage":"step a did not complete within 2m0s","errorType":"StepTimedOut"}`},
			StatesError{Error: "StepTimedOut", Cause: "step a did not complete within 2m0s"}},
		{"failed child with a lambda error", &StatesError{Error: "States.TaskFailed",
			Cause: `{"ExecutionArn":"x","Status":"FAILED","Error":"LockLost","Cause":"{\"errorMessage\":\"lock on plan p lost\",\"errorType\":\"LockLost\"}"}`},
			StatesError{Error: "LockLost", Cause: "lock on plan p lost"}},
		{"failed child with a static error", &StatesError{Error: "States.TaskFailed", Cause: `{"Status":"FAILED","Error":"Aborted","Cause":"An operator chose to abort."}`},
			StatesError{Error: "Aborted", Cause: "An operator chose to abort."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := unwrapError(tc.in); got != tc.want {
				t.Errorf("unwrapError = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRetryWait(t *testing.T) {
	r := &plan.Retry{Attempts: 3, Interval: plan.Duration(15 * time.Second), BackoffRate: 2}
	for attempt, want := range map[int]int64{1: 15, 2: 30, 3: 60} {
		if got := retryWait(r, attempt); got != want {
			t.Errorf("retryWait(attempt %d) = %d, want %d", attempt, got, want)
		}
	}
	if got := retryWait(nil, 1); got != 0 {
		t.Errorf("retryWait(nil) = %d, want 0", got)
	}
}

func TestDecodeInput(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"console input", `{"plan": "payments", "target": "us-west-2"}`, ""},
		{"all fields", `{"plan": "p", "target": "us-east-1", "mode": "ungraceful", "reason": "r", "startedBy": "u", "clientToken": "t"}`, ""},
		{"empty", ``, "must be a JSON object"},
		{"not an object", `[1]`, "must be a JSON object"},
		{"no plan", `{"target": "us-west-2"}`, "plan: required"},
		{"no target", `{"plan": "p"}`, "target: required"},
		{"bad Region", `{"plan": "p", "target": "us-west-9"}`, "not an AWS Region name"},
		{"bad mode", `{"plan": "p", "target": "us-west-2", "mode": "soft"}`, "allowed: graceful, ungraceful"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeInput([]byte(tc.in))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("decodeInput: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("decodeInput error = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestChildName(t *testing.T) {
	run := Run{Execution: strings.Repeat("x", 80), ExecutionArn: "arn:aws:states:us-west-2:1:execution:execute-plan:" + strings.Repeat("x", 80)}
	a, b := childName(run, 1), childName(run, 100)
	if len(a) > 80 || len(b) > 80 || a == b {
		t.Errorf("child names %q (%d) and %q (%d): want distinct and at most 80 characters", a, len(a), b, len(b))
	}
}
