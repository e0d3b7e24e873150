package blocks

import (
	"context"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

func ecsCfg(percent, ungMin int) *plan.ECSScale {
	return &plan.ECSScale{Target: plan.ECSService{Cluster: ecsWest, Service: "api"}, Source: plan.ECSService{Cluster: ecsEast, Service: "api"},
		Percent: percent, Lookback: plan.Duration(24 * time.Hour), UngracefulMinPercent: ungMin}
}

type peakHint int32

func (h peakHint) SourcePeak(context.Context, string, string) (int32, bool) { return int32(h), h > 0 }

func TestECSScale(t *testing.T) {
	tests := []struct {
		name  string
		cfg   *plan.ECSScale
		mode  Mode
		opt   envOpt
		setup func(t *testing.T, e *env)
		// wantErr is the class of the error ("" none); notDone means the
		// step must still be waiting when the time limit passes.
		wantErr     string
		notDone     bool
		wantDesired int32 // the service's desired count afterwards
		wantPeakSrc string
		noSource    bool
	}{
		{name: "graceful: percent of the source's metric peak", cfg: ecsCfg(100, 100), mode: Graceful, wantDesired: 12, wantPeakSrc: "metrics:" + east},
		{name: "graceful: 50 percent", cfg: ecsCfg(50, 50), mode: Graceful, wantDesired: 6, wantPeakSrc: "metrics:" + east},
		{name: "never scales in", cfg: ecsCfg(50, 50), mode: Graceful, wantDesired: 20, wantPeakSrc: "metrics:" + east,
			setup: func(t *testing.T, e *env) {
				_, err := e.w.ECS(west).UpdateService(t.Context(), updateServiceIn("app", "api", 20))
				must(t, err)
				e.clk.Advance(2 * time.Minute)
			}},
		{name: "graceful: no metrics, falls back to the source's desired count", mode: Graceful, wantDesired: 10, wantPeakSrc: "current:" + east,
			cfg: &plan.ECSScale{Target: plan.ECSService{Cluster: ecsWest, Service: "api"}, Source: plan.ECSService{Cluster: ecsEast, Service: "api"},
				Percent: 100, UngracefulMinPercent: 100, Lookback: plan.Duration(time.Hour)},
			setup: func(t *testing.T, e *env) { e.clk.Advance(7 * time.Hour) }}, // the seeded history is older than the window
		{name: "ungraceful: metrics copied to the target Region", cfg: ecsCfg(100, 100), mode: Ungraceful, wantDesired: 9, wantPeakSrc: "metrics:" + west, noSource: true,
			setup: func(t *testing.T, e *env) {
				must(t, e.w.AddMetricHistory(sim.MetricSeries{Region: west, Namespace: "ECS/ContainerInsights", MetricName: "RunningTaskCount",
					Dimensions: map[string]string{"ClusterName": "app", "ServiceName": "api"}, Span: 2 * time.Hour, Period: 5 * time.Minute,
					Value: func(time.Time) float64 { return 9 }}))
			}},
		{name: "ungraceful: recorded peak, source down", cfg: ecsCfg(100, 100), mode: Ungraceful, opt: envOpt{peaks: peakHint(8)}, wantDesired: 8, wantPeakSrc: "recorded", noSource: true,
			setup: func(t *testing.T, e *env) { must(t, e.w.SetRegionDown(east, true)) }},
		{name: "graceful, source Region down: recorded peak", cfg: ecsCfg(100, 100), mode: Graceful, opt: envOpt{peaks: peakHint(7)}, wantDesired: 7, wantPeakSrc: "recorded",
			setup: func(t *testing.T, e *env) { must(t, e.w.SetRegionDown(east, true)) }},
		{name: "graceful, source Region down, nothing recorded", cfg: ecsCfg(100, 100), mode: Graceful, wantErr: "Retryable",
			setup: func(t *testing.T, e *env) { must(t, e.w.SetRegionDown(east, true)) }},
		{name: "ungraceful: nothing to size from", cfg: ecsCfg(100, 100), mode: Ungraceful, wantErr: "Terminal", noSource: true},
		{name: "capacity shortfall: ungraceful minimum reached", cfg: ecsCfg(100, 50), mode: Ungraceful, opt: envOpt{peaks: peakHint(12)}, wantDesired: 12, wantPeakSrc: "recorded",
			setup: func(t *testing.T, e *env) {
				_, err := e.w.Inject(sim.Fault{Kind: sim.FaultCapacity, Region: west, Service: "ecs", Percent: 60})
				must(t, err)
			}},
		{name: "capacity shortfall: below the ungraceful minimum keeps waiting", cfg: ecsCfg(100, 80), mode: Ungraceful, opt: envOpt{peaks: peakHint(12)}, notDone: true, wantDesired: 12,
			setup: func(t *testing.T, e *env) {
				_, err := e.w.Inject(sim.Fault{Kind: sim.FaultCapacity, Region: west, Service: "ecs", Percent: 60})
				must(t, err)
			}},
		{name: "capacity shortfall: graceful keeps waiting", cfg: ecsCfg(100, 50), mode: Graceful, notDone: true, wantDesired: 12,
			setup: func(t *testing.T, e *env) {
				_, err := e.w.Inject(sim.Fault{Kind: sim.FaultCapacity, Region: west, Service: "ecs", Percent: 60})
				must(t, err)
			}},
		{name: "throttling is retryable", cfg: ecsCfg(100, 100), mode: Graceful, wantErr: "Retryable",
			setup: func(t *testing.T, e *env) {
				_, err := e.w.Inject(sim.Fault{Kind: sim.FaultThrottle, Service: "ecs", Rate: 1})
				must(t, err)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opt)
			if tt.setup != nil {
				tt.setup(t, e)
			}
			e.resetTouched()
			b := e.block("ecs-scale")
			req := e.req("ecs-scale", tt.cfg, tt.mode)
			p, err := e.run(b, req, 20*time.Minute)
			if tt.noSource && e.touched(east) != 0 {
				t.Errorf("source Region called %d time(s) in ungraceful mode", e.touched(east))
			}
			if tt.notDone {
				if err == nil || p.Done {
					t.Fatalf("got %+v, %v; want still waiting", p, err)
				}
			} else {
				wantClass(t, err, tt.wantErr)
			}
			if tt.wantDesired != 0 {
				if got := ecsDesired(t, e); got != tt.wantDesired {
					t.Errorf("desired count = %d, want %d", got, tt.wantDesired)
				}
			}
			if tt.wantErr != "" || tt.notDone {
				return
			}
			if !p.Done || p.Outputs["peakSource"] != tt.wantPeakSrc {
				t.Fatalf("progress = %+v, want Done with peakSource %s", p, tt.wantPeakSrc)
			}
			if _, ok := p.Outputs["desired"]; !ok {
				t.Errorf("no desired output: %+v", p.Outputs)
			}
			// Start after Done: still Done, no UpdateService.
			before := e.w.CallCount("ecs", "UpdateService", west)
			again, err := b.Start(t.Context(), req)
			if err != nil || !again.Done {
				t.Errorf("Start after Done = %+v, %v", again, err)
			}
			if e.w.CallCount("ecs", "UpdateService", west) != before {
				t.Errorf("Start after Done acted again")
			}
		})
	}
}

func TestECSScaleStartTwice(t *testing.T) {
	e := newEnv(t, envOpt{})
	b := e.block("ecs-scale")
	req := e.req("ecs-scale", ecsCfg(100, 100), Graceful)
	for i := range 2 {
		p, err := b.Start(t.Context(), req)
		if err != nil || p.Done {
			t.Fatalf("Start %d = %+v, %v; want in progress", i+1, p, err)
		}
	}
	if n := e.w.CallCount("ecs", "UpdateService", west); n != 1 {
		t.Errorf("UpdateService calls = %d, want 1", n)
	}
}

func TestASGAndEKSScale(t *testing.T) {
	tests := []struct {
		name        string
		block       string
		cfg         plan.Config
		mode        Mode
		opt         envOpt
		setup       func(t *testing.T, e *env)
		wantPeakSrc string
		want        func(t *testing.T, e *env) int32
		wantDesired int32
	}{
		{name: "asg raises MaxSize", block: "asg-scale", wantPeakSrc: "metrics:" + east, wantDesired: 10,
			cfg:  &plan.ASGScale{Target: plan.ASGGroup{Name: "web"}, Source: plan.ASGGroup{Name: "web"}, Percent: 100, UngracefulMinPercent: 100, Lookback: plan.Duration(24 * time.Hour)},
			want: asgDesired},
		{name: "asg ungraceful minimum under a capacity shortfall", block: "asg-scale", mode: Ungraceful, opt: envOpt{peaks: peakHint(10)}, wantPeakSrc: "recorded", wantDesired: 5,
			setup: func(t *testing.T, e *env) {
				_, err := e.w.Inject(sim.Fault{Kind: sim.FaultCapacity, Region: west, Service: "asg", Percent: 50})
				must(t, err)
			},
			cfg:  &plan.ASGScale{Target: plan.ASGGroup{Name: "web"}, Source: plan.ASGGroup{Name: "web"}, Percent: 100, UngracefulMinPercent: 50, Lookback: plan.Duration(24 * time.Hour)},
			want: asgDesired},
		{name: "eks falls back to the source node group", block: "eks-scale", wantPeakSrc: "current:" + east, wantDesired: 6,
			cfg: &plan.EKSScale{Target: plan.EKSDeployment{Cluster: "arn:aws:eks:us-west-2:" + account + ":cluster/k8s", Deployment: "workers"},
				Source: plan.EKSDeployment{Cluster: "arn:aws:eks:us-east-1:" + account + ":cluster/k8s", Deployment: "workers"}, Percent: 100, UngracefulMinPercent: 100,
				Lookback: plan.Duration(24 * time.Hour)},
			want: func(t *testing.T, e *env) int32 {
				n, err := e.w.ReadyNodes(west, "k8s", "workers")
				must(t, err)
				return n
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opt)
			if tt.setup != nil {
				tt.setup(t, e)
			}
			mode := tt.mode
			if mode == "" {
				mode = Graceful
			}
			e.resetTouched()
			b := e.block(tt.block)
			p, err := e.run(b, e.req(tt.block, tt.cfg, mode), 20*time.Minute)
			if mode == Ungraceful && e.touched(east) != 0 {
				t.Errorf("ungraceful run called the source Region")
			}
			if err != nil || !p.Done {
				t.Fatalf("run = %+v, %v", p, err)
			}
			if p.Outputs["peakSource"] != tt.wantPeakSrc {
				t.Errorf("peakSource = %v, want %s", p.Outputs["peakSource"], tt.wantPeakSrc)
			}
			if got := tt.want(t, e); got != tt.wantDesired {
				t.Errorf("running in the target = %d, want %d", got, tt.wantDesired)
			}
			fs, err := b.Check(t.Context(), e.req(tt.block, tt.cfg, Graceful))
			if err != nil || hasFinding(fs, "error", "") {
				t.Errorf("Check after scaling = %+v, %v", fs, err)
			}
		})
	}
}

func TestScaleCheck(t *testing.T) {
	tests := []struct {
		name    string
		block   string
		cfg     plan.Config
		wantSev string
		check   string
	}{
		{name: "ecs healthy", block: "ecs-scale", cfg: ecsCfg(100, 100), wantSev: "info", check: "size"},
		{name: "ecs target missing", block: "ecs-scale", wantSev: "error", check: "exists",
			cfg: &plan.ECSScale{Target: plan.ECSService{Cluster: ecsWest, Service: "nope"}, Source: plan.ECSService{Cluster: ecsEast, Service: "api"}, Percent: 100}},
		{name: "asg above max", block: "asg-scale", wantSev: "warning", check: "max",
			cfg: &plan.ASGScale{Target: plan.ASGGroup{Name: "web"}, Source: plan.ASGGroup{Name: "web"}, Percent: 100}},
		{name: "asg target missing", block: "asg-scale", wantSev: "error", check: "exists",
			cfg: &plan.ASGScale{Target: plan.ASGGroup{Name: "nope"}, Source: plan.ASGGroup{Name: "web"}, Percent: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			fs, err := e.block(tt.block).Check(t.Context(), e.req(tt.block, tt.cfg, Graceful))
			if err != nil {
				t.Fatal(err)
			}
			if !hasFinding(fs, tt.wantSev, tt.check) {
				t.Errorf("findings = %+v, want %s %s", fs, tt.wantSev, tt.check)
			}
			if tt.wantSev != "error" && hasFinding(fs, "error", "") {
				t.Errorf("unexpected error finding: %+v", fs)
			}
		})
	}
}

func ecsDesired(t *testing.T, e *env) int32 {
	t.Helper()
	out, err := e.w.ECS(west).DescribeServices(t.Context(), describeServicesIn("app", "api"))
	must(t, err)
	return out.Services[0].DesiredCount
}

func asgDesired(t *testing.T, e *env) int32 {
	t.Helper()
	v, err := asgKind{}.observe(t.Context(), &deps{clients: e.cl}, e.req("asg-scale", &plan.ASGScale{Target: plan.ASGGroup{Name: "web"}}, Graceful), false)
	must(t, err)
	return v.running
}
