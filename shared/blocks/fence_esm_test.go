package blocks

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

// fakeFence keeps flags per Region; a Region in down refuses connections.
// It stands for a caller's own FenceFlags (WithFenceFlags).
type fakeFence struct {
	mu    sync.Mutex
	flags map[string]string
	down  map[string]bool
	sets  int
}

func (f *fakeFence) Get(_ context.Context, region string, c *plan.Fence) (string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down[region] {
		return "", false, &net.OpError{Op: "dial", Net: "tcp", Err: errRefused}
	}
	v, ok := f.flags[region+"/"+c.SSMParameter]
	return v, ok, nil
}

func (f *fakeFence) Set(_ context.Context, region string, c *plan.Fence) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down[region] {
		return &net.OpError{Op: "dial", Net: "tcp", Err: errRefused}
	}
	f.sets++
	f.flags[region+"/"+c.SSMParameter] = c.Value
	return nil
}

type refusedErr struct{}

func (refusedErr) Error() string { return "connection refused" }

var errRefused = refusedErr{}

const (
	fenceParamName = "/payments/write-fence"
	fenceTable     = "payments-flags"
)

var (
	fenceParam    = "arn:aws:ssm:" + east + ":" + account + ":parameter/payments/write-fence"
	fenceTableARN = "arn:aws:dynamodb:" + east + ":" + account + ":table/" + fenceTable
	fenceKey      = map[string]string{"app": "payments"}
)

func TestFenceSSMAndDynamoDB(t *testing.T) {
	ssmFence := func(must bool) *plan.Fence {
		return &plan.Fence{SSMParameter: fenceParam, Value: "fenced", MustSucceed: must}
	}
	ddbFence := func(must bool) *plan.Fence {
		return &plan.Fence{DynamoDBItem: &plan.FenceItem{Table: fenceTableARN, Key: fenceKey, Attribute: "writes"}, Value: "fenced", MustSucceed: must}
	}
	tests := []struct {
		name     string
		cfg      *plan.Fence
		mode     Mode
		noParam  bool   // the parameter does not exist yet
		noTable  bool   // the table does not exist
		fault    string // injected before the run
		wantErr  string
		fenced   bool
		skipped  bool
		wantPuts int // PutParameter + UpdateItem calls
		// wantEast is the flag's value in us-east-1 afterwards ("" = absent).
		wantEast string
	}{
		{name: "ssm: graceful sets the parameter", cfg: ssmFence(false), mode: Graceful, fenced: true, wantPuts: 1, wantEast: "fenced"},
		{name: "ssm: a missing parameter is created", cfg: ssmFence(false), mode: Graceful, noParam: true, fenced: true, wantPuts: 1, wantEast: "fenced"},
		{name: "ssm: Region down, best effort", cfg: ssmFence(false), mode: Graceful, fault: "region-down:" + east, fenced: false, wantEast: sim.UnfencedValue},
		{name: "ssm: Region down, must succeed", cfg: ssmFence(true), mode: Graceful, fault: "region-down:" + east, wantErr: "Retryable", wantEast: sim.UnfencedValue},
		{name: "ssm: control plane down, PutParameter unavailable, best effort", cfg: ssmFence(false), mode: Graceful, fault: "control-plane-down:" + east, fenced: false, wantPuts: 1, wantEast: sim.UnfencedValue},
		{name: "ssm: throttled, must succeed", cfg: ssmFence(true), mode: Graceful, fault: "throttle:service=ssm,rate=1", wantErr: "Retryable", wantEast: sim.UnfencedValue},
		{name: "ssm: access denied fails even best effort", cfg: ssmFence(false), mode: Graceful, fault: "error:service=ssm,api=PutParameter,code=AccessDeniedException", wantErr: "Terminal", wantPuts: 1, wantEast: sim.UnfencedValue},
		{name: "ssm: ungraceful never calls the source", cfg: ssmFence(false), mode: Ungraceful, skipped: true, wantEast: sim.UnfencedValue},
		{name: "ssm: ungraceful, must succeed, still never calls the source", cfg: ssmFence(true), mode: Ungraceful, skipped: true, wantEast: sim.UnfencedValue},
		{name: "dynamodb: graceful sets the attribute", cfg: ddbFence(false), mode: Graceful, fenced: true, wantPuts: 1, wantEast: "fenced"},
		{name: "dynamodb: control plane down, item calls are data plane", cfg: ddbFence(true), mode: Graceful, fault: "control-plane-down:" + east, fenced: true, wantPuts: 1, wantEast: "fenced"},
		{name: "dynamodb: Region down, best effort", cfg: ddbFence(false), mode: Graceful, fault: "region-down:" + east, fenced: false, wantEast: sim.UnfencedValue},
		{name: "dynamodb: no such table", cfg: ddbFence(false), mode: Graceful, noTable: true, wantErr: "Terminal"},
		{name: "dynamodb: ungraceful never calls the source", cfg: ddbFence(true), mode: Ungraceful, skipped: true, wantEast: sim.UnfencedValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			if !tt.noParam {
				must(t, e.w.AddParameter(east, fenceParamName, sim.UnfencedValue))
			}
			if !tt.noTable {
				must(t, e.w.AddTable(sim.TableSpec{Region: east, Name: fenceTable, PartitionKey: "app", Replicas: []string{west}}))
				must(t, e.w.PutItem(east, fenceTable, map[string]ddbtypes.AttributeValue{
					"app": &ddbtypes.AttributeValueMemberS{Value: "payments"}, "writes": &ddbtypes.AttributeValueMemberS{Value: sim.UnfencedValue}}))
			}
			if tt.fault != "" {
				if _, err := e.w.InjectSpec(tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			e.w.ResetCalls()
			e.resetTouched()
			b := e.block("fence")
			req := e.req("fence", tt.cfg, tt.mode)
			p, err := b.Start(t.Context(), req)
			wantClass(t, err, tt.wantErr)
			puts := e.w.CallCount("ssm", "PutParameter", "") + e.w.CallCount("dynamodb", "UpdateItem", "")
			if puts != tt.wantPuts {
				t.Errorf("flag writes = %d, want %d", puts, tt.wantPuts)
			}
			if tt.mode == Ungraceful && (e.touched(east) != 0 || e.w.CallCount("", "", east) != 0) {
				t.Errorf("ungraceful run called the source Region (%d clients, %d calls)", e.touched(east), e.w.CallCount("", "", east))
			}
			for _, f := range e.w.Faults() {
				must(t, e.w.Remove(f.ID))
			}
			if got := flagValue(e, tt.cfg, east); !tt.noTable && got != tt.wantEast {
				t.Errorf("flag in %s = %q, want %q", east, got, tt.wantEast)
			}
			if tt.wantErr != "" {
				return
			}
			if !p.Done || p.Outputs["fenced"] != tt.fenced {
				t.Fatalf("progress = %+v, want Done with fenced=%v", p, tt.fenced)
			}
			if tt.skipped != (p.Outputs["skipped"] == true) || (tt.skipped && !strings.Contains(p.Message, "ungraceful")) {
				t.Errorf("skipped: outputs %+v, message %q; want skipped=%v with the reason", p.Outputs, p.Message, tt.skipped)
			}
			if !tt.fenced && p.Outputs["reason"] == nil {
				t.Errorf("outputs %+v lack the reason the fence was not set", p.Outputs)
			}
			if tt.fenced {
				e.w.ResetCalls()
				if _, err := b.Start(t.Context(), req); err != nil || e.w.CallCount("ssm", "PutParameter", "")+e.w.CallCount("dynamodb", "UpdateItem", "") != 0 {
					t.Errorf("Start after Done wrote again (%v)", err)
				}
			}
			if tt.fenced && tt.cfg.DynamoDBItem != nil {
				e.clk.Advance(e.w.Durations().DynamoDBReplication)
				if got := flagValue(e, tt.cfg, west); got != "fenced" {
					t.Errorf("global-table replica in %s = %q after replication, want fenced", west, got)
				}
			}
		})
	}
}

func flagValue(e *env, f *plan.Fence, region string) string {
	if f.DynamoDBItem != nil {
		it, ok := e.w.Item(region, fenceTable, fenceKey)
		if !ok {
			return ""
		}
		if s, ok := it["writes"].(*ddbtypes.AttributeValueMemberS); ok {
			return s.Value
		}
		return "?"
	}
	v, _ := e.w.Parameter(region, fenceParamName)
	return v
}

func TestFenceWithFenceFlags(t *testing.T) {
	tests := []struct {
		name     string
		mode     Mode
		must     bool
		eastDown bool
		wantErr  string
		fenced   bool
		sets     int
	}{
		{name: "the override is used", mode: Graceful, fenced: true, sets: 1},
		{name: "unreachable, best effort", mode: Graceful, eastDown: true},
		{name: "unreachable, must succeed", mode: Graceful, eastDown: true, must: true, wantErr: "Retryable"},
		{name: "ungraceful", mode: Ungraceful, must: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ff := &fakeFence{flags: map[string]string{}, down: map[string]bool{east: tt.eastDown}}
			e := newEnv(t, envOpt{fence: ff})
			e.w.ResetCalls()
			p, err := e.block("fence").Start(t.Context(), e.req("fence", &plan.Fence{SSMParameter: fenceParam, Value: "fenced", MustSucceed: tt.must}, tt.mode))
			wantClass(t, err, tt.wantErr)
			if ff.sets != tt.sets {
				t.Errorf("flag writes = %d, want %d", ff.sets, tt.sets)
			}
			if n := e.w.CallCount("ssm", "", ""); n != 0 {
				t.Errorf("%d SSM calls despite WithFenceFlags", n)
			}
			if err == nil && p.Outputs["fenced"] != tt.fenced {
				t.Errorf("outputs %+v, want fenced=%v", p.Outputs, tt.fenced)
			}
		})
	}
}

func TestFenceCheck(t *testing.T) {
	tests := []struct {
		name  string
		cfg   *plan.Fence
		fault string
		want  string // severity of a fence/readable finding; "" = none
	}{
		{name: "parameter readable", cfg: &plan.Fence{SSMParameter: fenceParam}},
		{name: "missing parameter is fine", cfg: &plan.Fence{SSMParameter: "arn:aws:ssm:" + east + ":" + account + ":parameter/other"}},
		{name: "Region down, best effort", cfg: &plan.Fence{SSMParameter: fenceParam}, fault: "region-down:" + east, want: "warning"},
		{name: "Region down, must succeed", cfg: &plan.Fence{SSMParameter: fenceParam, MustSucceed: true}, fault: "region-down:" + east, want: "error"},
		{name: "no such table", cfg: &plan.Fence{DynamoDBItem: &plan.FenceItem{Table: fenceTableARN, Key: fenceKey, Attribute: "writes"}}, want: "warning"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			must(t, e.w.AddParameter(east, fenceParamName, sim.UnfencedValue))
			if tt.fault != "" {
				if _, err := e.w.InjectSpec(tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			fs, err := e.block("fence").Check(t.Context(), e.req("fence", tt.cfg, Graceful))
			if err != nil {
				t.Fatal(err)
			}
			if got := hasFinding(fs, tt.want, "fence/readable"); tt.want != "" && !got {
				t.Errorf("findings %+v, want a %s fence/readable", fs, tt.want)
			}
			if tt.want == "" && len(fs) != 0 {
				t.Errorf("findings %+v, want none", fs)
			}
		})
	}
}

const (
	esmWest = "1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"
	esmEast = "2b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"
)

var (
	esmWestARN = "arn:aws:lambda:" + west + ":" + account + ":event-source-mapping:" + esmWest
	esmEastARN = "arn:aws:lambda:" + east + ":" + account + ":event-source-mapping:" + esmEast
)

func addMappings(t *testing.T, w *sim.World, enabled bool) {
	t.Helper()
	for _, m := range []struct{ region, uuid string }{{west, esmWest}, {east, esmEast}} {
		must(t, w.AddEventSourceMapping(sim.ESMSpec{Region: m.region, UUID: m.uuid, Enabled: enabled,
			FunctionARN: "arn:aws:lambda:" + m.region + ":" + account + ":function:consumer"}))
	}
}

func TestEventSourceMapping(t *testing.T) {
	tests := []struct {
		name     string
		mappings []string
		state    string
		mode     Mode
		initial  bool   // initial Enabled
		busy     bool   // west is Disabling when the step starts
		fault    string // injected before the run
		wantErr  string
		updates  int // successful UpdateEventSourceMapping calls
		wantOut  string
		want     map[string]string // final states
	}{
		{name: "enable", mappings: []string{esmWestARN}, state: "enabled", mode: Graceful, updates: 1,
			want: map[string]string{esmWest: "Enabled", esmEast: "Disabled"}},
		{name: "enable by UUID in the target Region", mappings: []string{esmWest}, state: "enabled", mode: Graceful, updates: 1,
			want: map[string]string{esmWest: "Enabled"}},
		{name: "already enabled", mappings: []string{esmWestARN}, state: "enabled", mode: Graceful, initial: true, updates: 0,
			want: map[string]string{esmWest: "Enabled"}},
		{name: "disable both Regions, graceful", mappings: []string{esmWestARN, esmEastARN}, state: "disabled", mode: Graceful, initial: true, updates: 2,
			want: map[string]string{esmWest: "Disabled", esmEast: "Disabled"}},
		{name: "source mapping skipped in ungraceful mode", mappings: []string{esmWestARN, esmEastARN}, state: "enabled", mode: Ungraceful, updates: 1, wantOut: "skipped",
			want: map[string]string{esmWest: "Enabled", esmEast: "Disabled"}},
		{name: "waits out a transition in progress", mappings: []string{esmWestARN}, state: "enabled", mode: Graceful, initial: true, busy: true, updates: 1,
			want: map[string]string{esmWest: "Enabled"}},
		{name: "control-plane calls fail while it is down", mappings: []string{esmWestARN}, state: "enabled", mode: Graceful, fault: "control-plane-down:" + west, wantErr: "Retryable"},
		{name: "throttled", mappings: []string{esmWestARN}, state: "enabled", mode: Graceful, fault: "throttle:service=lambda,api=UpdateEventSourceMapping,rate=1", wantErr: "Retryable"},
		{name: "unknown mapping", mappings: []string{"arn:aws:lambda:" + west + ":" + account + ":event-source-mapping:00000000-0000-0000-0000-000000000000"}, state: "enabled", mode: Graceful, wantErr: "Terminal"},
		{name: "mapping named in the wrong Region", mappings: []string{"arn:aws:lambda:" + third + ":" + account + ":event-source-mapping:" + esmWest}, state: "enabled", mode: Graceful, wantErr: "Terminal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			addMappings(t, e.w, tt.initial)
			if tt.busy {
				_, err := e.w.Lambda(west).UpdateEventSourceMapping(t.Context(), updateESMIn(esmWest, false))
				must(t, err)
			}
			if tt.fault != "" {
				if _, err := e.w.InjectSpec(tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			e.w.ResetCalls()
			e.resetTouched()
			p, err := e.run(e.block("event-source-mapping"), e.req("event-source-mapping", &plan.EventSourceMapping{Mappings: tt.mappings, State: tt.state}, tt.mode), 5*time.Minute)
			wantClass(t, err, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if !p.Done {
				t.Fatalf("run = %+v, want Done", p)
			}
			if got := e.w.CallCount("lambda", "UpdateEventSourceMapping", "") - busyAnswers(tt.busy); got != tt.updates {
				t.Errorf("updates = %d, want %d", got, tt.updates)
			}
			if p.Outputs["changed"] != tt.updates {
				t.Errorf("outputs changed = %v, want %d", p.Outputs["changed"], tt.updates)
			}
			for uuid, want := range tt.want {
				if got, err := e.w.EventSourceMappingState(uuid); err != nil || got != want {
					t.Errorf("mapping %s = %s (%v), want %s", uuid, got, err, want)
				}
			}
			if tt.wantOut != "" {
				if _, ok := p.Outputs[tt.wantOut]; !ok {
					t.Errorf("outputs %+v lack %s", p.Outputs, tt.wantOut)
				}
			}
			if tt.mode == Ungraceful && (e.touched(east) != 0 || e.w.CallCount("", "", east) != 0) {
				t.Errorf("ungraceful run called the source Region")
			}
			if !strings.Contains(p.Message, tt.state) {
				t.Errorf("message %q does not say %s", p.Message, tt.state)
			}
		})
	}
}

// busyAnswers is how many UpdateEventSourceMapping calls answered
// ResourceInUseException in the busy case: the first one, made while the
// mapping was still Disabling.
func busyAnswers(busy bool) int {
	if busy {
		return 1
	}
	return 0
}

func TestEventSourceMappingCheck(t *testing.T) {
	tests := []struct {
		name    string
		mapping string
		fault   string
		want    string
	}{
		{name: "readable", mapping: esmWestARN},
		{name: "missing", mapping: "arn:aws:lambda:" + west + ":" + account + ":event-source-mapping:00000000-0000-0000-0000-000000000000", want: "error"},
		{name: "Region down", mapping: esmWestARN, fault: "region-down:" + west, want: "warning"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			addMappings(t, e.w, false)
			if tt.fault != "" {
				if _, err := e.w.InjectSpec(tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			fs, err := e.block("event-source-mapping").Check(t.Context(), e.req("event-source-mapping", &plan.EventSourceMapping{Mappings: []string{tt.mapping}, State: "enabled"}, Graceful))
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" && len(fs) != 0 {
				t.Errorf("findings %+v, want none", fs)
			}
			if tt.want != "" && !hasFinding(fs, tt.want, "event-source-mapping/exists") {
				t.Errorf("findings %+v, want a %s", fs, tt.want)
			}
		})
	}
}

func updateESMIn(uuid string, enabled bool) *lambda.UpdateEventSourceMappingInput {
	return &lambda.UpdateEventSourceMappingInput{UUID: aws.String(uuid), Enabled: aws.Bool(enabled)}
}
