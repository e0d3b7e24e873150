package trigger_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/trigger"
)

const (
	payments  = "examples/plans/payments.yaml"
	alarmUp   = "alarm-payments-api-5xx-ok-to-alarm.json"
	alarmDown = "alarm-payments-api-5xx-alarm-to-ok.json"
	lagSample = "alarm-aurora-replication-lag.json"
)

// t0 is the 5xx sample's state change (02:59:59.989 rounded for readability).
var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func TestHeld5xxStartsFailoverWithApproval(t *testing.T) {
	e := newEnv(t, loadPlan(t, payments), envOptions{})
	e.until(t0)
	ds := e.deliver(sample(t, alarmUp, "", time.Time{}))
	if len(ds) != 1 || ds[0].Decision != awsevent.DecisionHeld || ds[0].Trigger != "api-5xx" {
		t.Fatalf("first decision = %v, want one held decision of api-5xx", ds)
	}
	if ds[0].WakeAt.IsZero() {
		t.Fatalf("held decision has no re-check time: %v", ds[0])
	}
	e.until(t0.Add(4 * time.Minute))
	t.Log("\n" + e.dump())
	started := e.starter.Started()
	if len(started) != 1 {
		t.Fatalf("started %d executions, want 1\n%s", len(started), e.dump())
	}
	s := started[0]
	if !s.WaitForApproval || s.Target != "us-west-2" || s.Source != "us-east-1" || s.Plan != "payments" {
		t.Errorf("start request = %+v, want payments into us-west-2 from us-east-1 waiting for approval", s)
	}
	st := e.decided(awsevent.DecisionStarted)
	if len(st) != 1 || st[0].ExecutionID == "" || st[0].DecidedAt.Before(t0.Add(3*time.Minute-time.Second)) {
		t.Fatalf("started decisions = %v, want one at or after the 3m hold", st)
	}
	audit, err := e.store.ListAudit(t.Context(), trigger.AuditLog("payments", "api-5xx"), 0, 0)
	if err != nil || len(audit) < 2 {
		t.Fatalf("audit of api-5xx = %d records, %v; want the held and the started decisions", len(audit), err)
	}
	var sawEvent bool
	for _, raw := range e.events {
		var ev awsevent.TriggerDecision
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		sawEvent = sawEvent || (ev.DetailType == awsevent.DetailTypeTriggerDecision && ev.Detail.Decision == awsevent.DecisionStarted && ev.Detail.ExecutionID == st[0].ExecutionID)
	}
	if !sawEvent {
		t.Error("no Trigger Decision event for the start")
	}
}

func TestFlappingInsideDurationStartsNothing(t *testing.T) {
	e := newEnv(t, loadPlan(t, payments), envOptions{})
	steps := []struct {
		at    time.Duration
		state string
	}{
		{0, awsevent.AlarmStateAlarm},
		{time.Minute, awsevent.AlarmStateOK},
		{2 * time.Minute, awsevent.AlarmStateAlarm},
		{4 * time.Minute, awsevent.AlarmStateOK},
		{5 * time.Minute, awsevent.AlarmStateAlarm},
		{7 * time.Minute, awsevent.AlarmStateOK},
	}
	for _, s := range steps {
		e.until(t0.Add(s.at))
		e.deliver(sample(t, alarmUp, s.state, t0.Add(s.at)))
	}
	e.until(t0.Add(15 * time.Minute))
	if n := len(e.starter.Started()); n != 0 {
		t.Fatalf("flapping alarm started %d execution(s)\n%s", n, e.dump())
	}
	if len(e.decided(awsevent.DecisionHeld)) == 0 {
		t.Fatalf("no held decisions\n%s", e.dump())
	}
}

func TestStormStartsAtMostOne(t *testing.T) {
	e := newEnv(t, loadPlan(t, payments), envOptions{})
	e.until(t0)
	ev := sample(t, alarmUp, "", time.Time{})
	storm := func(n int, data func(i int) []byte) {
		e.inClock(func(ctx context.Context) {
			done := e.clk.NewEvent()
			var mu sync.Mutex
			left := n
			for i := range n {
				e.clk.Go(func() {
					ds, err := e.h.Handle(ctx, data(i))
					if err != nil {
						t.Errorf("Handle: %v", err)
					}
					e.note(ds...)
					mu.Lock()
					left--
					if left == 0 {
						done.Fire()
					}
					mu.Unlock()
				})
			}
			_ = done.Wait(ctx, 0)
		})
	}
	// 100 deliveries of the same event at once, as a retrying bus and two
	// Regions' rules would produce.
	storm(100, func(int) []byte { return ev })
	e.until(t0.Add(3*time.Minute + 30*time.Second))
	// A second wave after the deadline: the same event again, re-emitted
	// copies with new ids and the same state time, and schedule ticks.
	sched := []byte(`{"version":"0","id":"s-1","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-11-22T03:03:30Z","region":"us-west-2","resources":["arn:aws:events:us-west-2:123456789012:rule/switchyard-readiness"],"detail":{}}`)
	storm(100, func(i int) []byte {
		switch i % 3 {
		case 0:
			return ev
		case 1:
			return sched
		default:
			return sample(t, alarmUp, awsevent.AlarmStateAlarm, time.Date(2026, 11, 22, 2, 59, 59, 989_000_000, time.UTC))
		}
	})
	e.until(t0.Add(10 * time.Minute))
	if n := len(e.starter.Started()); n != 1 {
		t.Fatalf("storm started %d executions, want exactly 1", n)
	}
	if len(e.decided(awsevent.DecisionDuplicate)) < 99 {
		t.Errorf("duplicates = %d, want at least 99", len(e.decided(awsevent.DecisionDuplicate)))
	}
}

func TestMissingSecretIsNotReady(t *testing.T) {
	e := newEnv(t, loadPlan(t, payments), envOptions{secrets: []string{"switchyard/slack-bot-token", "switchyard/pagerduty-routing-key"}})
	e.until(t0)
	e.deliver(sample(t, alarmUp, "", time.Time{}))
	e.until(t0.Add(5 * time.Minute))
	if n := len(e.starter.Started()); n != 0 {
		t.Fatalf("started %d execution(s) toward a target with a missing secret", n)
	}
	nr := e.decided(awsevent.DecisionNotReady)
	if len(nr) == 0 || !strings.Contains(nr[0].Reason, "secret switchyard/pagerduty-routing-key is missing in us-west-2") {
		t.Fatalf("not-ready decisions = %v, want one naming the missing secret\n%s", nr, e.dump())
	}
}

func TestReplicationLagNotifiesAndBlocksAutomaticFailover(t *testing.T) {
	p := loadPlan(t, payments, "action: failover-with-approval", "action: failover")
	if p.Spec.Triggers[0].Action != plan.ActionFailover {
		t.Fatalf("test plan: trigger 0 action = %s", p.Spec.Triggers[0].Action)
	}
	e := newEnv(t, p, envOptions{faults: []string{"lag-spike:cluster=payments-global,seconds=45,hold=7200"}})
	lagAt := time.Date(2026, 11, 22, 3, 2, 10, 0, time.UTC)
	e.until(t0)
	e.deliver(sample(t, alarmUp, "", time.Time{}))
	e.until(lagAt)
	e.deliver(sample(t, lagSample, "", time.Time{}))
	e.until(lagAt.Add(5 * time.Minute))
	t.Log("\n" + e.dump())
	if n := len(e.starter.Started()); n != 0 {
		t.Fatalf("automatic failover started with replication lag above the RPO\n%s", e.dump())
	}
	blocked := e.decided(awsevent.DecisionBlocked)
	if len(blocked) == 0 || blocked[0].Trigger != "api-5xx" || !strings.Contains(blocked[0].Reason, "replication lag") {
		t.Fatalf("blocked decisions = %v, want api-5xx blocked by replication lag\n%s", blocked, e.dump())
	}
	notified := e.decided(awsevent.DecisionNotified)
	if len(notified) == 0 || notified[0].Trigger != "replication-lag" {
		t.Fatalf("notified decisions = %v, want the replication-lag trigger\n%s", notified, e.dump())
	}
	var lagNotice, blockNotice bool
	for _, n := range e.notifier.Notices() {
		lagNotice = lagNotice || (n.Trigger == "replication-lag" && n.Decision == awsevent.DecisionNotified)
		blockNotice = blockNotice || (n.Trigger == "api-5xx" && n.Decision == awsevent.DecisionBlocked)
	}
	if !lagNotice || !blockNotice {
		t.Errorf("notices: lag=%t block=%t, want both\n%v", lagNotice, blockNotice, e.notifier.Notices())
	}
}

func TestUnrelatedAlarmIsIgnored(t *testing.T) {
	e := newEnv(t, loadPlan(t, payments), envOptions{})
	ds := e.deliver(sample(t, "alarm-route53-health-check.json", "", time.Time{}))
	if len(ds) != 1 || ds[0].Decision != awsevent.DecisionIgnored {
		t.Fatalf("decisions = %v, want one ignored", ds)
	}
}
