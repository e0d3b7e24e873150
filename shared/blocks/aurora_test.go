package blocks

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

func auroraCfg(maxLoss time.Duration) *plan.AuroraGlobal {
	return &plan.AuroraGlobal{GlobalCluster: gcARN, Members: map[string]string{east: eastDB, west: westDB}, MaxDataLoss: plan.Duration(maxLoss)}
}

func writerRegion(t *testing.T, e *env) string {
	t.Helper()
	out, err := e.w.RDS(west).DescribeGlobalClusters(t.Context(), &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(gcID)})
	if err != nil {
		t.Fatal(err)
	}
	g := out.GlobalClusters[0]
	if g.FailoverState != nil {
		t.Errorf("FailoverState still set: %+v", *g.FailoverState)
	}
	for _, m := range g.GlobalClusterMembers {
		if aws.ToBool(m.IsWriter) {
			return arnRegion(aws.ToString(m.DBClusterArn))
		}
	}
	return ""
}

func TestAuroraGlobal(t *testing.T) {
	tests := []struct {
		name    string
		lag     time.Duration
		maxLoss time.Duration
		mode    Mode
		setup   func(t *testing.T, e *env)
		// wantStartErr is the error class of the first Start ("" none).
		wantStartErr string
		wantRPO      float64
		wantOps      int
		// sourceUntouched: no client of the source Region is used.
		sourceUntouched bool
	}{
		{name: "graceful switchover", mode: Graceful, maxLoss: 30 * time.Second, wantRPO: 0, wantOps: 1},
		{name: "ungraceful failover records lag", mode: Ungraceful, lag: 3 * time.Second, maxLoss: 30 * time.Second, wantRPO: 3, wantOps: 1, sourceUntouched: true},
		{name: "ungraceful with source Region down", mode: Ungraceful, lag: 3 * time.Second, maxLoss: 30 * time.Second, wantRPO: 3, wantOps: 1, sourceUntouched: true,
			setup: func(t *testing.T, e *env) { must(t, e.w.SetRegionDown(east, true)) }},
		{name: "ungraceful lag above maxDataLoss asks", mode: Ungraceful, lag: 45 * time.Second, maxLoss: 30 * time.Second, wantStartErr: "Conflict", wantOps: 0, sourceUntouched: true},
		{name: "graceful with source Region down fails fast", mode: Graceful, maxLoss: 30 * time.Second, wantStartErr: "Retryable", wantOps: 0,
			setup: func(t *testing.T, e *env) { must(t, e.w.SetRegionDown(east, true)) }},
		{name: "throttling is retryable", mode: Graceful, maxLoss: 30 * time.Second, wantStartErr: "Retryable", wantOps: 0,
			setup: func(t *testing.T, e *env) {
				_, err := e.w.Inject(sim.Fault{Kind: sim.FaultThrottle, Service: "rds", Rate: 1})
				must(t, err)
			}},
		{name: "someone else's switchover is a conflict", mode: Graceful, maxLoss: 30 * time.Second, wantStartErr: "Conflict", wantOps: 1,
			setup: func(t *testing.T, e *env) {
				_, err := e.w.RDS(third).SwitchoverGlobalCluster(t.Context(), switchoverIn(gcID, "payments-euw1"))
				must(t, err)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{lag: tt.lag})
			if tt.setup != nil {
				tt.setup(t, e)
			}
			e.resetTouched()
			b := e.block("aurora-global")
			req := e.req("aurora-global", auroraCfg(tt.maxLoss), tt.mode)
			p, err := e.run(b, req, 15*time.Minute)
			wantClass(t, err, tt.wantStartErr)
			if got := len(e.w.GlobalOps(gcID)); got != tt.wantOps {
				t.Errorf("global operations = %d, want %d", got, tt.wantOps)
			}
			if tt.sourceUntouched && e.touched(east) != 0 {
				t.Errorf("the source Region was called %d time(s) in ungraceful mode", e.touched(east))
			}
			if tt.wantStartErr != "" {
				return
			}
			if !p.Done {
				t.Fatalf("not done: %s", p.Message)
			}
			if got := writerRegion(t, e); got != west {
				t.Errorf("writer Region = %s, want %s", got, west)
			}
			if rpo, ok := p.Outputs["rpoSeconds"].(float64); !ok || rpo != tt.wantRPO {
				t.Errorf("rpoSeconds = %v, want %v", p.Outputs["rpoSeconds"], tt.wantRPO)
			}
			// Start after Done: Done again, nothing new issued.
			again, err := b.Start(t.Context(), req)
			if err != nil || !again.Done {
				t.Fatalf("Start after Done = %+v, %v; want Done", again, err)
			}
			if got := len(e.w.GlobalOps(gcID)); got != tt.wantOps {
				t.Errorf("Start after Done issued another operation: %d", got)
			}
		})
	}
}

func TestAuroraGlobalIdempotentStart(t *testing.T) {
	for _, mode := range []Mode{Graceful, Ungraceful} {
		t.Run(string(mode), func(t *testing.T) {
			e := newEnv(t, envOpt{})
			b := e.block("aurora-global")
			req := e.req("aurora-global", auroraCfg(30*time.Second), mode)
			first, err := b.Start(t.Context(), req)
			if err != nil || first.Done {
				t.Fatalf("first Start = %+v, %v", first, err)
			}
			if !first.WaitForEvent || first.EventKey != gcARN || first.PollAfter <= 0 {
				t.Errorf("progress = %+v, want WaitForEvent with key %s and a fallback PollAfter", first, gcARN)
			}
			e.clk.Advance(15 * time.Second)
			// A duplicate delivery: Start again without state.
			second, err := b.Start(t.Context(), req)
			if err != nil || second.Done {
				t.Fatalf("duplicate Start = %+v, %v; want in progress", second, err)
			}
			if n := len(e.w.GlobalOps(gcID)); n != 1 {
				t.Fatalf("operations = %d, want 1", n)
			}
			req.State = second.State
			p, err := e.run(pollOnly{b}, req, 10*time.Minute)
			if err != nil || !p.Done {
				t.Fatalf("poll to completion = %+v, %v", p, err)
			}
		})
	}
}

// pollOnly makes env.run continue an attempt with Poll.
type pollOnly struct{ Block }

func (p pollOnly) Start(ctx contextT, req Request) (Progress, error) { return p.Block.Poll(ctx, req) }

func TestAuroraGlobalCancelledSwitchoverThenUngraceful(t *testing.T) {
	e := newEnv(t, envOpt{lag: 2 * time.Second})
	b := e.block("aurora-global")
	req := e.req("aurora-global", auroraCfg(30*time.Second), Graceful)
	p, err := b.Start(t.Context(), req)
	if err != nil || p.Done {
		t.Fatalf("Start = %+v, %v", p, err)
	}
	must(t, e.w.SetRegionDown(east, true))
	req.State = p.State
	_, err = e.run(pollOnly{b}, req, 10*time.Minute)
	wantClass(t, err, "Terminal")
	if !strings.Contains(err.Error(), "still the writer") {
		t.Errorf("error %q does not say the writer did not move", err)
	}
	// The operator switches to ungraceful: a new attempt fails over.
	e.resetTouched()
	req = e.req("aurora-global", auroraCfg(30*time.Second), Ungraceful)
	req.Attempt = 2
	p, err = e.run(b, req, 10*time.Minute)
	if err != nil || !p.Done {
		t.Fatalf("ungraceful attempt = %+v, %v", p, err)
	}
	if writerRegion(t, e) != west {
		t.Errorf("writer did not move to %s: %+v", west, e.w.GlobalOps(gcID))
	}
	if e.touched(east) != 0 {
		t.Errorf("ungraceful attempt called the source Region")
	}
}

func TestAuroraGlobalCheck(t *testing.T) {
	tests := []struct {
		name      string
		cfg       *plan.AuroraGlobal
		lag       time.Duration
		wantSev   string
		wantCheck string
		wantNone  bool
	}{
		{name: "healthy", cfg: auroraCfg(30 * time.Second), wantNone: true},
		{name: "lag above maxDataLoss", cfg: auroraCfg(30 * time.Second), lag: time.Minute, wantSev: "warning", wantCheck: "replication-lag"},
		{name: "no target member", cfg: &plan.AuroraGlobal{GlobalCluster: gcARN, Members: map[string]string{east: eastDB}}, wantSev: "error", wantCheck: "member"},
		{name: "unknown global cluster", cfg: &plan.AuroraGlobal{GlobalCluster: "arn:aws:rds::" + account + ":global-cluster:nope", Members: map[string]string{east: eastDB, west: westDB}},
			wantSev: "error", wantCheck: "exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{lag: tt.lag})
			fs, err := e.block("aurora-global").Check(t.Context(), e.req("aurora-global", tt.cfg, Graceful))
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantNone {
				if len(fs) != 0 {
					t.Errorf("findings = %+v, want none", fs)
				}
				return
			}
			if !hasFinding(fs, tt.wantSev, tt.wantCheck) {
				t.Errorf("findings = %+v, want a %s %s", fs, tt.wantSev, tt.wantCheck)
			}
		})
	}
}
