package trigger_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
	"github.com/switchyard-dev/switchyard/shared/trigger"
)

const testPlan = `apiVersion: switchyard.dev/v1
kind: RecoveryPlan
metadata: {name: shop, owner: ops@example.com, version: "1"}
spec:
  approach: active-passive
  regions: [us-east-1, us-west-2]
  primary: us-east-1
  objectives: {rto: 15m, rpo: 30s}
  triggers:
    - name: lag
      conditions:
        - {alarm: "arn:aws:cloudwatch:us-west-2:123456789012:alarm:shop-lag", state: red, for: 2m}
      action: notify
      target: us-west-2
      cooldown: 30m
    - name: errors
      conditions:
        - {alarm: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:shop-5xx", state: red, for: 1m}
      action: failover
      target: us-west-2
      cooldown: 1h
  workflows:
    - name: failover
      kind: activate
      region: us-west-2
      source: us-east-1
      stages:
        - name: verify
          steps:
            - name: alarms
              block: alarm-wait
              with: {alarms: ["arn:aws:cloudwatch:us-west-2:123456789012:alarm:shop-health"]}
`

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

type fakeReadiness struct {
	rep readiness.Report
	err error
}

func (f *fakeReadiness) Evaluate(_ context.Context, p *plan.Plan, target string) (readiness.Report, error) {
	r := f.rep
	r.Plan, r.Target = p.Metadata.Name, target
	return r, f.err
}

type harness struct {
	t        *testing.T
	clk      *clock.Virtual
	hold     func()
	h        *trigger.Handler
	ready    *fakeReadiness
	starter  *trigger.MemoryStarter
	notifier *trigger.RecordingNotifier
	all      []trigger.Decision
}

func newHarness(t *testing.T, region string) *harness {
	t.Helper()
	ps, err := plan.Parse("shop.yaml", []byte(testPlan))
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewVirtual(t0.Add(-10 * time.Minute))
	x := &harness{t: t, clk: clk, hold: clk.Hold(), ready: &fakeReadiness{rep: readiness.Report{Ready: true}},
		starter: &trigger.MemoryStarter{}, notifier: &trigger.RecordingNotifier{}}
	waker := trigger.NewClockWaker(t.Context(), clk, func(d trigger.Decision, err error) {
		if err != nil {
			t.Errorf("recheck: %v", err)
		}
		x.all = append(x.all, d)
	})
	x.h, err = trigger.New(trigger.Options{Plans: readiness.StaticPlans(ps), Store: memory.New(clk), Readiness: x.ready,
		Notifier: x.notifier, Starter: x.starter, Waker: waker, Clock: clk, Region: region})
	if err != nil {
		t.Fatal(err)
	}
	waker.Bind(x.h)
	t.Cleanup(func() { x.hold() })
	return x
}

func (x *harness) in(f func(ctx context.Context)) {
	done := make(chan struct{})
	release := x.hold
	x.clk.Go(func() {
		f(x.t.Context())
		x.hold = x.clk.Hold()
		close(done)
	})
	release()
	<-done
}

func (x *harness) at(d time.Duration) {
	x.in(func(ctx context.Context) { _ = x.clk.Sleep(ctx, t0.Add(d).Sub(x.clk.Now())) })
}

func alarmEvent(region, name, state string, at time.Time) []byte {
	ev := awsevent.AlarmStateChange{Header: awsevent.Header{Version: "0", ID: awsevent.NewID(), DetailType: awsevent.DetailTypeAlarmStateChange,
		Source: awsevent.SourceCloudWatch, Account: "123456789012", Time: at, Region: region,
		Resources: []string{fmt.Sprintf("arn:aws:cloudwatch:%s:123456789012:alarm:%s", region, name)}},
		Detail: awsevent.AlarmStateChangeDetail{AlarmName: name, State: awsevent.AlarmState{Value: state, Timestamp: at.Format(awsevent.AlarmTimestampLayout)}}}
	b, _ := json.Marshal(ev)
	return b
}

func (x *harness) send(region, name, state string, d time.Duration) []trigger.Decision {
	x.at(d)
	var ds []trigger.Decision
	x.in(func(ctx context.Context) {
		var err error
		ds, err = x.h.Handle(ctx, alarmEvent(region, name, state, t0.Add(d)))
		if err != nil {
			x.t.Errorf("Handle: %v", err)
		}
	})
	x.all = append(x.all, ds...)
	return ds
}

func (x *harness) decisions(trig string) []string {
	var out []string
	for _, d := range x.all {
		if d.Trigger == trig {
			out = append(out, d.Decision)
		}
	}
	return out
}

func TestCooldown(t *testing.T) {
	x := newHarness(t, "us-west-2")
	x.send("us-west-2", "shop-lag", "ALARM", 0)
	x.send("us-west-2", "shop-lag", "OK", 3*time.Minute)
	x.send("us-west-2", "shop-lag", "ALARM", 4*time.Minute)
	x.at(10 * time.Minute)
	got := strings.Join(x.decisions("lag"), ",")
	if want := "held,notified,held,held,cooldown"; got != want {
		t.Fatalf("decisions = %s, want %s", got, want)
	}
	if n := len(x.notifier.Notices()); n != 1 {
		t.Errorf("%d notices, want 1", n)
	}
}

func TestReadinessErrorStartsNothing(t *testing.T) {
	x := newHarness(t, "us-west-2")
	x.ready.err = errors.New("evaluation cancelled")
	x.send("us-east-1", "shop-5xx", "ALARM", 0)
	x.at(2 * time.Minute)
	if got := strings.Join(x.decisions("errors"), ","); got != "held,not-ready" {
		t.Fatalf("decisions = %s", got)
	}
	if len(x.starter.Started()) != 0 {
		t.Fatal("started despite a failed readiness evaluation")
	}
}

func TestBothRegionsStartTheSameExecution(t *testing.T) {
	var tokens []string
	for _, region := range []string{"us-east-1", "us-west-2"} {
		x := newHarness(t, region)
		x.send("us-east-1", "shop-5xx", "ALARM", 0)
		x.at(2 * time.Minute)
		st := x.starter.Started()
		if len(st) != 1 || st[0].WaitForApproval {
			t.Fatalf("%s: started %+v, want one automatic failover", region, st)
		}
		tokens = append(tokens, st[0].ClientToken)
	}
	if tokens[0] != tokens[1] {
		t.Fatalf("client tokens differ between Regions: %v", tokens)
	}
}

type fakeSFN struct {
	names []string
}

func (f *fakeSFN) StartExecution(_ context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	for _, n := range f.names {
		if n == aws.ToString(in.Name) {
			return nil, &sfntypes.ExecutionAlreadyExists{Message: aws.String("Execution Already Exists")}
		}
	}
	f.names = append(f.names, aws.ToString(in.Name))
	return &sfn.StartExecutionOutput{ExecutionArn: aws.String("arn:aws:states:us-west-2:123456789012:execution:execute-plan:" + aws.ToString(in.Name))}, nil
}

func TestSFNStarterIsIdempotent(t *testing.T) {
	f := &fakeSFN{}
	s := trigger.SFNStarter{Client: f, StateMachineArn: "arn:aws:states:us-west-2:123456789012:stateMachine:execute-plan"}
	req := trigger.StartRequest{Plan: "shop", Target: "us-west-2", ClientToken: trigger.ClientToken("shop", "errors", "us-west-2", t0)}
	a, err := s.Start(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Start(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if a != b || len(f.names) != 1 {
		t.Fatalf("second start: %s vs %s, %d executions", a, b, len(f.names))
	}
}
