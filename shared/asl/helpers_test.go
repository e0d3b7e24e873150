package asl

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/clock"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// runDef registers def as "test", runs it with input on a virtual clock and
// returns the final description and the engine.
func runDef(t *testing.T, def, input string, opts ...Option) (*sfn.DescribeExecutionOutput, *Engine) {
	t.Helper()
	clk := clock.NewVirtual(epoch)
	e := New(append([]Option{WithClock(clk)}, opts...)...)
	ctx := t.Context()
	sm, err := e.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: ptr("test"), Definition: ptr(def)})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	st, err := e.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: ptr(input), Name: ptr("run")})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	d, err := e.WaitExecution(wctx, *st.ExecutionArn)
	if err != nil {
		t.Fatalf("WaitExecution: %v", err)
	}
	return d, e
}

// jsonEq compares two JSON texts semantically.
func jsonEq(t *testing.T, got, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v: %s", err, want)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return string(gb) == string(wb)
}

func statusOf(d *sfn.DescribeExecutionOutput) types.ExecutionStatus { return d.Status }
