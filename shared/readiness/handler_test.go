package readiness_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
)

func TestHandlerEmitsReadinessChangedOnlyOnChange(t *testing.T) {
	p := loadPlan(t, "examples/plans/payments.yaml")
	clk, w, e := setup(t, p, nil)
	var events [][]byte
	var metrics bytes.Buffer
	h, err := readiness.NewHandler(readiness.HandlerOptions{Evaluator: e, Plans: readiness.StaticPlans{p}, Store: memory.New(clk),
		Region: "us-west-2", Account: "123456789012", Metrics: &metrics,
		Events: readiness.PublisherFunc(func(_ context.Context, b []byte) error { events = append(events, b); return nil })})
	if err != nil {
		t.Fatal(err)
	}
	handle := func() []readiness.Outcome {
		t.Helper()
		var out []readiness.Outcome
		var herr error
		done := make(chan struct{})
		clk.Go(func() {
			defer close(done)
			out, herr = h.Handle(t.Context(), json.RawMessage(`{"plan":"payments"}`))
		})
		<-done
		if herr != nil {
			t.Fatal(herr)
		}
		return out
	}
	steps := []struct {
		name        string
		fault       string
		wantReady   bool
		wantChanged bool
	}{
		{"first report", "", true, true},
		{"same again", "", true, false},
		{"lag above RPO", "lag-spike:cluster=payments-global,seconds=120,hold=3600", false, true},
		{"still lagging", "", false, false},
	}
	for i, s := range steps {
		if s.fault != "" {
			if _, err := w.InjectSpec(s.fault); err != nil {
				t.Fatal(err)
			}
			// The simulator's lag metric has one point per minute, at the
			// minute's start: let the next one come.
			done := make(chan struct{})
			clk.Go(func() {
				defer close(done)
				_ = clk.Sleep(t.Context(), time.Minute)
			})
			<-done
		}
		out := handle()
		if len(out) != 1 || out[0].Report.Ready != s.wantReady || out[0].Changed != s.wantChanged {
			t.Fatalf("%s: outcome %+v, want ready=%t changed=%t", s.name, out, s.wantReady, s.wantChanged)
		}
		if want := countTrue(steps[:i+1]); len(events) != want {
			t.Fatalf("%s: %d Readiness Changed events, want %d", s.name, len(events), want)
		}
	}
	var ev awsevent.ReadinessChanged
	if err := json.Unmarshal(events[1], &ev); err != nil {
		t.Fatal(err)
	}
	if ev.DetailType != awsevent.DetailTypeReadinessChanged || ev.Detail.Ready || ev.Detail.PreviousReady == nil || !*ev.Detail.PreviousReady || ev.Detail.Counts.Critical != 1 {
		t.Errorf("second event = %+v", ev)
	}
	lines := strings.Split(strings.TrimSpace(metrics.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d metric lines, want one per evaluation", len(lines))
	}
	var emf map[string]any
	if err := json.Unmarshal([]byte(lines[2]), &emf); err != nil {
		t.Fatal(err)
	}
	if emf["Ready"] != float64(0) || emf["Plan"] != "payments" || emf["Region"] != "us-west-2" || emf["_aws"] == nil {
		t.Errorf("EMF line = %s", lines[2])
	}
}

func countTrue(steps []struct {
	name        string
	fault       string
	wantReady   bool
	wantChanged bool
}) int {
	n := 0
	for _, s := range steps {
		if s.wantChanged {
			n++
		}
	}
	return n
}

// fakeCheckers answers every block with fixed findings, or an error.
type fakeCheckers struct {
	findings []readiness.Finding
	err      error
	mu       sync.Mutex
	seen     []string
}

type fakeChecker struct{ f *fakeCheckers }

func (f *fakeCheckers) StepChecker(block string) (readiness.StepChecker, bool) {
	if block != "ecs-scale" {
		return nil, false
	}
	return fakeChecker{f}, true
}

func (c fakeChecker) CheckStep(_ context.Context, req readiness.StepRequest) ([]readiness.Finding, error) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	c.f.seen = append(c.f.seen, req.Step.Name+"→"+req.Target)
	return c.f.findings, c.f.err
}

func TestStepCheckers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fc        *fakeCheckers
		wantReady bool
		want      string
	}{
		{"block error finding", &fakeCheckers{findings: []readiness.Finding{{Severity: "error", Check: "ecs-scale/quota", Message: "tasks quota reached"}}}, false, "tasks quota reached"},
		{"block warning", &fakeCheckers{findings: []readiness.Finding{{Severity: "warning", Check: "ecs-scale/peak", Message: "no metrics"}}}, true, "no metrics"},
		{"checker fails", &fakeCheckers{err: errors.New("boom")}, false, "the ecs-scale check of step scale-api failed: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := loadPlan(t, "examples/plans/payments.yaml")
			clk, _, e := setup(t, p, func(o *readiness.Options) { o.Checkers = tc.fc })
			rep := evaluate(t, t.Context(), clk, e, p, "us-west-2")
			if rep.Ready != tc.wantReady || !strings.Contains(rep.Text(), tc.want) {
				t.Fatalf("ready=%t, want %t with %q:\n%s", rep.Ready, tc.wantReady, tc.want, rep.Text())
			}
			if len(tc.fc.seen) != 2 {
				t.Errorf("checked %v, want the two ecs-scale steps into us-west-2", tc.fc.seen)
			}
		})
	}
}

func TestDigestIgnoresChangingFigures(t *testing.T) {
	a := readiness.Report{Ready: false, Findings: []readiness.Finding{{Severity: readiness.Critical, Check: "aurora-global/replication-lag", Resource: "c", Message: "lag 45s"}}}
	b := a
	b.Findings = []readiness.Finding{{Severity: readiness.Critical, Check: "aurora-global/replication-lag", Resource: "c", Message: "lag 47s"}}
	c := a
	c.Findings = append([]readiness.Finding{}, a.Findings...)
	c.Findings = append(c.Findings, readiness.Finding{Severity: readiness.Warning, Check: "arc/endpoint", Resource: "e0"})
	if a.Digest() != b.Digest() {
		t.Error("digest changed with the message only")
	}
	if a.Digest() == c.Digest() {
		t.Error("digest did not change with a new warning")
	}
}
