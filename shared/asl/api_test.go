package asl

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/clock"
)

// harness is an engine on a virtual clock with helpers for driving it from
// the test goroutine (which is outside the clock, so it holds it).
type harness struct {
	t   *testing.T
	clk *clock.Virtual
	e   *Engine
}

func newHarness(t *testing.T, opts ...Option) *harness {
	clk := clock.NewVirtual(epoch)
	return &harness{t: t, clk: clk, e: New(append([]Option{WithClock(clk)}, opts...)...)}
}

func (h *harness) create(name, def string) string {
	h.t.Helper()
	out, err := h.e.CreateStateMachine(h.t.Context(), &sfn.CreateStateMachineInput{Name: &name, Definition: &def})
	if err != nil {
		h.t.Fatalf("CreateStateMachine(%s): %v", name, err)
	}
	return *out.StateMachineArn
}

func (h *harness) start(sm, name, input string) string {
	h.t.Helper()
	out, err := h.e.StartExecution(h.t.Context(), &sfn.StartExecutionInput{StateMachineArn: &sm, Name: &name, Input: &input})
	if err != nil {
		h.t.Fatalf("StartExecution: %v", err)
	}
	return *out.ExecutionArn
}

func (h *harness) wait(arn string) *sfn.DescribeExecutionOutput {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.t.Context(), 20*time.Second)
	defer cancel()
	d, err := h.e.WaitExecution(ctx, arn)
	if err != nil {
		h.t.Fatalf("WaitExecution: %v", err)
	}
	return d
}

const callbackDef = `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
 "Parameters":{"FunctionName":"notify","Payload":{"token.$":"$$.Task.Token"}},"TimeoutSeconds":3600,"HeartbeatSeconds":60,"End":true}}}`

func TestTaskToken(t *testing.T) {
	tests := []struct {
		name       string
		act        func(h *harness, token string)
		wantStatus types.ExecutionStatus
		wantErr    string
		wantOutput string
		wantAt     time.Duration // stop time after start
	}{
		{
			name: "success",
			act: func(h *harness, token string) {
				if _, err := h.e.SendTaskSuccess(h.t.Context(), &sfn.SendTaskSuccessInput{TaskToken: &token, Output: ptr(`{"approved":true}`)}); err != nil {
					h.t.Fatal(err)
				}
			},
			wantStatus: types.ExecutionStatusSucceeded,
			wantOutput: `{"approved":true}`,
		},
		{
			name: "failure",
			act: func(h *harness, token string) {
				if _, err := h.e.SendTaskFailure(h.t.Context(), &sfn.SendTaskFailureInput{TaskToken: &token, Error: ptr("Rejected"), Cause: ptr("no")}); err != nil {
					h.t.Fatal(err)
				}
			},
			wantStatus: types.ExecutionStatusFailed,
			wantErr:    "Rejected",
		},
		{
			name:       "heartbeat timeout",
			act:        func(*harness, string) {},
			wantStatus: types.ExecutionStatusFailed,
			wantErr:    ErrNameHeartbeatTimeout,
			wantAt:     60 * time.Second,
		},
		{
			name: "heartbeat renews the deadline",
			act: func(h *harness, token string) {
				h.clk.Advance(30 * time.Second)
				if _, err := h.e.SendTaskHeartbeat(h.t.Context(), &sfn.SendTaskHeartbeatInput{TaskToken: &token}); err != nil {
					h.t.Fatal(err)
				}
			},
			wantStatus: types.ExecutionStatusFailed,
			wantErr:    ErrNameHeartbeatTimeout,
			wantAt:     90 * time.Second,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tokens := make(chan string, 1)
			h := newHarness(t, WithLambda(Functions{"notify": lambda.NewHandler(func(in struct {
				Token string `json:"token"`
			}) error {
				tokens <- in.Token
				return nil
			})}))
			sm := h.create("approve", callbackDef)
			release := h.clk.Hold()
			arn := h.start(sm, "x", `{}`)
			token := <-tokens
			if got := h.e.PendingTokens(arn); len(got) != 1 {
				t.Errorf("PendingTokens = %v, want one", got)
			}
			tc.act(h, token)
			release()
			d := h.wait(arn)
			if d.Status != tc.wantStatus || deref(d.Error) != tc.wantErr {
				t.Fatalf("got %s %q (%s), want %s %q", d.Status, deref(d.Error), deref(d.Cause), tc.wantStatus, tc.wantErr)
			}
			if tc.wantOutput != "" && !jsonEq(t, deref(d.Output), tc.wantOutput) {
				t.Errorf("output = %s, want %s", deref(d.Output), tc.wantOutput)
			}
			if tc.wantAt != 0 && d.StopDate.Sub(*d.StartDate) != tc.wantAt {
				t.Errorf("stopped after %v, want %v", d.StopDate.Sub(*d.StartDate), tc.wantAt)
			}
			// The token is spent now.
			_, err := h.e.SendTaskSuccess(t.Context(), &sfn.SendTaskSuccessInput{TaskToken: &token, Output: ptr(`{}`)})
			var tto *types.TaskTimedOut
			if !errors.As(err, &tto) {
				t.Errorf("late SendTaskSuccess = %v, want TaskTimedOut", err)
			}
		})
	}
}

func TestSendTaskErrors(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name  string
		token string
		want  any
	}{
		{"malformed", "garbage", &types.InvalidToken{}},
		{"unknown", newToken(), &types.TaskDoesNotExist{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.e.SendTaskHeartbeat(t.Context(), &sfn.SendTaskHeartbeatInput{TaskToken: &tc.token})
			switch tc.want.(type) {
			case *types.InvalidToken:
				var e *types.InvalidToken
				if !errors.As(err, &e) {
					t.Errorf("err = %v, want InvalidToken", err)
				}
			case *types.TaskDoesNotExist:
				var e *types.TaskDoesNotExist
				if !errors.As(err, &e) {
					t.Errorf("err = %v, want TaskDoesNotExist", err)
				}
			}
		})
	}
}

func TestStopAndTimeout(t *testing.T) {
	t.Run("StopExecution aborts a Wait", func(t *testing.T) {
		h := newHarness(t)
		sm := h.create("w", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
		release := h.clk.Hold()
		arn := h.start(sm, "x", `{}`)
		if _, err := h.e.StopExecution(t.Context(), &sfn.StopExecutionInput{ExecutionArn: &arn, Error: ptr("Operator"), Cause: ptr("abort")}); err != nil {
			t.Fatal(err)
		}
		release()
		d := h.wait(arn)
		if d.Status != types.ExecutionStatusAborted || deref(d.Error) != "Operator" {
			t.Fatalf("got %s %q, want ABORTED Operator", d.Status, deref(d.Error))
		}
		if el := d.StopDate.Sub(*d.StartDate); el != 0 {
			t.Errorf("aborted after %v of clock time, want 0", el)
		}
		hist, _ := h.e.History(arn)
		if last := hist[len(hist)-1].Type; last != types.HistoryEventTypeExecutionAborted {
			t.Errorf("last event %s, want ExecutionAborted", last)
		}
	})
	t.Run("top-level TimeoutSeconds", func(t *testing.T) {
		h := newHarness(t)
		sm := h.create("w", `{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`)
		d := h.wait(h.start(sm, "x", `{}`))
		if d.Status != types.ExecutionStatusTimedOut || d.StopDate.Sub(*d.StartDate) != 10*time.Second {
			t.Fatalf("got %s after %v, want TIMED_OUT after 10s", d.Status, d.StopDate.Sub(*d.StartDate))
		}
	})
	t.Run("task TimeoutSeconds", func(t *testing.T) {
		clk := clock.NewVirtual(epoch)
		h := &harness{t: t, clk: clk, e: New(WithClock(clk), WithLambda(Functions{"slow": lambda.NewHandler(func(ctx context.Context) error {
			return clk.Sleep(ctx, time.Hour) // handlers share the engine's clock
		})}))}
		sm := h.create("t", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:slow","TimeoutSeconds":5,"End":true}}}`)
		d := h.wait(h.start(sm, "x", `{}`))
		if d.Status != types.ExecutionStatusFailed || deref(d.Error) != ErrNameTimeout || d.StopDate.Sub(*d.StartDate) != 5*time.Second {
			t.Fatalf("got %s %q after %v, want FAILED States.Timeout after 5s", d.Status, deref(d.Error), d.StopDate.Sub(*d.StartDate))
		}
	})
}

func TestNestedExecution(t *testing.T) {
	h := newHarness(t)
	child := h.create("child", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"P"},"P":{"Type":"Pass","Parameters":{"got.$":"$.v"},"End":true}}}`)
	parent := h.create("parent", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
	  "Parameters":{"StateMachineArn":"`+child+`","Input":{"v.$":"$.v"}},"ResultSelector":{"out.$":"$.Output","status.$":"$.Status"},"End":true}}}`)
	d := h.wait(h.start(parent, "p", `{"v":42}`))
	if d.Status != types.ExecutionStatusSucceeded || !jsonEq(t, deref(d.Output), `{"out":{"got":42},"status":"SUCCEEDED"}`) {
		t.Fatalf("got %s %s (%s)", d.Status, deref(d.Output), deref(d.Cause))
	}
	list, err := h.e.ListExecutions(t.Context(), &sfn.ListExecutionsInput{StateMachineArn: &child})
	if err != nil || len(list.Executions) != 1 || list.Executions[0].Status != types.ExecutionStatusSucceeded {
		t.Errorf("child executions = %+v, %v", list, err)
	}
}

func TestStartExecutionIdempotency(t *testing.T) {
	h := newHarness(t)
	sm := h.create("w", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`)
	release := h.clk.Hold()
	a := h.start(sm, "same", `{"x":1}`)
	if b := h.start(sm, "same", `{"x":1}`); b != a {
		t.Errorf("same name and input: got %s, want %s", b, a)
	}
	_, err := h.e.StartExecution(t.Context(), &sfn.StartExecutionInput{StateMachineArn: &sm, Name: ptr("same"), Input: ptr(`{"x":2}`)})
	var exists *types.ExecutionAlreadyExists
	if !errors.As(err, &exists) {
		t.Errorf("different input: err = %v, want ExecutionAlreadyExists", err)
	}
	release()
	h.wait(a)
	_, err = h.e.StartExecution(t.Context(), &sfn.StartExecutionInput{StateMachineArn: &sm, Name: ptr("same"), Input: ptr(`{"x":1}`)})
	if !errors.As(err, &exists) {
		t.Errorf("closed execution: err = %v, want ExecutionAlreadyExists", err)
	}
}

func TestHistoryShape(t *testing.T) {
	var mu sync.Mutex
	var seen []types.HistoryEventType
	h := newHarness(t, WithObserver(func(_ string, ev types.HistoryEvent) {
		mu.Lock()
		seen = append(seen, ev.Type)
		mu.Unlock()
	}))
	sm := h.create("h", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Parallel","Branches":[{"StartAt":"C","States":{"C":{"Type":"Pass","End":true}}}],"End":true}}}`)
	arn := h.start(sm, "x", `{}`)
	h.wait(arn)
	hist, err := h.e.History(arn)
	if err != nil {
		t.Fatal(err)
	}
	want := []types.HistoryEventType{
		types.HistoryEventTypeExecutionStarted, types.HistoryEventTypePassStateEntered, types.HistoryEventTypePassStateExited,
		types.HistoryEventTypeParallelStateEntered, types.HistoryEventTypeParallelStateStarted,
		types.HistoryEventTypePassStateEntered, types.HistoryEventTypePassStateExited,
		types.HistoryEventTypeParallelStateSucceeded, types.HistoryEventTypeParallelStateExited, types.HistoryEventTypeExecutionSucceeded,
	}
	wantPrev := []int64{0, 1, 2, 3, 4, 5, 6, 5, 8, 9}
	if len(hist) != len(want) {
		t.Fatalf("got %d events, want %d: %v", len(hist), len(want), seen)
	}
	for i, ev := range hist {
		if ev.Id != int64(i+1) || ev.Type != want[i] || ev.PreviousEventId != wantPrev[i] || ev.Timestamp == nil {
			t.Errorf("event %d = {Id %d, Type %s, Prev %d}, want {Id %d, Type %s, Prev %d}", i, ev.Id, ev.Type, ev.PreviousEventId, i+1, want[i], wantPrev[i])
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != len(hist) {
		t.Errorf("observer saw %d events, history has %d", len(seen), len(hist))
	}
	st, _ := h.e.Stats(arn)
	if st.HistoryEvents != len(hist) || st.StateTransitions != 3 {
		t.Errorf("Stats = %+v, want %d events and 3 transitions", st, len(hist))
	}
}

func TestHistoryAndListPaging(t *testing.T) {
	h := newHarness(t, WithLambda(Functions{"echo": lambda.NewHandler(func(in map[string]any) (map[string]any, error) { return in, nil })}))
	sm := h.create("l", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:echo","End":true}}}`)
	var arns []string
	for _, n := range []string{"a", "b", "c"} {
		arn := h.start(sm, n, `{"k":"`+n+`"}`)
		h.wait(arn)
		arns = append(arns, arn)
	}
	hist, err := h.e.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: &arns[0], ReverseOrder: true, MaxResults: 3, IncludeExecutionData: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []types.HistoryEventType{types.HistoryEventTypeExecutionSucceeded, types.HistoryEventTypeTaskStateExited, types.HistoryEventTypeLambdaFunctionSucceeded}
	if len(hist.Events) != 3 || hist.NextToken == nil {
		t.Fatalf("got %d events, next %v; want 3 and a NextToken", len(hist.Events), hist.NextToken)
	}
	for i, ev := range hist.Events {
		if ev.Type != wantTypes[i] {
			t.Errorf("event %d = %s, want %s", i, ev.Type, wantTypes[i])
		}
	}
	if d := hist.Events[0].ExecutionSucceededEventDetails; d == nil || d.Output != nil {
		t.Errorf("IncludeExecutionData=false kept the output: %+v", d)
	}
	rest, err := h.e.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: &arns[0], ReverseOrder: true, NextToken: hist.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	wantRest := []types.HistoryEventType{types.HistoryEventTypeLambdaFunctionStarted, types.HistoryEventTypeLambdaFunctionScheduled,
		types.HistoryEventTypeTaskStateEntered, types.HistoryEventTypeExecutionStarted}
	if len(rest.Events) != len(wantRest) || rest.NextToken != nil {
		t.Fatalf("second page: %d events, next %v", len(rest.Events), rest.NextToken)
	}
	for i, ev := range rest.Events {
		if ev.Type != wantRest[i] {
			t.Errorf("event %d = %s, want %s", i, ev.Type, wantRest[i])
		}
	}

	list, err := h.e.ListExecutions(t.Context(), &sfn.ListExecutionsInput{StateMachineArn: &sm, MaxResults: 2, StatusFilter: types.ExecutionStatusSucceeded})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Executions) != 2 || *list.Executions[0].ExecutionArn != arns[2] || list.NextToken == nil {
		t.Fatalf("first page = %d executions (first %v), next %v; want newest first", len(list.Executions), list.Executions, list.NextToken)
	}
	list, _ = h.e.ListExecutions(t.Context(), &sfn.ListExecutionsInput{StateMachineArn: &sm, NextToken: list.NextToken})
	if len(list.Executions) != 1 || *list.Executions[0].ExecutionArn != arns[0] {
		t.Errorf("second page = %+v, want the oldest", list.Executions)
	}
	_, err = h.e.DescribeExecution(t.Context(), &sfn.DescribeExecutionInput{ExecutionArn: ptr("arn:nope")})
	var dne *types.ExecutionDoesNotExist
	if !errors.As(err, &dne) {
		t.Errorf("DescribeExecution(unknown) = %v, want ExecutionDoesNotExist", err)
	}
}

func TestObserverAnswersToken(t *testing.T) {
	var e *Engine
	h := newHarness(t, WithLambda(Functions{"notify": lambda.NewHandler(func() error { return nil })}),
		WithObserver(func(_ string, ev types.HistoryEvent) {
			if ev.Type != types.HistoryEventTypeTaskScheduled {
				return
			}
			var p struct {
				Payload struct {
					Token string `json:"token"`
				} `json:"Payload"`
			}
			if err := json.Unmarshal([]byte(*ev.TaskScheduledEventDetails.Parameters), &p); err != nil {
				t.Errorf("parameters: %v", err)
				return
			}
			if _, err := e.SendTaskSuccess(context.Background(), &sfn.SendTaskSuccessInput{TaskToken: &p.Payload.Token, Output: ptr(`"yes"`)}); err != nil {
				t.Errorf("SendTaskSuccess from the observer: %v", err)
			}
		}))
	e = h.e
	sm := h.create("approve", callbackDef)
	d := h.wait(h.start(sm, "x", `{}`))
	if d.Status != types.ExecutionStatusSucceeded || deref(d.Output) != `"yes"` {
		t.Fatalf("got %s %s (%s)", d.Status, deref(d.Output), deref(d.Cause))
	}
}
