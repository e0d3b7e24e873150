package asl

import (
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestErrorHandling(t *testing.T) {
	tests := []struct {
		name        string
		def         string
		input       string
		wantStatus  types.ExecutionStatus
		want        string // output or error name
		transitions int
	}{
		{
			name: "catch puts the error object at ResultPath",
			def: `{"StartAt":"F","States":{"F":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Fail","Error":"Custom","Cause":"why"}}}],
			  "Catch":[{"ErrorEquals":["Other"],"Next":"No"},{"ErrorEquals":["Custom"],"ResultPath":"$.e","Next":"Yes"}],"End":true},"No":{"Type":"Succeed"},"Yes":{"Type":"Pass","End":true}}}`,
			input:       `{"k":1}`,
			wantStatus:  types.ExecutionStatusSucceeded,
			want:        `{"k":1,"e":{"Error":"Custom","Cause":"why"}}`,
			transitions: 3,
		},
		{
			name: "States.ALL does not catch States.Runtime",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","InputPath":"$.missing","End":true}}}],
			  "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Y"}],"End":true},"Y":{"Type":"Succeed"}}}`,
			input:      `{}`,
			wantStatus: types.ExecutionStatusFailed,
			want:       ErrNameRuntime,
		},
		{
			name:       "no choice matched",
			def:        `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"E"}]},"E":{"Type":"Succeed"}}}`,
			input:      `{}`,
			wantStatus: types.ExecutionStatusFailed,
			want:       ErrNameNoChoiceMatched,
		},
		{
			name:       "intrinsic failure is catchable",
			def:        `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","Parameters":{"v.$":"States.ArrayGetItem($.a, 5)"},"End":true}}}],"Catch":[{"ErrorEquals":["States.IntrinsicFailure"],"Next":"Y"}],"End":true},"Y":{"Type":"Pass","Result":"caught","End":true}}}`,
			input:      `{"a":[1]}`,
			wantStatus: types.ExecutionStatusSucceeded,
			want:       `"caught"`,
		},
		{
			name: "retry exhausts MaxAttempts then catch; retries count as transitions",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Fail","Error":"E"}}}],
			  "Retry":[{"ErrorEquals":["E"],"MaxAttempts":2,"IntervalSeconds":1,"BackoffRate":3,"MaxDelaySeconds":2}],"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":null,"Next":"Y"}],"End":true},
			  "Y":{"Type":"Pass","Parameters":{"t.$":"$$.State.EnteredTime"},"End":true}}}`,
			input:       `{}`,
			wantStatus:  types.ExecutionStatusSucceeded,
			want:        `{"t":"2026-01-01T00:00:03.000Z"}`, // 1s + min(3s, MaxDelaySeconds 2s)
			transitions: 1 + 2 + 3 + 1,                      // P, 2 retries, X three times, Y
		},
		{
			name:       "result path match failure",
			def:        `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":1,"ResultPath":"$.a.b","End":true}}}`,
			input:      `{"a":"str"}`,
			wantStatus: types.ExecutionStatusFailed,
			want:       ErrNameResultPathMatch,
		},
		{
			name:       "fail state ErrorPath and CausePath intrinsic",
			def:        `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"States.Format('bad {}', $.n)"}}}`,
			input:      `{"e":"MyErr","n":3}`,
			wantStatus: types.ExecutionStatusFailed,
			want:       "MyErr",
		},
		{
			name:       "data limit exceeded",
			def:        `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"States.ArrayRange(1, 1000, 1)","b.$":"States.ArrayRange(1, 1000, 1)"},"Next":"Q"},"Q":{"Type":"Map","ItemsPath":"$.a","ItemProcessor":{"StartAt":"R","States":{"R":{"Type":"Pass","Parameters":{"x.$":"States.JsonToString($$)"},"End":true}}},"Catch":[{"ErrorEquals":["States.ALL"],"Next":"S"}],"End":true},"S":{"Type":"Succeed"}}}`,
			input:      `{}`,
			wantStatus: types.ExecutionStatusFailed,
			want:       ErrNameDataLimitExceeded,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, e := runDef(t, tc.def, tc.input)
			if d.Status != tc.wantStatus {
				t.Fatalf("status = %s (%s: %s), want %s", d.Status, deref(d.Error), deref(d.Cause), tc.wantStatus)
			}
			if d.Status == types.ExecutionStatusSucceeded {
				if !jsonEq(t, deref(d.Output), tc.want) {
					t.Errorf("output = %s, want %s", deref(d.Output), tc.want)
				}
			} else if deref(d.Error) != tc.want {
				t.Errorf("error = %q (cause %s), want %q", deref(d.Error), deref(d.Cause), tc.want)
			}
			if tc.transitions > 0 {
				st, _ := e.Stats(*d.ExecutionArn)
				if st.StateTransitions != tc.transitions {
					t.Errorf("state transitions = %d, want %d", st.StateTransitions, tc.transitions)
				}
			}
		})
	}
}

func TestHistoryQuota(t *testing.T) {
	// A loop that never ends on its own: the 25,000-event quota stops it.
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}}}`
	d, e := runDef(t, def, `{}`)
	if d.Status != types.ExecutionStatusFailed || deref(d.Error) != ErrNameRuntime {
		t.Fatalf("got %s %q, want FAILED States.Runtime", d.Status, deref(d.Error))
	}
	st, _ := e.Stats(*d.ExecutionArn)
	if st.HistoryEvents != MaxHistoryEvents+1 {
		t.Errorf("history events = %d, want %d (the quota plus ExecutionFailed)", st.HistoryEvents, MaxHistoryEvents+1)
	}
}

func TestClockDrivenTiming(t *testing.T) {
	tests := []struct {
		name    string
		def     string
		input   string
		wantErr string
		wantDur time.Duration
	}{
		{
			name:    "map MaxConcurrency 2 over four 10s waits takes 20s",
			def:     `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}},"End":true}}}`,
			input:   `[{"s":10},{"s":10},{"s":10},{"s":10}]`,
			wantDur: 20 * time.Second,
		},
		{
			name: "States.TaskFailed does not catch States.Timeout",
			def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"nobody"},"TimeoutSeconds":30,
			  "Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"X"}],"End":true},"X":{"Type":"Succeed"}}}`,
			input:   `{}`,
			wantErr: ErrNameTimeout,
			wantDur: 30 * time.Second,
		},
		{
			name:    "failing branch aborts its sibling's long wait",
			def:     `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}},{"StartAt":"S","States":{"S":{"Type":"Wait","Seconds":5,"Next":"F"},"F":{"Type":"Fail","Error":"Boom"}}}],"End":true}}}`,
			input:   `{}`,
			wantErr: "Boom",
			wantDur: 5 * time.Second,
		},
		{
			name:    "bad SecondsPath",
			def:     `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`,
			input:   `{"s":"soon"}`,
			wantErr: ErrNameRuntime,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fns := Functions{"nobody": lambda.NewHandler(func() error { return nil })}
			d, _ := runDef(t, tc.def, tc.input, WithLambda(fns))
			if deref(d.Error) != tc.wantErr {
				t.Fatalf("status %s error %q (%s), want error %q", d.Status, deref(d.Error), deref(d.Cause), tc.wantErr)
			}
			if got := d.StopDate.Sub(*d.StartDate); got != tc.wantDur {
				t.Errorf("took %v of clock time, want %v", got, tc.wantDur)
			}
		})
	}
}
