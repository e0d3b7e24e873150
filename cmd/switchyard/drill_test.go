package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runDrillCmd runs `drill args...` in process and returns its exit code,
// stdout and stderr.
func runDrillCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newDrillCmd(streams{out: &out, err: &errb})
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(t.Context())
	code := 0
	if err != nil {
		code = 2
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		errb.WriteString(err.Error())
	}
	return code, out.String(), errb.String()
}

// checkoutPlan is a small active-passive plan moved by ARC routing controls.
const checkoutPlan = `apiVersion: switchyard.dev/v1
kind: RecoveryPlan
metadata: {name: checkout, owner: checkout@example.com, version: "1"}
spec:
  approach: active-passive
  regions: [us-east-1, us-west-2]
  primary: us-east-1
  objectives: {rto: 10m, rpo: 0s}
  approval:
    fallbackApprovers: [arn:aws:iam::123456789012:role/oncall]
    quorum: 1
    timeout: 30m
  workflows:
    - name: failover-to-us-west-2
      kind: activate
      region: us-west-2
      stages:
        - name: approve
          steps:
            - {name: approve, block: approval}
        - name: capacity
          steps:
            - name: scale-api
              block: ecs-scale
              with:
                target: {cluster: "arn:aws:ecs:us-west-2:123456789012:cluster/checkout-usw2", service: api}
                source: {cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/checkout-use1", service: api}
                percent: 100
        - name: traffic
          steps:
            - name: route
              block: arc-routing-control
              with:
                cluster: arn:aws:route53-recovery-control::123456789012:cluster/4b1e7c2a-93d4-4f6e-8a1b-2c3d4e5f6a7b
                states:
                  - {routingControl: "arn:aws:route53-recovery-control::123456789012:controlpanel/0f1e2d3c4b5a69788796a5b4c3d2e1f0/routingcontrol/c0c0c0c0c0c0west", state: "On"}
                  - {routingControl: "arn:aws:route53-recovery-control::123456789012:controlpanel/0f1e2d3c4b5a69788796a5b4c3d2e1f0/routingcontrol/c0c0c0c0c0c0east", state: "Off"}
`

func writePlan(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDrillCmd(t *testing.T) {
	good := writePlan(t, checkoutPlan)
	bad := writePlan(t, strings.Replace(checkoutPlan, "kind: activate", "kind: sideways", 1))
	tests := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		// wantOut / wantErr are substrings of stdout / stderr.
		wantOut []string
		wantErr []string
	}{
		{name: "succeeds with progress and summary", args: []string{good}, wantCode: 0,
			wantOut: []string{"+00:00", "capacity / scale-api  running", "traffic / route  succeeded", "approval  step approve approved by drill (auto)",
				"SUCCEEDED  checkout → us-west-2", "RTO ", "(objective 10m0s, met)", "critical ", "invariants  lock released, audit complete"}},
		{name: "prompt approval answered on the terminal", args: []string{good, "--approve", "prompt"}, stdin: "approve\n", wantCode: 0,
			wantOut: []string{"approved on the terminal", "SUCCEEDED"}, wantErr: []string{"Approve step approve of plan checkout (quorum 1)? [approve/reject]"}},
		{name: "prompt approval rejected fails the execution", args: []string{good, "--approve", "prompt"}, stdin: "reject\n", wantCode: 1,
			wantOut: []string{"rejected on the terminal"}, wantErr: []string{"ended FAILED"}},
		{name: "bad mode", args: []string{good, "--mode", "sideways"}, wantCode: 1, wantErr: []string{`--mode "sideways": allowed: graceful, ungraceful`}},
		{name: "bad approve", args: []string{good, "--approve", "maybe"}, wantCode: 1, wantErr: []string{`--approve "maybe": allowed: auto, prompt`}},
		{name: "bad fault", args: []string{good, "--fault", "meteor:region=us-east-1"}, wantCode: 1, wantErr: []string{`--fault "meteor:region=us-east-1"`}},
		{name: "unknown target", args: []string{good, "--target", "eu-west-1"}, wantCode: 1, wantErr: []string{"no activate workflow for --target eu-west-1 (it can fail over to: us-west-2)"}},
		{name: "unknown plan name", args: []string{good, "--plan", "nope"}, wantCode: 1, wantErr: []string{"--plan nope: no such plan in the file (it has: checkout)"}},
		{name: "invalid plan", args: []string{bad}, wantCode: 1, wantErr: []string{"the plan is not valid"}},
		{name: "missing file", args: []string{filepath.Join(t.TempDir(), "none.yaml")}, wantCode: 1, wantErr: []string{"reading plan file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runDrillCmd(t, tt.stdin, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errs)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
		})
	}
}

func TestDrillCmdJSONAndReport(t *testing.T) {
	good := writePlan(t, checkoutPlan)
	dir := t.TempDir()
	code, out, errs := runDrillCmd(t, "", good, "--json", "--report", dir, "--fault", "arc-endpoint-down:index=0")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"status", "executionId", "target", "mode", "rtoSeconds", "criticalPathSeconds", "rpoSeconds",
		"historyEvents", "stateTransitions", "steps", "overhead"} {
		if _, ok := res[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if res["status"] != "SUCCEEDED" || res["target"] != "us-west-2" || res["mode"] != "graceful" {
		t.Errorf("status/target/mode = %v/%v/%v", res["status"], res["target"], res["mode"])
	}
	rto, _ := res["rtoSeconds"].(float64)
	cp, _ := res["criticalPathSeconds"].(float64)
	if rto <= 0 || cp <= 0 || rto < cp {
		t.Errorf("rtoSeconds %v, criticalPathSeconds %v: want 0 < critical path ≤ RTO", rto, cp)
	}
	steps, _ := res["steps"].([]any)
	if len(steps) != 3 {
		t.Fatalf("steps = %v, want 3", steps)
	}
	for _, s := range steps {
		m := s.(map[string]any)
		for _, k := range []string{"name", "block", "status", "startedAt", "endedAt", "attempts"} {
			if _, ok := m[k]; !ok {
				t.Errorf("step %v lacks %q", m["name"], k)
			}
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"<svg", "Objectives vs achieved", "arc-endpoint-down:index=0", "capacity / scale-api", "Approvals and decisions"} {
		if !bytes.Contains(page, []byte(w)) {
			t.Errorf("report.html lacks %q", w)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "report.json")); err != nil {
		t.Error(err)
	}
}
