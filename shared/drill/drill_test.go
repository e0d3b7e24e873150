package drill

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func inh(s int, basis string) Inherent {
	return Inherent{Duration: time.Duration(s) * time.Second, Basis: basis}
}

func TestCriticalPath(t *testing.T) {
	stages := []pathStage{
		{Name: "approve", Steps: []pathStep{{Name: "approve", Inherent: inh(0, "approval answered after 0s"), LastAttemptAt: at(180)}}},
		{Name: "capacity", Steps: []pathStep{
			{Name: "scale-api", Inherent: inh(60, "ecs"), LastAttemptAt: at(180)},
			{Name: "size-db", Inherent: inh(0, "matched"), LastAttemptAt: at(180)},
		}},
		{Name: "database", Steps: []pathStep{{Name: "promote", Inherent: inh(85, "switchover"), LastAttemptAt: at(241)}}},
		{Name: "traffic", Steps: []pathStep{
			{Name: "stop", Inherent: inh(0, ""), LastAttemptAt: at(330), MovesTraffic: true},
			{Name: "esm", Inherent: inh(0, ""), LastAttemptAt: at(330)},
		}},
		{Name: "verify", Steps: []pathStep{{Name: "alarms", Inherent: inh(120, "hold"), LastAttemptAt: at(400)}}},
	}
	tests := []struct {
		name     string
		hold     int
		stages   []pathStage
		served   time.Time
		want     time.Duration
		wantSegs []string // kind/name/step
	}{
		{name: "hold + stages up to traffic + traffic tail", hold: 180, stages: stages, served: at(495),
			want:     (180 + 0 + 60 + 85 + 165) * time.Second,
			wantSegs: []string{"trigger-hold/h/", "stage/approve/approve", "stage/capacity/scale-api", "stage/database/promote", "traffic/traffic/stop"}},
		{name: "no trigger: no hold segment", stages: stages, served: at(495),
			want:     (60 + 85 + 165) * time.Second,
			wantSegs: []string{"stage/approve/approve", "stage/capacity/scale-api", "stage/database/promote", "traffic/traffic/stop"}},
		{name: "never served: every stage, no tail", hold: 180, stages: stages,
			want:     (180 + 60 + 85 + 0 + 120) * time.Second,
			wantSegs: []string{"trigger-hold/h/", "stage/approve/approve", "stage/capacity/scale-api", "stage/database/promote", "stage/traffic/stop", "stage/verify/alarms"}},
		{name: "served before any traffic step acted: origin to served", hold: 180, stages: stages, served: at(150),
			want: 150 * time.Second, wantSegs: []string{"traffic/automatic/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segs, got := criticalPath("h", time.Duration(tt.hold)*time.Second, tt.stages, t0, tt.served)
			if got != tt.want {
				t.Errorf("critical path = %s, want %s (segments %+v)", got, tt.want, segs)
			}
			var names []string
			sum := 0.0
			for _, s := range segs {
				names = append(names, s.Kind+"/"+s.Name+"/"+s.Step)
				sum += s.Seconds
			}
			if strings.Join(names, " ") != strings.Join(tt.wantSegs, " ") {
				t.Errorf("segments = %v, want %v", names, tt.wantSegs)
			}
			if sum != seconds(got) {
				t.Errorf("segments add up to %v s, total is %v s", sum, seconds(got))
			}
		})
	}
}

func TestElapsed(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{{0, "+00:00"}, {192 * time.Second, "+03:12"}, {time.Hour + 2*time.Minute + 3*time.Second, "+1:02:03"}, {-5 * time.Second, "-00:05"}} {
		if got := elapsed(tt.d); got != tt.want {
			t.Errorf("elapsed(%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, origin: t0}
	p.step(StepChange{At: at(192), Stage: "capacity", Step: "scale-api", Status: "running", Attempt: 2, Outputs: map[string]any{"running": 4, "desired": 12}})
	if got, want := b.String(), "+03:12  capacity / scale-api  running (attempt 2)  desired 12, running 4\n"; got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
}

const twoPlans = `apiVersion: switchyard.dev/v1
kind: RecoveryPlan
metadata: {name: api, owner: o@example.com, version: "1"}
spec:
  approach: active-passive
  regions: [us-east-1, us-west-2]
  primary: us-east-1
  objectives: {rto: 10m, rpo: 0s}
  workflows:
    - name: fo
      kind: activate
      region: us-west-2
      stages:
        - name: verify
          steps:
            - {name: check, block: http-check, with: {url: "https://api.example.com/health"}}
  dependsOn: [db]
---
apiVersion: switchyard.dev/v1
kind: RecoveryPlan
metadata: {name: db, owner: o@example.com, version: "1"}
spec:
  approach: active-passive
  regions: [us-east-1, us-west-2]
  primary: us-east-1
  objectives: {rto: 10m, rpo: 0s}
  triggers:
    - name: down
      conditions:
        - {alarm: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:db-down", state: red, for: 4m}
        - {alarm: "arn:aws:cloudwatch:us-west-2:123456789012:alarm:db-ok", state: green, for: 2m}
      action: failover
      target: us-west-2
  workflows:
    - name: fo
      kind: activate
      region: us-west-2
      stages:
        - name: verify
          steps:
            - {name: check, block: http-check, with: {url: "https://db.example.com/health"}}
`

func TestSelectionAndTargets(t *testing.T) {
	ps, err := plan.Parse("two.yaml", []byte(twoPlans))
	if err != nil {
		t.Fatal(err)
	}
	got, err := selectPlans(ps, "")
	if err != nil || strings.Join(planNames(got), ",") != "db,api" {
		t.Errorf("dependency order = %v, %v; want db,api", planNames(got), err)
	}
	if got, err := selectPlans(ps, "api"); err != nil || len(got) != 1 || got[0].Metadata.Name != "api" {
		t.Errorf("--plan api = %v, %v", planNames(got), err)
	}
	if _, err := selectPlans(ps, "nope"); err == nil || !strings.Contains(err.Error(), "it has: api, db") {
		t.Errorf("--plan nope: err = %v", err)
	}
	db := got[0]
	for _, p := range ps {
		if p.Metadata.Name == "db" {
			db = p
		}
	}
	trig, hold := triggerFor(db, "us-west-2")
	if trig == nil || trig.Name != "down" || hold != 4*time.Minute {
		t.Errorf("trigger = %v, hold %s; want down, 4m", trig, hold)
	}
	if tr, _ := triggerFor(db, "us-east-1"); tr != nil {
		t.Errorf("trigger towards us-east-1 = %v, want none", tr.Name)
	}
	if tgt, err := targetFor(db, ""); err != nil || tgt != "us-west-2" {
		t.Errorf("default target = %q, %v", tgt, err)
	}
	if _, err := targetFor(db, "eu-west-1"); err == nil || !strings.Contains(err.Error(), "it can fail over to: us-west-2") {
		t.Errorf("--target eu-west-1: err = %v", err)
	}
}

func TestCheckAudit(t *testing.T) {
	ctx := context.Background()
	s := memory.New(clock.NewVirtual(t0))
	exec := "e1"
	put := func(name string, attempt int, status store.StepStatus) store.Step {
		return store.Step{Execution: exec, Name: name, Attempt: attempt, Status: status}
	}
	audit := func(name string, attempt int, action string) {
		d, _ := json.Marshal(map[string]any{"attempt": attempt})
		if _, err := s.AppendAudit(ctx, store.AuditRecord{Execution: exec, Actor: "step:" + name, Action: action, Detail: d}); err != nil {
			t.Fatal(err)
		}
	}
	audit("a", 1, "step.running")
	audit("a", 1, "step.succeeded")
	audit("b", 1, "step.running")
	writes := []store.Step{put("a", 1, store.StepRunning), put("a", 1, store.StepSucceeded), put("b", 1, store.StepRunning), put("b", 2, store.StepRunning)}
	missing, err := CheckAudit(ctx, s, writes)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(missing, ";") != "b running (attempt 2)" {
		t.Errorf("missing = %v, want [b running (attempt 2)]", missing)
	}
}

func TestRenderHTML(t *testing.T) {
	r := &Result{Status: "SUCCEEDED", ExecutionID: "drill-x-1", Plan: "x", Target: "us-west-2", Mode: "graceful", FinalMode: "ungraceful",
		StartedBy: "trigger t", AlarmAt: at(0), StartedAt: at(180), EndedAt: at(400), ServedAt: at(420), Served: true,
		RTOSeconds: 420, RTOObjectiveSeconds: 900, RTOMet: true, RPOSeconds: 0.8, RPOObjectiveSeconds: 30, RPOMet: true,
		CriticalPathSeconds: 400, Overhead: 1.05, Faults: []string{"region-down:us-east-1"},
		Steps:      []StepResult{{Name: "promote <db>", Block: "aurora-global", Stage: "database", Status: "SUCCEEDED", StartedAt: at(180), EndedAt: at(300), Attempts: 2}},
		Approvals:  []ApprovalResult{{Kind: "decision", Step: "promote", Status: "answered", Answer: "ungraceful", DecidedBy: "drill", AskedAt: at(200), DecidedAt: at(200)}},
		Invariants: Invariants{Writers: []string{"us-west-2"}, Traffic: []string{"us-west-2"}, LockReleased: true, AuditComplete: true}}
	page, err := RenderHTML(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"<svg", "database / promote &lt;db&gt;", "2 attempts", "region-down:us-east-1", "served from us-west-2", "RTO objective",
		"graceful → ungraceful", "ungraceful", "All invariants hold.", "overhead ×1.050"} {
		if !bytes.Contains(page, []byte(w)) {
			t.Errorf("page lacks %q", w)
		}
	}
	if bytes.Contains(page, []byte("<db>")) {
		t.Error("step name not escaped")
	}
}

const activeActive = `apiVersion: switchyard.dev/v1
kind: RecoveryPlan
metadata: {name: shop, owner: o@example.com, version: "1"}
spec:
  approach: active-active
  regions: [us-east-1, eu-west-1]
  objectives: {rto: 5m, rpo: 5s}
  triggers:
    - name: use1-errors
      conditions: [{alarm: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:use1-5xx", state: red, for: 5m}]
      action: failover
      target: eu-west-1
  workflows:
    - {name: out-use1, kind: deactivate, region: us-east-1, stages: [{name: s, steps: [{name: a, block: http-check, with: {url: "https://a.example.com"}}]}]}
    - {name: in-use1, kind: activate, region: us-east-1, stages: [{name: s, steps: [{name: a, block: http-check, with: {url: "https://a.example.com"}}]}]}
`

// TestActiveActiveTargets: an active-active plan's drill target is one a
// workflow moves traffic into (the trigger's, by default); its deactivate
// workflow must leave every client in the target, its activate workflow
// only needs the target serving.
func TestActiveActiveTargets(t *testing.T) {
	ps, err := plan.Parse("shop.yaml", []byte(activeActive))
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	if tgt, err := targetFor(p, ""); err != nil || tgt != "eu-west-1" {
		t.Errorf("default target = %q, %v; want the trigger's eu-west-1", tgt, err)
	}
	if tgt, err := targetFor(p, "us-east-1"); err != nil || tgt != "us-east-1" {
		t.Errorf("--target us-east-1 = %q, %v; want it (its activate workflow)", tgt, err)
	}
	if _, err := targetFor(p, "us-west-2"); err == nil || !strings.Contains(err.Error(), "no workflow that moves traffic into --target us-west-2 (it can fail over to: us-east-1, eu-west-1)") {
		t.Errorf("--target us-west-2: err = %v", err)
	}
	for _, tc := range []struct {
		workflow string
		want     bool
	}{{"out-use1", true}, {"in-use1", false}} {
		for i := range p.Spec.Workflows {
			if w := &p.Spec.Workflows[i]; w.Name == tc.workflow && Exclusive(p, w) != tc.want {
				t.Errorf("Exclusive(%s) = %v, want %v", w.Name, !tc.want, tc.want)
			}
		}
	}
}
