package awsevent

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const samplesDir = "../../events/samples"

// sampleTypes names the Go type every sample must parse into. A sample that
// is not listed here fails TestSamplesAreListed.
var sampleTypes = map[string]any{
	"alarm-payments-api-5xx-ok-to-alarm.json": &AlarmStateChange{},
	"alarm-payments-api-5xx-alarm-to-ok.json": &AlarmStateChange{},
	"alarm-aurora-replication-lag.json":       &AlarmStateChange{},
	"alarm-dynamodb-replication-latency.json": &AlarmStateChange{},
	"alarm-route53-health-check.json":         &AlarmStateChange{},
	"alarm-composite.json":                    &AlarmStateChange{},
	"rds-global-switchover-started.json":      &RDSClusterEvent{},
	"rds-global-switchover-completed.json":    &RDSClusterEvent{},
	"rds-global-switchover-failed.json":       &RDSClusterEvent{},
	"rds-global-failover-completed.json":      &RDSClusterEvent{},
	"rds-global-failover-failed.json":         &RDSClusterEvent{},
	"scheduled-event.json":                    &ScheduledEvent{},
	"switchyard-execution-status-change.json": &ExecutionStatusChange{},
	"switchyard-step-status-change.json":      &StepStatusChange{},
	"switchyard-readiness-changed.json":       &ReadinessChanged{},
	"switchyard-trigger-decision.json":        &TriggerDecision{},
	"switchyard-approval-requested.json":      &ApprovalRequested{},
}

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(samplesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func sampleNames(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(samplesDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no samples in %s", samplesDir)
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	return names
}

func TestSamplesAreListed(t *testing.T) {
	onDisk := map[string]bool{}
	for _, n := range sampleNames(t) {
		onDisk[n] = true
		if _, ok := sampleTypes[n]; !ok {
			t.Errorf("sample %s has no entry in sampleTypes", n)
		}
	}
	for n := range sampleTypes {
		if !onDisk[n] {
			t.Errorf("sampleTypes lists %s, which is not in %s", n, samplesDir)
		}
	}
}

// TestSamplesRoundTrip decodes every sample into its Go type, strictly (no
// unknown fields), encodes it again and compares the JSON values.
func TestSamplesRoundTrip(t *testing.T) {
	reg := NewRegistry()
	seen := map[Key]bool{}
	for _, name := range sampleNames(t) {
		t.Run(name, func(t *testing.T) {
			data := readSample(t, name)
			want, ok := sampleTypes[name]
			if !ok {
				t.Skipf("not listed in sampleTypes (reported by TestSamplesAreListed)")
			}
			got, err := reg.Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if reflect.TypeOf(got) != reflect.TypeOf(want) {
				t.Fatalf("Parse returned %T, want %T", got, want)
			}
			strict := reflect.New(reflect.TypeOf(want).Elem()).Interface()
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(strict); err != nil {
				t.Fatalf("strict decode into %T: %v", strict, err)
			}
			out, err := json.Marshal(got)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			assertSameJSON(t, data, out)
			raw, err := DecodeEnvelope(data)
			if err != nil {
				t.Fatal(err)
			}
			seen[raw.Key()] = true
		})
	}
	for _, k := range reg.Keys() {
		if !seen[k] {
			t.Errorf("no sample in %s for registered kind %s", samplesDir, k)
		}
	}
}

func assertSameJSON(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w, g) {
		t.Errorf("round trip changed the event:\nwant %s\ngot  %s", compact(t, want), compact(t, got))
	}
}

func compact(t *testing.T, data []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestDecodeEnvelopeErrors(t *testing.T) {
	valid := `{"version":"0","id":"1","detail-type":"X","source":"s","account":"123456789012","time":"2026-11-22T03:00:00Z","region":"us-east-1","resources":[],"detail":{}}`
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", ``, "invalid JSON"},
		{"syntax", "{\n  \"version\": \"0\",\n  oops\n}", "line 3, column 4"},
		{"array", `[1,2]`, "JSON array; an event is a JSON object"},
		{"string", `"hi"`, "JSON string; an event is a JSON object"},
		{"null", `null`, "the document is null"},
		{"missing detail-type", strings.Replace(valid, `"detail-type":"X",`, ``, 1), `field "detail-type" is missing`},
		{"missing detail", strings.Replace(valid, `,"detail":{}`, ``, 1), `field "detail" is missing`},
		{"source not string", strings.Replace(valid, `"source":"s"`, `"source":7`, 1), `field "source" must be a string, got number`},
		{"empty source", strings.Replace(valid, `"source":"s"`, `"source":""`, 1), `field "source" is empty`},
		{"detail array", strings.Replace(valid, `"detail":{}`, `"detail":[]`, 1), `field "detail" must be an object, got array`},
		{"resources string", strings.Replace(valid, `"resources":[]`, `"resources":"r"`, 1), `field "resources" must be an array of strings, got string`},
		{"bad time", strings.Replace(valid, `2026-11-22T03:00:00Z`, `yesterday`, 1), `field "time" must be an RFC 3339 timestamp`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeEnvelope([]byte(tc.in))
			if err == nil {
				t.Fatal("DecodeEnvelope succeeded, want an error")
			}
			if !errors.Is(err, ErrNotEvent) {
				t.Errorf("error %v does not wrap ErrNotEvent", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		ev, err := DecodeEnvelope([]byte(valid))
		if err != nil {
			t.Fatal(err)
		}
		if ev.Key() != (Key{"s", "X"}) || string(ev.Detail) != "{}" {
			t.Errorf("got %+v", ev)
		}
	})
}

func TestRegistry(t *testing.T) {
	reg := NewRegistry()
	t.Run("unknown kind", func(t *testing.T) {
		data := []byte(`{"version":"0","id":"1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2026-11-22T03:00:00Z","region":"us-east-1","resources":[],"detail":{}}`)
		_, err := reg.Parse(data)
		var ue *UnknownEventError
		if !errors.As(err, &ue) || ue.Key.Source != "aws.ec2" {
			t.Fatalf("got %v, want *UnknownEventError for aws.ec2", err)
		}
	})
	t.Run("wrong field type", func(t *testing.T) {
		data := bytes.Replace(readSample(t, "switchyard-step-status-change.json"), []byte(`"attempt": 1`), []byte(`"attempt": "one"`), 1)
		_, err := reg.Parse(data)
		if err == nil || !strings.Contains(err.Error(), `field "detail.attempt" must be a int`) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("register twice", func(t *testing.T) {
		if err := reg.Register(Key{SourceRDS, DetailTypeRDSClusterEvent}, ParserFor[RDSEventDetail]()); err == nil {
			t.Fatal("second registration succeeded")
		}
		if err := reg.Register(Key{"", "x"}, ParserFor[RDSEventDetail]()); err == nil {
			t.Fatal("empty source accepted")
		}
	})
	t.Run("zero value", func(t *testing.T) {
		var r Registry
		if err := r.Register(Key{"a", "b"}, ParserFor[ScheduledEventDetail]()); err != nil {
			t.Fatal(err)
		}
		if len(r.Keys()) != 1 {
			t.Fatalf("keys %v", r.Keys())
		}
	})
}

func parseAs[T any](t *testing.T, name string) *T {
	t.Helper()
	v, err := NewRegistry().Parse(readSample(t, name))
	if err != nil {
		t.Fatal(err)
	}
	ev, ok := v.(*T)
	if !ok {
		t.Fatalf("%s parsed as %T", name, v)
	}
	return ev
}

func TestAlarmHelpers(t *testing.T) {
	tests := []struct {
		sample          string
		composite, lag  bool
		state, previous string
	}{
		{"alarm-payments-api-5xx-ok-to-alarm.json", false, false, AlarmStateAlarm, AlarmStateOK},
		{"alarm-payments-api-5xx-alarm-to-ok.json", false, false, AlarmStateOK, AlarmStateAlarm},
		{"alarm-aurora-replication-lag.json", false, true, AlarmStateAlarm, AlarmStateOK},
		{"alarm-dynamodb-replication-latency.json", false, true, AlarmStateAlarm, AlarmStateOK},
		{"alarm-route53-health-check.json", false, false, AlarmStateAlarm, AlarmStateOK},
		{"alarm-composite.json", true, false, AlarmStateAlarm, AlarmStateOK},
	}
	for _, tc := range tests {
		t.Run(tc.sample, func(t *testing.T) {
			ev := parseAs[AlarmStateChange](t, tc.sample)
			d := ev.Detail
			if d.IsComposite() != tc.composite || d.IsReplicationLag() != tc.lag {
				t.Errorf("composite=%v lag=%v, want %v %v", d.IsComposite(), d.IsReplicationLag(), tc.composite, tc.lag)
			}
			if d.State.Value != tc.state || d.PreviousState.Value != tc.previous {
				t.Errorf("state %s→%s, want %s→%s", d.PreviousState.Value, d.State.Value, tc.previous, tc.state)
			}
			at, err := d.State.Time()
			if err != nil {
				t.Fatal(err)
			}
			// The envelope time is truncated to the second (as in AWS's own
			// samples); the state timestamp has milliseconds.
			if diff := ev.Time.Sub(at.Truncate(time.Second)); diff < 0 || diff > 2*time.Second {
				t.Errorf("state time %v is not within 2 s of the event time %v", at, ev.Time)
			}
			if got := AlarmNameFromARN(ev.Resources[0]); got != d.AlarmName {
				t.Errorf("AlarmNameFromARN = %q, want %q", got, d.AlarmName)
			}
			trig, err := d.State.TriggeringAlarms()
			if tc.composite {
				if err != nil || len(trig) != 1 || AlarmNameFromARN(trig[0].ARN) != "payments-api-health-check" {
					t.Errorf("TriggeringAlarms = %+v, %v", trig, err)
				}
			} else if err == nil {
				t.Errorf("TriggeringAlarms on a metric alarm returned %+v, want an error", trig)
			}
		})
	}
	if AlarmNameFromARN("payments-api-5xx") != "" {
		t.Error("AlarmNameFromARN accepted a bare name")
	}
	if _, err := (AlarmState{Timestamp: "2026-11-22T03:00:00Z"}).Time(); err == nil {
		t.Error("Time accepted an RFC 3339 timestamp, which alarm events do not use")
	}
}

func TestGlobalOperation(t *testing.T) {
	tests := []struct {
		sample   string
		want     GlobalOperation
		terminal bool
	}{
		{"rds-global-switchover-started.json", GlobalOperation{"switchover", "started", "payments-db-usw2", "us-west-2"}, false},
		{"rds-global-switchover-completed.json", GlobalOperation{"switchover", "completed", "payments-db-usw2", "us-west-2"}, true},
		{"rds-global-switchover-failed.json", GlobalOperation{"switchover", "failed", "payments-db-usw2", "us-west-2"}, true},
		{"rds-global-failover-completed.json", GlobalOperation{"failover", "completed", "payments-db-usw2", "us-west-2"}, true},
		{"rds-global-failover-failed.json", GlobalOperation{"failover", "failed", "payments-db-usw2", "us-west-2"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.sample, func(t *testing.T) {
			ev := parseAs[RDSClusterEvent](t, tc.sample)
			got, ok := ev.Detail.GlobalOperation()
			if !ok || got != tc.want || got.Terminal() != tc.terminal {
				t.Errorf("GlobalOperation = %+v, %v (terminal %v); want %+v (terminal %v)", got, ok, got.Terminal(), tc.want, tc.terminal)
			}
		})
	}
	t.Run("other event", func(t *testing.T) {
		if op, ok := (RDSEventDetail{EventID: "RDS-EVENT-0173"}).GlobalOperation(); ok {
			t.Errorf("patch event classified as %+v", op)
		}
	})
	t.Run("message without names", func(t *testing.T) {
		op, ok := (RDSEventDetail{EventID: EventGlobalWriterEndpointMoved, Message: "Aurora finished changing the DNS name that the global writer endpoint resolves to."}).GlobalOperation()
		if !ok || op.Cluster != "" || op.Region != "" || op.Phase != "progress" {
			t.Errorf("got %+v, %v", op, ok)
		}
	})
}
