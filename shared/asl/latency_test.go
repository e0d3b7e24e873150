package asl

import (
	"context"
	"testing"
	"time"
)

// TestLatency: with WithLatency every state entry and every Lambda
// invocation takes its time on the engine's clock.
func TestLatency(t *testing.T) {
	def := `{"StartAt":"A","States":{
		"A":{"Type":"Pass","Next":"B"},
		"B":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Next":"C"},
		"C":{"Type":"Pass","End":true}}}`
	fn := Functions{"f": NewFunction(func(context.Context, map[string]any) (string, error) { return "ok", nil })}
	tests := []struct {
		name    string
		latency Latency
		want    time.Duration
	}{
		{"none", Latency{}, 0},
		{"transitions only", Latency{Transition: 100 * time.Millisecond}, 300 * time.Millisecond},
		{"transitions and invoke", Latency{Transition: 100 * time.Millisecond, Invoke: 40 * time.Millisecond}, 340 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := runDef(t, def, `{}`, WithLambda(fn), WithLatency(tt.latency))
			if d.Status != "SUCCEEDED" {
				t.Fatalf("status %s: %v %v", d.Status, d.Error, d.Cause)
			}
			if got := d.StopDate.Sub(*d.StartDate); got != tt.want {
				t.Errorf("execution took %s of clock time, want %s", got, tt.want)
			}
		})
	}
}
