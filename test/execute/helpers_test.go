package execute_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/executor"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/runtime"
	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
)

var epoch = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

// stepSpec is one step of a generated test plan.
type stepSpec struct {
	name       string
	block      string // default http-check
	timeout    string // default 5m
	retry      int    // retry.attempts (default 0)
	planRetry  bool   // no retry field: the plan model's default policy
	onFailure  string // default abort
	ungraceful string // ungraceful.behavior (default run)
	with       string // the step's `with` as flow YAML (default per block)
}

// planSpec generates a two-Region plan failing over into us-west-2.
type planSpec struct {
	name     string
	approval bool // spec.approval present
	stages   [][]stepSpec
}

func (ps planSpec) yaml() string {
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: switchyard.dev/v1
kind: RecoveryPlan
metadata: {name: %s, owner: team@example.com, version: "1"}
spec:
  approach: active-passive
  regions: [us-east-1, us-west-2]
  primary: us-east-1
  objectives: {rto: 15m, rpo: 30s}
`, ps.name)
	if ps.approval {
		b.WriteString("  approval: {slack: {channel: C0TESTCHAN, approvers: [U01ALICE, U02BOBBY]}, quorum: 1, timeout: 30m}\n")
	}
	b.WriteString("  triggers: []\n  workflows:\n    - name: failover\n      kind: activate\n      region: us-west-2\n      stages:\n")
	for i, st := range ps.stages {
		fmt.Fprintf(&b, "        - name: stage-%d\n          steps:\n", i+1)
		for _, s := range st {
			block, timeout, onFailure := s.block, s.timeout, s.onFailure
			if block == "" {
				block = "http-check"
			}
			if timeout == "" {
				timeout = "5m"
			}
			if onFailure == "" {
				onFailure = "abort"
			}
			fmt.Fprintf(&b, "            - name: %s\n              block: %s\n              timeout: %s\n              onFailure: %s\n", s.name, block, timeout, onFailure)
			if !s.planRetry {
				fmt.Fprintf(&b, "              retry: {attempts: %d, interval: 10s, backoffRate: 2}\n", s.retry)
			}
			if s.ungraceful != "" {
				fmt.Fprintf(&b, "              ungraceful: {behavior: %s}\n", s.ungraceful)
			}
			if s.with != "" {
				fmt.Fprintf(&b, "              with: %s\n", s.with)
			} else if block == "http-check" {
				b.WriteString("              with: {url: \"https://api.example.com/health\"}\n")
			} else if block == "approval" {
				b.WriteString("              with: {message: approve}\n")
			}
		}
	}
	return b.String()
}

func (ps planSpec) parse(t *testing.T) *plan.Plan {
	t.Helper()
	ps1, err := plan.Parse(ps.name+".yaml", []byte(ps.yaml()))
	if err != nil {
		t.Fatalf("test plan does not parse: %v\n%s", err, ps.yaml())
	}
	return ps1[0]
}

// behaviour scripts a step's block: Start and Poll return what it says for
// the n-th call (counted per step across attempts, from 1).
type behaviour func(op string, n int, req blocks.Request) (blocks.Progress, error)

// fakeBlock is a hand-written fake of every block, keyed by step name.
type fakeBlock struct {
	mu     sync.Mutex
	script map[string]behaviour
	calls  map[string][]string // step → "start#attempt(mode)" / "poll#attempt"
}

func (f *fakeBlock) Block(string) (blocks.Block, bool) { return f, true }

func (f *fakeBlock) call(op string, req blocks.Request) (blocks.Progress, error) {
	f.mu.Lock()
	f.calls[req.Step.Name] = append(f.calls[req.Step.Name], fmt.Sprintf("%s#%d(%s)", op, req.Attempt, req.Mode))
	n := len(f.calls[req.Step.Name])
	b := f.script[req.Step.Name]
	f.mu.Unlock()
	if b == nil {
		b = succeedAfterPoll
	}
	return b(op, n, req)
}

func (f *fakeBlock) Start(_ context.Context, req blocks.Request) (blocks.Progress, error) {
	return f.call("start", req)
}

func (f *fakeBlock) Poll(_ context.Context, req blocks.Request) (blocks.Progress, error) {
	return f.call("poll", req)
}

func (f *fakeBlock) callsOf(step string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls[step]...)
}

// succeedAfterPoll: Start asks for a poll in 10 s; the first Poll is done.
func succeedAfterPoll(op string, _ int, req blocks.Request) (blocks.Progress, error) {
	if op == "start" {
		return blocks.Progress{PollAfter: 10 * time.Second, Message: "started"}, nil
	}
	return blocks.Progress{Done: true, Message: "done", Outputs: map[string]any{"rpoSeconds": 0}}, nil
}

// failAttempts fails the first n Starts (terminally), then succeeds.
func failAttempts(n int) behaviour {
	return func(op string, k int, req blocks.Request) (blocks.Progress, error) {
		if op == "start" && req.Attempt <= n {
			return blocks.Progress{}, &errclass.Terminal{Op: fmt.Sprintf("attempt %d broke", req.Attempt)}
		}
		return succeedAfterPoll(op, k, req)
	}
}

// failGraceful fails every graceful attempt; ungraceful succeeds.
func failGraceful(op string, k int, req blocks.Request) (blocks.Progress, error) {
	if req.Mode == blocks.Graceful {
		return blocks.Progress{}, &errclass.Conflict{Resource: "global cluster", Message: "source Region unreachable: switchover impossible"}
	}
	return succeedAfterPoll(op, k, req)
}

// never never completes.
func never(op string, _ int, _ blocks.Request) (blocks.Progress, error) {
	return blocks.Progress{PollAfter: 30 * time.Second, Message: "still going"}, nil
}

// env is one runtime over a fresh store and a virtual clock.
type env struct {
	rt    *runtime.Runtime
	st    *memory.Store
	clk   *clock.Virtual
	fake  *fakeBlock
	plans []*plan.Plan
}

func newEnv(t *testing.T, approver runtime.Approver, script map[string]behaviour, plans ...*plan.Plan) *env {
	t.Helper()
	return newEnvWith(t, approver, script, nil, plans...)
}

func newEnvWith(t *testing.T, approver runtime.Approver, script map[string]behaviour, edit func(*runtime.Config), plans ...*plan.Plan) *env {
	t.Helper()
	clk := clock.NewVirtual(epoch)
	st := memory.New(clk)
	fake := &fakeBlock{script: script, calls: map[string][]string{}}
	defs := os.DirFS("../../statemachines")
	cfg := runtime.Config{Clock: clk, Store: st, Blocks: fake, Plans: plans, Region: "us-west-2",
		Definitions: defs, Approver: approver, Logger: slog.New(slog.DiscardHandler)}
	if edit != nil {
		edit(&cfg)
	}
	rt, err := runtime.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{rt: rt, st: st, clk: clk, fake: fake, plans: plans}
}

func (e *env) run(t *testing.T, name, input string) *sfn.DescribeExecutionOutput {
	t.Helper()
	arn, err := e.rt.StartRaw(t.Context(), name, input)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	d, err := e.rt.Wait(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// states lists the states entered by an execution and all its run-step
// children, as "Name" (parent) and "step/Name" (child, by step name).
func (e *env) states(t *testing.T, arn string) (parent []string, children map[string][]string) {
	t.Helper()
	eng := e.rt.Engine()
	hist, err := eng.History(arn)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range hist {
		if d := ev.StateEnteredEventDetails; d != nil {
			parent = append(parent, *d.Name)
		}
	}
	children = map[string][]string{}
	list, err := eng.ListExecutions(t.Context(), &sfn.ListExecutionsInput{StateMachineArn: ptr(e.rt.StateMachineArn(runtime.RunStep))})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range list.Executions {
		h, err := eng.History(*x.ExecutionArn)
		if err != nil {
			t.Fatal(err)
		}
		var in struct {
			Step executor.StepItem `json:"step"`
		}
		var names []string
		for _, ev := range h {
			if d := ev.ExecutionStartedEventDetails; d != nil {
				_ = json.Unmarshal([]byte(*d.Input), &in)
			}
			if d := ev.StateEnteredEventDetails; d != nil {
				names = append(names, *d.Name)
			}
		}
		children[in.Step.Name] = names
	}
	return parent, children
}

func (e *env) childArns(t *testing.T) []string {
	t.Helper()
	list, err := e.rt.Engine().ListExecutions(t.Context(), &sfn.ListExecutionsInput{StateMachineArn: ptr(e.rt.StateMachineArn(runtime.RunStep))})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range list.Executions {
		out = append(out, *x.ExecutionArn)
	}
	return out
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func ptr[T any](v T) *T { return &v }

func contains(list []string, want ...string) bool {
	i := 0
	for _, s := range list {
		if i < len(want) && s == want[i] {
			i++
		}
	}
	return i == len(want)
}

// stepStatuses reads the store's step records.
func (e *env) stepStatuses(t *testing.T, execution string) map[string]store.Step {
	t.Helper()
	steps, err := e.st.ListSteps(t.Context(), execution)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Step{}
	for _, s := range steps {
		out[s.Name] = s
	}
	return out
}

func (e *env) lockFree(t *testing.T, planName string) bool {
	t.Helper()
	_, err := e.st.GetLock(t.Context(), planName)
	return err != nil
}

func status(d *sfn.DescribeExecutionOutput) string {
	s := string(d.Status)
	if d.Status != sfntypes.ExecutionStatusSucceeded && d.Error != nil {
		s += " " + *d.Error
	}
	return s
}
