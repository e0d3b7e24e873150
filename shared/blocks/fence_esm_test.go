package blocks

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/switchyard-dev/switchyard/shared/awsapi"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// fakeFence keeps flags per Region; a Region in down refuses connections.
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

func TestFence(t *testing.T) {
	param := "arn:aws:ssm:" + east + ":" + account + ":parameter/payments/write-fence"
	tests := []struct {
		name       string
		mode       Mode
		must       bool
		noFlags    bool
		eastDown   bool
		wantErr    string
		wantFenced bool
		wantSets   int
	}{
		{name: "graceful sets the flag", mode: Graceful, wantFenced: true, wantSets: 1},
		{name: "graceful, Region unreachable, best effort", mode: Graceful, eastDown: true, wantFenced: false},
		{name: "graceful, Region unreachable, must succeed", mode: Graceful, eastDown: true, must: true, wantErr: "Retryable"},
		{name: "ungraceful never calls the source", mode: Ungraceful, wantFenced: false},
		{name: "ungraceful, must succeed, still never calls the source", mode: Ungraceful, must: true, wantFenced: false},
		{name: "no flag access configured, must succeed", mode: Graceful, noFlags: true, must: true, wantErr: "Terminal"},
		{name: "no flag access configured", mode: Graceful, noFlags: true, wantFenced: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ff := &fakeFence{flags: map[string]string{}, down: map[string]bool{east: tt.eastDown}}
			o := envOpt{fence: ff}
			if tt.noFlags {
				o.fence = nil
			}
			e := newEnv(t, o)
			b := e.block("fence")
			req := e.req("fence", &plan.Fence{SSMParameter: param, Value: "fenced", MustSucceed: tt.must}, tt.mode)
			p, err := b.Start(t.Context(), req)
			wantClass(t, err, tt.wantErr)
			if ff.sets != tt.wantSets {
				t.Errorf("flag writes = %d, want %d", ff.sets, tt.wantSets)
			}
			if tt.wantErr != "" {
				return
			}
			if !p.Done || p.Outputs["fenced"] != tt.wantFenced {
				t.Fatalf("progress = %+v, want Done with fenced=%v", p, tt.wantFenced)
			}
			if tt.wantFenced {
				if _, err := b.Start(t.Context(), req); err != nil || ff.sets != tt.wantSets {
					t.Errorf("Start after Done wrote again (%d writes, %v)", ff.sets, err)
				}
			}
		})
	}
}

// fakeESM is a Lambda client with event source mappings that take one
// read to settle after an update.
type fakeESM struct {
	sim     awsapi.Lambda
	mu      sync.Mutex
	state   map[string]string
	updates int
}

func (f *fakeESM) Invoke(ctx context.Context, in *lambda.InvokeInput, o ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	return f.sim.Invoke(ctx, in, o...)
}

func (f *fakeESM) GetEventSourceMapping(_ context.Context, in *lambda.GetEventSourceMappingInput, _ ...func(*lambda.Options)) (*lambda.GetEventSourceMappingOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.state[*in.UUID]
	out := &lambda.GetEventSourceMappingOutput{UUID: in.UUID, State: aws.String(st)}
	switch st {
	case "Enabling":
		f.state[*in.UUID] = "Enabled"
	case "Disabling":
		f.state[*in.UUID] = "Disabled"
	}
	return out, nil
}

func (f *fakeESM) UpdateEventSourceMapping(_ context.Context, in *lambda.UpdateEventSourceMappingInput, _ ...func(*lambda.Options)) (*lambda.UpdateEventSourceMappingOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates++
	if aws.ToBool(in.Enabled) {
		f.state[*in.UUID] = "Enabling"
	} else {
		f.state[*in.UUID] = "Disabling"
	}
	return &lambda.UpdateEventSourceMappingOutput{UUID: in.UUID}, nil
}

func TestEventSourceMapping(t *testing.T) {
	const uuid = "1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"
	westARN := "arn:aws:lambda:" + west + ":" + account + ":event-source-mapping:" + uuid
	eastARN := "arn:aws:lambda:" + east + ":" + account + ":event-source-mapping:2b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"
	tests := []struct {
		name        string
		mappings    []string
		mode        Mode
		initial     string
		noESM       bool
		wantUpdates int
		wantOut     string
	}{
		{name: "enable", mappings: []string{westARN}, mode: Graceful, initial: "Disabled", wantUpdates: 1},
		{name: "already enabled", mappings: []string{uuid}, mode: Graceful, initial: "Enabled", wantUpdates: 0},
		{name: "source mapping skipped in ungraceful mode", mappings: []string{westARN, eastARN}, mode: Ungraceful, initial: "Disabled", wantUpdates: 1, wantOut: "skipped"},
		{name: "client without the calls", mappings: []string{westARN}, mode: Graceful, noESM: true, wantOut: "unsupported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			f := &fakeESM{sim: e.w.Lambda(west), state: map[string]string{uuid: tt.initial, "2b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b": tt.initial}}
			if !tt.noESM {
				e.cl.lambda = f
			}
			e.resetTouched()
			p, err := e.run(e.block("event-source-mapping"), e.req("event-source-mapping", &plan.EventSourceMapping{Mappings: tt.mappings, State: "enabled"}, tt.mode), 5*time.Minute)
			if err != nil || !p.Done {
				t.Fatalf("run = %+v, %v", p, err)
			}
			if f.updates != tt.wantUpdates {
				t.Errorf("updates = %d, want %d", f.updates, tt.wantUpdates)
			}
			if tt.wantOut != "" {
				if _, ok := p.Outputs[tt.wantOut]; !ok {
					t.Errorf("outputs %+v lack %s", p.Outputs, tt.wantOut)
				}
			}
			if tt.mode == Ungraceful && e.touched(east) != 0 {
				t.Errorf("ungraceful run called the source Region")
			}
			if !tt.noESM && !strings.Contains(p.Message, "enabled") {
				t.Errorf("message %q", p.Message)
			}
		})
	}
}
