package asl

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/clock"
)

// BenchmarkMap1000 runs a 1,000-iteration inline Map (two states per
// iteration) on a virtual clock and reports state transitions per second.
func BenchmarkMap1000(b *testing.B) {
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":40,
	  "ItemSelector":{"n.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
	  "ItemProcessor":{"StartAt":"Add","States":{"Add":{"Type":"Pass","Parameters":{"sum.$":"States.MathAdd($.n, $.i)"},"Next":"Done"},"Done":{"Type":"Succeed"}}},
	  "ResultPath":"$.results","End":true}}}`
	items := make([]int, 1000)
	for i := range items {
		items[i] = i
	}
	in, _ := json.Marshal(map[string]any{"items": items})
	input := string(in)
	clk := clock.NewVirtual(epoch)
	e := New(WithClock(clk))
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: ptr("bench"), Definition: &def})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	transitions := 0
	b.ResetTimer()
	for b.Loop() {
		st, err := e.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: &input})
		if err != nil {
			b.Fatal(err)
		}
		d, err := e.WaitExecution(ctx, *st.ExecutionArn)
		if err != nil || d.Status != types.ExecutionStatusSucceeded {
			b.Fatalf("execution: %v %v", err, d)
		}
		s, _ := e.Stats(*st.ExecutionArn)
		transitions += s.StateTransitions
	}
	b.ReportMetric(float64(transitions)/b.Elapsed().Seconds(), "transitions/s")
}
