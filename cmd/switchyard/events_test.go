package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	eventsRulesDir   = "../../events/rules"
	eventsSamplesDir = "../../events/samples"
)

func runEvents(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, streams{out: &out, err: &errb})
	return code, out.String(), errb.String()
}

func writeEventsFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEventsMatch(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string
		stderrRe string
	}{
		{"alarm", []string{"alarm-payments-api-5xx-ok-to-alarm.json"}, 0, "cloudwatch-alarm-state-change\n", ""},
		{"lag alarm matches two rules, sorted", []string{"alarm-aurora-replication-lag.json"}, 0, "cloudwatch-alarm-state-change\nreplication-lag-alarm\n", ""},
		{"rds", []string{"rds-global-failover-completed.json"}, 0, "rds-global-cluster-events\n", ""},
		{"own event", []string{"switchyard-approval-requested.json"}, 0, "switchyard-events\n", ""},
		{"no rule matches", []string{"scheduled-event.json"}, 1, "no rule matches\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"events", "match", "--rules", eventsRulesDir}, filepath.Join(eventsSamplesDir, tc.args[0]))
			code, out, errOut := runEvents(t, args...)
			if code != tc.code || out != tc.stdout {
				t.Errorf("exit %d, stdout %q; want %d, %q (stderr %q)", code, out, tc.code, tc.stdout, errOut)
			}
			if errOut != "" {
				t.Errorf("unexpected stderr %q", errOut)
			}
		})
	}
}

// TestEventsMatchBuiltInRules runs without --rules from a directory that has
// no events/rules: the rules built into the binary are used.
func TestEventsMatchBuiltInRules(t *testing.T) {
	code, out, errOut := runEvents(t, "events", "match", filepath.Join(eventsSamplesDir, "rds-global-switchover-started.json"))
	if code != 0 || out != "rds-global-cluster-events\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestEventsMatchJSON(t *testing.T) {
	tests := []struct {
		sample string
		code   int
		rules  []string
	}{
		{"alarm-dynamodb-replication-latency.json", 0, []string{"cloudwatch-alarm-state-change", "replication-lag-alarm"}},
		{"scheduled-event.json", 1, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.sample, func(t *testing.T) {
			p := filepath.Join(eventsSamplesDir, tc.sample)
			code, out, _ := runEvents(t, "events", "match", "--json", "--rules", eventsRulesDir, p)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			var got eventsMatchOutput
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, out)
			}
			if got.Event != p || got.Source == "" || got.DetailType == "" || got.ID == "" || strings.Join(got.Rules, ",") != strings.Join(tc.rules, ",") || got.Rules == nil {
				t.Errorf("got %+v, want rules %q", got, tc.rules)
			}
		})
	}
}

func TestEventsMatchErrors(t *testing.T) {
	dir := t.TempDir()
	badJSON := writeEventsFile(t, dir, "bad.json", "{\n  \"source\": \"aws.rds\",\n  \"detail\": {\n}")
	notEvent := writeEventsFile(t, dir, "not-event.json", `{"alarmName": "payments-api-5xx", "state": "ALARM"}`)
	arr := writeEventsFile(t, dir, "array.json", `[{"source": "aws.rds"}]`)
	rulesDir := filepath.Join(dir, "rules")
	if err := os.Mkdir(rulesDir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeEventsFile(t, rulesDir, "by-ip.json", `{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}`)
	sample := filepath.Join(eventsSamplesDir, "alarm-composite.json")

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"bad JSON", []string{"--rules", eventsRulesDir, badJSON}, []string{"bad.json: not an EventBridge event: invalid JSON"}},
		{"not an event", []string{"--rules", eventsRulesDir, notEvent}, []string{"not-event.json: not an EventBridge event", `field "version" is missing`}},
		{"array", []string{"--rules", eventsRulesDir, arr}, []string{"JSON array; an event is a JSON object"}},
		{"missing file", []string{"--rules", eventsRulesDir, filepath.Join(dir, "nope.json")}, []string{"reading the event", "nope.json"}},
		{"missing rules dir", []string{"--rules", filepath.Join(dir, "none"), sample}, []string{"reading rules", "none"}},
		{"unsupported operator", []string{"--rules", rulesDir, sample}, []string{"by-ip.json", `unsupported operator "cidr"`}},
		{"no argument", []string{"--rules", eventsRulesDir}, []string{"accepts 1 arg"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runEvents(t, append([]string{"events", "match"}, tc.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stdout %q)", code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q does not contain %q", errOut, w)
				}
			}
		})
	}
	t.Run("syntax error position", func(t *testing.T) {
		_, _, errOut := runEvents(t, "events", "match", "--rules", eventsRulesDir, badJSON)
		if !strings.Contains(errOut, "line 4") {
			t.Errorf("stderr %q does not give the line of the error", errOut)
		}
	})
}

func TestEventsSend(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		sample string
		want   []string
	}{
		{"5xx held starts a failover with approval", nil, "alarm-payments-api-5xx-ok-to-alarm.json",
			// A real execution on the local runtime of the target, waiting
			// at the plan's approval step.
			[]string{"payments/api-5xx: held", "payments/api-5xx: started",
				"started: payments into us-west-2 from us-east-1 (failover-with-approval) on the local runtime of us-west-2: execution arn:aws:states:us-west-2:123456789012:execution:execute-plan:trg-",
				" is RUNNING\n", "waiting at approval step approve-failover"}},
		{"missing secret is not ready", []string{"--secret", "payments/pagerduty-key"}, "alarm-payments-api-5xx-ok-to-alarm.json",
			[]string{"payments/api-5xx: not-ready", "secret payments/pagerduty-key is missing in us-west-2", "started: nothing"}},
		{"recovery is held", nil, "alarm-payments-api-5xx-alarm-to-ok.json", []string{"payments/api-5xx: held", "conditions do not hold", "started: nothing"}},
		{"unknown alarm is ignored", nil, "alarm-route53-health-check.json", []string{"ignored: no trigger of any plan names alarm", "started: nothing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"events", "send", "--plans", "../../examples/plans"}, tc.args...), filepath.Join(eventsSamplesDir, tc.sample))
			code, out, errOut := runEvents(t, args...)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
