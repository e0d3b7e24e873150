package awsevent

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const schemasDir = "../../events/schemas"

// compileSchemas compiles every schema in events/schemas, keyed by the
// detail-type its "detail-type" const names.
func compileSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(schemasDir, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no schemas in %s (%v)", schemasDir, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	out := map[string]*jsonschema.Schema{}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		sch, err := c.Compile(abs)
		if err != nil {
			t.Fatalf("compiling %s: %v", p, err)
		}
		var doc struct {
			Properties struct {
				DetailType struct {
					Const string `json:"const"`
				} `json:"detail-type"`
			} `json:"properties"`
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &doc); err != nil || doc.Properties.DetailType.Const == "" {
			t.Fatalf("%s: properties.detail-type.const is missing (%v)", p, err)
		}
		out[doc.Properties.DetailType.Const] = sch
	}
	return out
}

func instance(t *testing.T, data []byte) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSchemasValidateSamples validates every Switchyard sample against the
// schema of its detail-type, and requires a sample for every schema and a
// schema for every Switchyard detail-type the registry knows.
func TestSchemasValidateSamples(t *testing.T) {
	schemas := compileSchemas(t)
	covered := map[string]bool{}
	for _, name := range sampleNames(t) {
		data := readSample(t, name)
		raw, err := DecodeEnvelope(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if raw.Source != SourceSwitchyard {
			continue
		}
		t.Run(name, func(t *testing.T) {
			sch, ok := schemas[raw.DetailType]
			if !ok {
				t.Fatalf("no schema in %s for detail-type %q", schemasDir, raw.DetailType)
			}
			if err := sch.Validate(instance(t, data)); err != nil {
				t.Errorf("%v", err)
			}
			covered[raw.DetailType] = true
		})
	}
	for dt := range schemas {
		if !covered[dt] {
			t.Errorf("schema for %q validates no sample", dt)
		}
	}
	for _, k := range NewRegistry().Keys() {
		if _, ok := schemas[k.DetailType]; k.Source == SourceSwitchyard && !ok {
			t.Errorf("no schema for registered Switchyard event %q", k.DetailType)
		}
	}
}

// TestSchemasRejectBadEvents proves the schemas can fail: each mutation of a
// valid sample must be rejected.
func TestSchemasRejectBadEvents(t *testing.T) {
	schemas := compileSchemas(t)
	tests := []struct {
		name, sample, from, to string
	}{
		{"unknown execution status", "switchyard-execution-status-change.json", `"status": "SUCCEEDED"`, `"status": "DONE"`},
		{"bad region", "switchyard-execution-status-change.json", `"targetRegion": "us-west-2"`, `"targetRegion": "Oregon"`},
		{"missing plan", "switchyard-step-status-change.json", `"plan": "payments",`, ``},
		{"attempt zero", "switchyard-step-status-change.json", `"attempt": 1`, `"attempt": 0`},
		{"extra detail field", "switchyard-readiness-changed.json", `"ready": false,`, `"ready": false, "colour": "red",`},
		{"bad timestamp", "switchyard-readiness-changed.json", `"evaluatedAt": "2026-11-22T03:05:06Z"`, `"evaluatedAt": "five past three"`},
		{"unknown decision", "switchyard-trigger-decision.json", `"decision": "started"`, `"decision": "maybe"`},
		{"unknown action", "switchyard-trigger-decision.json", `"action": "failover-with-approval"`, `"action": "panic"`},
		{"token as approval id", "switchyard-approval-requested.json", `"approvalId": "apr-7Q2M9X"`, `"approvalId": "AAAAKgAAAAIAAAAAAAAAAQ=="`},
		{"wrong source", "switchyard-approval-requested.json", `"source": "switchyard"`, `"source": "aws.states"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := readSample(t, tc.sample)
			bad := strings.Replace(string(data), tc.from, tc.to, 1)
			if bad == string(data) {
				t.Fatalf("%q not found in %s", tc.from, tc.sample)
			}
			raw, err := DecodeEnvelope(data)
			if err != nil {
				t.Fatal(err)
			}
			if err := schemas[raw.DetailType].Validate(instance(t, []byte(bad))); err == nil {
				t.Errorf("schema accepted the mutated sample")
			}
		})
	}
}
