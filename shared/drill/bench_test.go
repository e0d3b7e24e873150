package drill

import (
	"testing"

	"github.com/switchyard-dev/switchyard/shared/plan"
)

// BenchmarkDrillPayments measures a default drill of the README's plan:
// wall time per run (ns/op), and the run's RTO, critical path and overhead
// (RTO / critical path) as custom metrics.
func BenchmarkDrillPayments(b *testing.B) {
	ps, err := plan.ParseFile("../../examples/plans/payments.yaml")
	if err != nil {
		b.Fatal(err)
	}
	var r *Result
	for b.Loop() {
		r, err = Run(b.Context(), Options{Plans: ps})
		if err != nil {
			b.Fatal(err)
		}
		if r.Status != "SUCCEEDED" {
			b.Fatalf("status %s: %s %s", r.Status, r.Error, r.Cause)
		}
	}
	b.ReportMetric(r.RTOSeconds, "rto-s")
	b.ReportMetric(r.CriticalPathSeconds, "critical-path-s")
	b.ReportMetric(r.Overhead, "overhead")
	b.ReportMetric(float64(r.HistoryEvents), "history-events")
}
