package awsevent

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"
)

// TestNewSwitchyardEvent builds each Switchyard event from its sample's
// detail and validates the result against the event's schema.
func TestNewSwitchyardEvent(t *testing.T) {
	schemas := compileSchemas(t)
	at := time.Date(2026, 11, 22, 3, 10, 0, 123456789, time.FixedZone("x", 3600))
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	build := map[string]func() (any, string){
		"switchyard-execution-status-change.json": func() (any, string) {
			d := parseAs[ExecutionStatusChange](t, "switchyard-execution-status-change.json").Detail
			return NewSwitchyardEvent("123456789012", "us-west-2", at, nil, d), d.DetailType()
		},
		"switchyard-step-status-change.json": func() (any, string) {
			d := parseAs[StepStatusChange](t, "switchyard-step-status-change.json").Detail
			return NewSwitchyardEvent("123456789012", "us-west-2", at, nil, d), d.DetailType()
		},
		"switchyard-readiness-changed.json": func() (any, string) {
			d := parseAs[ReadinessChanged](t, "switchyard-readiness-changed.json").Detail
			return NewSwitchyardEvent("123456789012", "us-west-2", at, nil, d), d.DetailType()
		},
		"switchyard-trigger-decision.json": func() (any, string) {
			d := parseAs[TriggerDecision](t, "switchyard-trigger-decision.json").Detail
			return NewSwitchyardEvent("123456789012", "us-west-2", at, nil, d), d.DetailType()
		},
		"switchyard-approval-requested.json": func() (any, string) {
			d := parseAs[ApprovalRequested](t, "switchyard-approval-requested.json").Detail
			return NewSwitchyardEvent("123456789012", "us-west-2", at, []string{"arn:x"}, d), d.DetailType()
		},
	}
	for name, f := range build {
		t.Run(name, func(t *testing.T) {
			ev, dt := f()
			data, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := DecodeEnvelope(data)
			if err != nil {
				t.Fatal(err)
			}
			if raw.DetailType != dt || raw.Source != SourceSwitchyard || !uuid.MatchString(raw.ID) || raw.Time.Format(time.RFC3339) != "2026-11-22T02:10:00Z" {
				t.Errorf("envelope %+v", raw.Header)
			}
			if err := schemas[dt].Validate(instance(t, data)); err != nil {
				t.Errorf("built event fails its schema: %v", err)
			}
		})
	}
	if NewID() == NewID() {
		t.Error("NewID repeated itself")
	}
}
