package readiness_test

import (
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/readiness"
)

func TestSyntheticPlanSpeed(t *testing.T) {
	p, err := readiness.SyntheticPlan(200)
	if err != nil {
		t.Fatal(err)
	}
	res, err := readiness.MeasureSpeed(t.Context(), p, "us-west-2", 50*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if !res.Ready {
		t.Errorf("synthetic plan is not ready on its own world")
	}
	if res.Resources < 200 {
		t.Errorf("resources = %d, want ≥ 200", res.Resources)
	}
	if res.Ratio > 1.5 {
		t.Errorf("ratio %.2f > 1.5: %s", res.Ratio, res)
	}
}

// BenchmarkEvaluate200 reports the evaluation ratio of a 200-resource plan
// with 50 ms per call (simulated time; the ns/op is the wall cost of the
// simulation).
func BenchmarkEvaluate200(b *testing.B) {
	p, err := readiness.SyntheticPlan(200)
	if err != nil {
		b.Fatal(err)
	}
	var res readiness.SpeedResult
	for b.Loop() {
		if res, err = readiness.MeasureSpeed(b.Context(), p, "us-west-2", 50*time.Millisecond, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(res.Ratio, "ratio")
	b.ReportMetric(res.Measured.Seconds(), "sim-s/eval")
	b.ReportMetric(res.Bound.Seconds(), "bound-s")
	b.ReportMetric(float64(res.Calls), "calls/eval")
}
