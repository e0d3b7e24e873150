package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/api"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
)

const smArn = "arn:aws:states:us-west-2:123456789012:stateMachine:switchyard-execute-plan"

// fakeSFN keeps executions by name with Step Functions' idempotency: the
// same name and input returns the same execution, another input is
// ExecutionAlreadyExists.
type fakeSFN struct {
	mu     sync.Mutex
	execs  map[string]*sfn.DescribeExecutionOutput
	starts int
	stops  []string
}

func newFakeSFN() *fakeSFN { return &fakeSFN{execs: map[string]*sfn.DescribeExecutionOutput{}} }

func (f *fakeSFN) StartExecution(_ context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	arn := strings.Replace(aws.ToString(in.StateMachineArn), ":stateMachine:", ":execution:", 1) + ":" + aws.ToString(in.Name)
	if e, ok := f.execs[arn]; ok {
		if aws.ToString(e.Input) == aws.ToString(in.Input) && e.Status == sfntypes.ExecutionStatusRunning {
			return &sfn.StartExecutionOutput{ExecutionArn: aws.String(arn), StartDate: e.StartDate}, nil
		}
		return nil, &sfntypes.ExecutionAlreadyExists{Message: aws.String("Execution Already Exists: '" + arn + "'")}
	}
	f.starts++
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	f.execs[arn] = &sfn.DescribeExecutionOutput{ExecutionArn: aws.String(arn), Name: in.Name, Input: in.Input,
		StateMachineArn: in.StateMachineArn, Status: sfntypes.ExecutionStatusRunning, StartDate: &now}
	return &sfn.StartExecutionOutput{ExecutionArn: aws.String(arn), StartDate: &now}, nil
}

func (f *fakeSFN) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.execs[aws.ToString(in.ExecutionArn)]
	if !ok {
		return nil, &sfntypes.ExecutionDoesNotExist{Message: aws.String("Execution Does Not Exist")}
	}
	c := *e
	return &c, nil
}

func (f *fakeSFN) StopExecution(_ context.Context, in *sfn.StopExecutionInput, _ ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.execs[aws.ToString(in.ExecutionArn)]
	if !ok {
		return nil, &sfntypes.ExecutionDoesNotExist{Message: aws.String("Execution Does Not Exist")}
	}
	e.Status, e.Error, e.Cause = sfntypes.ExecutionStatusAborted, in.Error, in.Cause
	f.stops = append(f.stops, aws.ToString(in.ExecutionArn))
	return &sfn.StopExecutionOutput{}, nil
}

func (f *fakeSFN) startCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.starts
}

// fakeApproval votes in the store and records task completions.
type fakeApproval struct {
	st *memory.Store

	mu        sync.Mutex
	completed []store.Approval
}

func (f *fakeApproval) Answer(ctx context.Context, id string, v store.Vote) (store.VoteResult, error) {
	res, err := f.st.VoteApproval(ctx, id, v)
	if err == nil && res.Completed {
		f.mu.Lock()
		f.completed = append(f.completed, res.Approval)
		f.mu.Unlock()
	}
	return res, err
}

func (f *fakeApproval) completions() []store.Approval {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]store.Approval(nil), f.completed...)
}

const (
	oncall    = "arn:aws:iam::123456789012:role/payments-oncall"
	oncallSTS = "arn:aws:sts::123456789012:assumed-role/payments-oncall/alice"
	stranger  = "arn:aws:sts::123456789012:assumed-role/developer/mallory"
)

type env struct {
	clk      *clock.Virtual
	st       *memory.Store
	sfn      *fakeSFN
	approval *fakeApproval
	backend  *api.AWSBackend
	srv      *httptest.Server
	changed  []string
	version  string
}

// newEnv serves the API over the AWS backend with a fake Step Functions and
// the in-memory store holding the example plans. The caller is taken from
// the X-Test-Caller header.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{clk: clock.NewVirtual(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)), sfn: newFakeSFN()}
	e.st = memory.New(e.clk)
	e.approval = &fakeApproval{st: e.st}
	for _, f := range []string{"payments.yaml", "storefront.yaml"} {
		plans, err := plan.ParseFile("../../examples/plans/" + f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := plans[0].CanonicalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.st.PutPlan(t.Context(), store.PlanVersion{Name: plans[0].Metadata.Name, Version: plans[0].Fingerprint(), Document: doc}); err != nil {
			t.Fatal(err)
		}
		if plans[0].Metadata.Name == "payments" {
			e.version = plans[0].Fingerprint()
		}
	}
	var mu sync.Mutex
	b, err := api.NewAWSBackend(api.AWSConfig{
		SFN: e.sfn, StateMachineArn: smArn, Store: e.st, Answerer: e.approval, Clock: e.clk, Region: "us-west-2",
		OnApprovalChanged: func(_ context.Context, id string) { mu.Lock(); e.changed = append(e.changed, id); mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	e.backend = b
	h := api.NewHandler(b, api.NewStorePlans(e.st), api.WithCaller(func(r *http.Request) string { return r.Header.Get("X-Test-Caller") }),
		api.WithLogger(discard()))
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e
}
