package blocks

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

// TestStopSignalAgainstSimulatedPattern runs stop-signal against the
// simulator's STOP model (S3 replication, the primary's endpoint reading the
// flag, the Route 53 HTTPS health check) through World.Clients.
func TestStopSignalAgainstSimulatedPattern(t *testing.T) {
	const (
		hcID = "0b7e3a52-1111-4222-8333-944455556666"
		url  = "https://primary.payments.example/health"
	)
	tests := []struct {
		name         string
		eastDown     bool
		minTime      time.Duration
		wantVerified bool
	}{
		// Replication (15 s) then detection (90 s) before the check fails.
		{name: "primary turns unhealthy", minTime: 90 * time.Second, wantVerified: true},
		// The primary's Region is down: its endpoint refuses connections
		// and Route 53's API (homed in us-east-1) does not answer.
		{name: "primary Region down", eastDown: true, wantVerified: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewVirtual(t0)
			t.Cleanup(clk.Hold())
			w, err := sim.New(sim.Options{Clock: clk, Regions: []string{east, west}})
			must(t, err)
			must(t, w.AddStopSignal(sim.StopSignalSpec{Bucket: "payments-stop", Region: west, Key: "stop/primary", PrimaryRegion: east, URL: url, HealthCheckID: hcID}))
			if tt.eastDown {
				must(t, w.SetRegionDown(east, true))
			}
			e := &env{t: t, w: w, clk: clk, p: &plan.Plan{}}
			e.reg = NewRegistry(w.Clients(), clk, WithHTTPClient(w.HTTP()))
			cfg := &plan.StopSignal{Bucket: "payments-stop", Key: "stop/primary", Region: west, Signal: "publish", VerifyURL: url, HealthCheckID: hcID}
			if !tt.eastDown {
				// Route 53's checkers have been watching the endpoint.
				clk.Advance(5 * time.Minute)
				if _, err := w.Route53().GetHealthCheckStatus(t.Context(), &route53.GetHealthCheckStatusInput{HealthCheckId: aws.String(hcID)}); err != nil {
					t.Fatal(err)
				}
			}
			start := clk.Now()
			p, err := e.run(e.block("stop-signal"), e.req("stop-signal", cfg, Ungraceful), 10*time.Minute)
			if err != nil || !p.Done {
				t.Fatalf("run = %+v, %v", p, err)
			}
			if took := clk.Now().Sub(start); took < tt.minTime {
				t.Errorf("done after %s, want at least %s", took, tt.minTime)
			}
			if got := p.Outputs["healthCheckVerified"]; got != tt.wantVerified {
				t.Errorf("healthCheckVerified = %v, want %v (%+v)", got, tt.wantVerified, p.Outputs)
			}
			if got := p.Outputs["primaryHealthy"]; got != false {
				t.Errorf("primaryHealthy = %v, want false", got)
			}
			// Withdraw: the flag goes, the primary recovers.
			if tt.eastDown {
				return
			}
			cfg.Signal = "withdraw"
			p, err = e.run(e.block("stop-signal"), e.req("stop-signal", cfg, Graceful), 10*time.Minute)
			if err != nil || !p.Done || p.Outputs["primaryHealthy"] != true {
				t.Fatalf("withdraw = %+v, %v", p, err)
			}
		})
	}
}
