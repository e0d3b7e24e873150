package trigger_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestDecisionEventsMatchSchema checks every Trigger Decision event the
// acceptance scenarios emit against events/schemas/trigger-decision.json.
func TestDecisionEventsMatchSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(repoPath("events/schemas/trigger-decision.json"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, loadPlan(t, payments, "action: failover-with-approval", "action: failover"),
		envOptions{faults: []string{"lag-spike:cluster=payments-global,seconds=45,hold=7200"}})
	e.until(t0)
	e.deliver(sample(t, alarmUp, "", time.Time{}))
	e.deliver(sample(t, alarmUp, "", time.Time{}))
	e.until(t0.Add(5 * time.Minute))
	e.deliver(sample(t, lagSample, "", time.Time{}))
	e.until(t0.Add(10 * time.Minute))
	if len(e.events) < 4 {
		t.Fatalf("only %d events:\n%s", len(e.events), e.dump())
	}
	for i, raw := range e.events {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Errorf("event %d does not match the schema: %v\n%s", i, err, raw)
		}
	}
}
