package blocks

import (
	"strings"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

func arcCfg(states map[string]string, override ...string) *plan.ARCRoutingControl {
	c := &plan.ARCRoutingControl{Cluster: arcARN, SafetyRulesToOverride: override}
	for _, rc := range []string{rcWest, rcEast} {
		if s, ok := states[rc]; ok {
			c.States = append(c.States, plan.RoutingControlState{RoutingControl: rc, State: s})
		}
	}
	return c
}

func TestARCRoutingControl(t *testing.T) {
	failover := map[string]string{rcWest: "On", rcEast: "Off"}
	downEndpoints := func(idx ...int) func(t *testing.T, e *env) {
		return func(t *testing.T, e *env) {
			for _, i := range idx {
				_, err := e.w.Inject(sim.Fault{Kind: sim.FaultARCEndpointDown, Cluster: "payments-arc", Index: i})
				must(t, err)
			}
		}
	}
	tests := []struct {
		name         string
		cfg          *plan.ARCRoutingControl
		opt          envOpt
		setup        func(t *testing.T, e *env)
		wantErr      string
		wantInErr    string
		wantWest     bool
		wantUpdates  int
		wantFailures int
	}{
		{name: "fail over", cfg: arcCfg(failover), wantWest: true, wantUpdates: 1},
		{name: "already in the desired state", cfg: arcCfg(map[string]string{rcEast: "On"}), wantWest: false, wantUpdates: 0},
		{name: "first endpoint down rotates", cfg: arcCfg(failover), setup: downEndpoints(0), wantWest: true, wantUpdates: 1, wantFailures: 1},
		{name: "four endpoints down rotates to the fifth", cfg: arcCfg(failover), setup: downEndpoints(0, 1, 2, 3), wantWest: true, wantUpdates: 1, wantFailures: 4},
		{name: "every endpoint down is retryable", cfg: arcCfg(failover), setup: downEndpoints(0, 1, 2, 3, 4), wantErr: "Retryable", wantInErr: "every cluster endpoint failed"},
		{name: "safety rule rejection names the rule", cfg: arcCfg(map[string]string{rcEast: "Off"}), wantErr: "Terminal", wantInErr: "at-least-one-on", wantUpdates: 1},
		{name: "safety rule overridden", cfg: arcCfg(map[string]string{rcEast: "Off"}, "at-least-one-on"), wantUpdates: 1},
		{name: "no endpoint directory", cfg: arcCfg(failover), opt: envOpt{noARCDir: true}, wantErr: "Terminal", wantInErr: "WithARCDirectory"},
		{name: "throttling on every endpoint is retryable", cfg: arcCfg(failover), wantErr: "Retryable",
			setup: func(t *testing.T, e *env) {
				_, err := e.w.Inject(sim.Fault{Kind: sim.FaultThrottle, Service: "arc", Rate: 1})
				must(t, err)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opt)
			if tt.setup != nil {
				tt.setup(t, e)
			}
			b := e.block("arc-routing-control")
			req := e.req("arc-routing-control", tt.cfg, Ungraceful)
			p, err := e.run(b, req, 5*time.Minute)
			wantClass(t, err, tt.wantErr)
			if tt.wantInErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantInErr)) {
				t.Errorf("error %v does not mention %q", err, tt.wantInErr)
			}
			if got := e.w.CallCount("arc", "UpdateRoutingControlStates", ""); got != tt.wantUpdates {
				t.Errorf("UpdateRoutingControlStates calls = %d, want %d", got, tt.wantUpdates)
			}
			if tt.wantErr != "" {
				return
			}
			if !p.Done {
				t.Fatalf("not done: %+v", p)
			}
			on, err := e.w.RoutingControlOn(rcWest)
			must(t, err)
			if on != tt.wantWest {
				t.Errorf("west on = %v, want %v", on, tt.wantWest)
			}
			if got := p.Outputs["endpointFailures"]; got != tt.wantFailures {
				t.Errorf("endpointFailures = %v, want %d", got, tt.wantFailures)
			}
			// Start again after Done: reads only.
			again, err := b.Start(t.Context(), req)
			if err != nil || !again.Done {
				t.Errorf("Start after Done = %+v, %v", again, err)
			}
			if got := e.w.CallCount("arc", "UpdateRoutingControlStates", ""); got != tt.wantUpdates {
				t.Errorf("Start after Done wrote again (%d updates)", got)
			}
		})
	}
}

func TestARCRoutingControlCheck(t *testing.T) {
	tests := []struct {
		name    string
		cfg     *plan.ARCRoutingControl
		down    []int
		wantSev string
		check   string
	}{
		{name: "healthy", cfg: arcCfg(map[string]string{rcWest: "On"})},
		{name: "an endpoint down", cfg: arcCfg(map[string]string{rcWest: "On"}), down: []int{2}, wantSev: "warning", check: "endpoint"},
		{name: "all endpoints down", cfg: arcCfg(map[string]string{rcWest: "On"}), down: []int{0, 1, 2, 3, 4}, wantSev: "error", check: "endpoints"},
		{name: "unknown routing control", cfg: &plan.ARCRoutingControl{Cluster: arcARN,
			States: []plan.RoutingControlState{{RoutingControl: rcWest + "x", State: "On"}}}, wantSev: "error", check: "control"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			for _, i := range tt.down {
				_, err := e.w.Inject(sim.Fault{Kind: sim.FaultARCEndpointDown, Cluster: "payments-arc", Index: i})
				must(t, err)
			}
			fs, err := e.block("arc-routing-control").Check(t.Context(), e.req("arc-routing-control", tt.cfg, Graceful))
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantSev == "" {
				if len(fs) != 0 {
					t.Errorf("findings = %+v, want none", fs)
				}
				return
			}
			if !hasFinding(fs, tt.wantSev, tt.check) {
				t.Errorf("findings = %+v, want %s %s", fs, tt.wantSev, tt.check)
			}
		})
	}
}
