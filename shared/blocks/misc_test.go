package blocks

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

// doerFunc answers HTTP requests with a function (no network).
type doerFunc func(*http.Request) (int, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) {
	code, err := f(r)
	if err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: code, Status: http.StatusText(code), Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
}

func stopCfg(signal, verify string) *plan.StopSignal {
	return &plan.StopSignal{Bucket: "payments-stop", Key: "stop/primary", Region: west, Signal: signal, VerifyURL: verify}
}

func TestStopSignal(t *testing.T) {
	flagKey := west + "/payments-stop/stop/primary"
	tests := []struct {
		name      string
		cfg       *plan.StopSignal
		mode      Mode
		preFlag   bool
		s3Down    string
		primary   func(e *env) doerFunc
		wantErr   string
		notDone   bool
		wantFlag  bool
		wantPuts  int
		noSource  bool
		wantInErr string
	}{
		{name: "publish", cfg: stopCfg("publish", ""), mode: Ungraceful, wantFlag: true, wantPuts: 1, noSource: true},
		{name: "publish finds the flag already there", cfg: stopCfg("publish", ""), mode: Graceful, preFlag: true, wantFlag: true, wantPuts: 0},
		{name: "withdraw", cfg: stopCfg("withdraw", ""), mode: Graceful, preFlag: true, wantFlag: false},
		{name: "publish waits until the primary turns unhealthy", cfg: stopCfg("publish", "https://primary.example/health"), mode: Ungraceful, wantFlag: true, wantPuts: 1,
			primary: func(e *env) doerFunc {
				return func(*http.Request) (int, error) {
					e.cl.s3.mu.Lock()
					defer e.cl.s3.mu.Unlock()
					if _, ok := e.cl.s3.objects[flagKey]; ok {
						return http.StatusServiceUnavailable, nil
					}
					return http.StatusOK, nil
				}
			}},
		{name: "primary ignoring the flag keeps the step waiting", cfg: stopCfg("publish", "https://primary.example/health"), mode: Ungraceful, wantFlag: true, wantPuts: 1, notDone: true,
			primary: func(*env) doerFunc { return func(*http.Request) (int, error) { return http.StatusOK, nil } }},
		{name: "signal Region is the source in ungraceful mode", cfg: &plan.StopSignal{Bucket: "b-stop", Key: "k", Region: east, Signal: "publish"}, mode: Ungraceful,
			wantErr: "Terminal", wantInErr: "source Region", noSource: true},
		{name: "S3 unavailable is retryable", cfg: stopCfg("publish", ""), mode: Ungraceful, s3Down: west, wantErr: "Retryable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o envOpt
			var e *env
			if tt.primary != nil {
				o.http = doerFunc(func(r *http.Request) (int, error) { return tt.primary(e)(r) })
			}
			e = newEnv(t, o)
			if tt.preFlag {
				e.cl.s3.objects[flagKey] = []byte("{}")
			}
			if tt.s3Down != "" {
				e.cl.s3.down[tt.s3Down] = true
			}
			b := e.block("stop-signal")
			req := e.req("stop-signal", tt.cfg, tt.mode)
			p, err := e.run(b, req, 3*time.Minute)
			if tt.notDone {
				if err == nil || p.Done {
					t.Fatalf("got %+v, %v; want waiting", p, err)
				}
			} else {
				wantClass(t, err, tt.wantErr)
			}
			if tt.wantInErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantInErr)) {
				t.Errorf("error %v does not mention %q", err, tt.wantInErr)
			}
			if tt.noSource && e.touched(east) != 0 {
				t.Errorf("the source Region was called")
			}
			if tt.wantErr != "" {
				return
			}
			_, has := e.cl.s3.objects[flagKey]
			if has != tt.wantFlag {
				t.Errorf("flag present = %v, want %v", has, tt.wantFlag)
			}
			puts := 0
			for _, c := range e.cl.s3.calls {
				if strings.HasSuffix(c, "PutObject") {
					puts++
				}
			}
			if puts != tt.wantPuts {
				t.Errorf("PutObject calls = %d, want %d (%v)", puts, tt.wantPuts, e.cl.s3.calls)
			}
		})
	}
}

func TestStopSignalCheck(t *testing.T) {
	tests := []struct {
		name    string
		preFlag bool
		down    bool
		wantSev string
	}{
		{name: "healthy"},
		{name: "flag already raised", preFlag: true, wantSev: "warning"},
		{name: "bucket unreachable", down: true, wantSev: "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			if tt.preFlag {
				e.cl.s3.objects[west+"/payments-stop/stop/primary"] = []byte("{}")
			}
			e.cl.s3.down[west] = tt.down
			fs, err := e.block("stop-signal").Check(t.Context(), e.req("stop-signal", stopCfg("publish", ""), Graceful))
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantSev == "" && len(fs) != 0 || tt.wantSev != "" && !hasFinding(fs, tt.wantSev, "") {
				t.Errorf("findings = %+v, want severity %q", fs, tt.wantSev)
			}
		})
	}
}

func TestHTTPCheck(t *testing.T) {
	cfg := &plan.HTTPCheck{URL: "https://app.example/health", ExpectStatus: 200, Successes: 3, Interval: plan.Duration(10 * time.Second), RequestTimeout: plan.Duration(time.Second)}
	tests := []struct {
		name      string
		answers   []int // 0: connection error; the last repeats
		wantDone  bool
		wantCalls int
	}{
		{name: "three in a row", answers: []int{200}, wantDone: true, wantCalls: 3},
		{name: "a failure resets the count", answers: []int{200, 200, 503, 200, 200, 200}, wantDone: true, wantCalls: 6},
		{name: "connection errors count as failures", answers: []int{0, 200, 0, 200, 200, 200}, wantDone: true, wantCalls: 6},
		{name: "never healthy", answers: []int{503}, wantDone: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			doer := doerFunc(func(*http.Request) (int, error) {
				mu.Lock()
				defer mu.Unlock()
				code := tt.answers[min(calls, len(tt.answers)-1)]
				calls++
				if code == 0 {
					return 0, errors.New("connection refused")
				}
				return code, nil
			})
			e := newEnv(t, envOpt{http: doer})
			p, err := e.run(e.block("http-check"), e.req("http-check", cfg, Graceful), 2*time.Minute)
			if tt.wantDone != (err == nil && p.Done) {
				t.Fatalf("run = %+v, %v; want done %v", p, err, tt.wantDone)
			}
			if tt.wantDone && calls != tt.wantCalls {
				t.Errorf("requests = %d, want %d", calls, tt.wantCalls)
			}
		})
	}
	t.Run("check reports a wrong status", func(t *testing.T) {
		e := newEnv(t, envOpt{http: doerFunc(func(*http.Request) (int, error) { return 503, nil })})
		fs, err := e.block("http-check").Check(t.Context(), e.req("http-check", cfg, Graceful))
		if err != nil || !hasFinding(fs, "warning", "status") {
			t.Errorf("Check = %+v, %v; want a status warning", fs, err)
		}
	})
}

func TestAlarmWait(t *testing.T) {
	alarmARN := func(n string) string { return "arn:aws:cloudwatch:" + west + ":" + account + ":alarm:" + n }
	tests := []struct {
		name     string
		alarms   []string
		state    cwtypes.StateValue
		turnOKAt time.Duration // 0: never changed
		wantErr  string
		wantDone bool
		minTime  time.Duration // simulated time the step must take at least
	}{
		{name: "green for holdFor", alarms: []string{"api-5xx"}, state: cwtypes.StateValueOk, wantDone: true, minTime: time.Minute},
		{name: "turns green later", alarms: []string{"api-5xx"}, state: cwtypes.StateValueAlarm, turnOKAt: 3 * time.Minute, wantDone: true, minTime: 4 * time.Minute},
		{name: "stays red", alarms: []string{"api-5xx"}, state: cwtypes.StateValueAlarm},
		{name: "missing alarm", alarms: []string{"nope"}, state: cwtypes.StateValueOk, wantErr: "Terminal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			must(t, e.w.AddAlarm(sim.AlarmSpec{Region: west, Name: "api-5xx", Namespace: "App", MetricName: "5xx", Threshold: 1, State: tt.state}))
			var b Block = e.block("alarm-wait")
			if tt.turnOKAt > 0 {
				b = &beforePoll{Block: b, at: e.clk.Now().Add(tt.turnOKAt), now: e.clk.Now, f: func() {
					_, err := e.w.CloudWatch(west).SetAlarmState(t.Context(), setAlarmStateIn("api-5xx", cwtypes.StateValueOk))
					must(t, err)
				}}
			}
			var arns []string
			for _, a := range tt.alarms {
				arns = append(arns, alarmARN(a))
			}
			cfg := &plan.AlarmWait{Alarms: arns, HoldFor: plan.Duration(time.Minute)}
			start := e.clk.Now()
			p, err := e.run(b, e.req("alarm-wait", cfg, Graceful), 10*time.Minute)
			if tt.wantErr != "" {
				wantClass(t, err, tt.wantErr)
				return
			}
			if tt.wantDone != (err == nil && p.Done) {
				t.Fatalf("run = %+v, %v; want done %v", p, err, tt.wantDone)
			}
			if tt.wantDone {
				if took := e.clk.Now().Sub(start); took < tt.minTime {
					t.Errorf("done after %s, want at least %s", took, tt.minTime)
				}
				if _, ok := p.Outputs["greenSince"]; !ok {
					t.Errorf("no greenSince output: %+v", p.Outputs)
				}
			}
		})
	}
}

// beforePoll runs f once, before the first Poll at or after at (a change in
// the world while a step waits).
type beforePoll struct {
	Block
	at   time.Time
	now  func() time.Time
	f    func()
	done bool
}

func (b *beforePoll) Poll(ctx context.Context, req Request) (Progress, error) {
	if !b.done && !b.now().Before(b.at) {
		b.done = true
		b.f()
	}
	return b.Block.Poll(ctx, req)
}

func TestLambda(t *testing.T) {
	fn := "arn:aws:lambda:" + west + ":" + account + ":function:warm-cache"
	tests := []struct {
		name      string
		failures  int // the function fails this many times first
		timeout   time.Duration
		wantErr   string
		wantInErr string
		wantCalls int
	}{
		{name: "succeeds", wantCalls: 1},
		{name: "function error retried", failures: 2, timeout: 10 * time.Minute, wantCalls: 3},
		{name: "function error surfaces when time runs out", failures: 100, timeout: 2 * time.Minute, wantErr: "Terminal", wantInErr: "cache cold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			calls := 0
			must(t, e.w.AddFunction(fn, func(_ context.Context, payload []byte) ([]byte, error) {
				calls++
				if calls <= tt.failures {
					return nil, errors.New("cache cold")
				}
				return []byte(`{"warmed":true}`), nil
			}))
			req := e.req("lambda", &plan.Lambda{Function: fn, RetryInterval: plan.Duration(30 * time.Second)}, Graceful)
			if tt.timeout > 0 {
				req.Step.Timeout = plan.Duration(tt.timeout)
			}
			p, err := e.run(e.block("lambda"), req, 20*time.Minute)
			wantClass(t, err, tt.wantErr)
			if tt.wantInErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantInErr)) {
				t.Errorf("error %v does not carry the function's message %q", err, tt.wantInErr)
			}
			if tt.wantErr != "" {
				return
			}
			if !p.Done || calls != tt.wantCalls {
				t.Errorf("progress %+v after %d call(s), want done after %d", p, calls, tt.wantCalls)
			}
		})
	}
	t.Run("unknown function is terminal", func(t *testing.T) {
		e := newEnv(t, envOpt{})
		_, err := e.block("lambda").Start(t.Context(), e.req("lambda", &plan.Lambda{Function: fn + "-nope"}, Graceful))
		wantClass(t, err, "Terminal")
	})
}

func TestRegistry(t *testing.T) {
	e := newEnv(t, envOpt{})
	for _, spec := range plan.Blocks() {
		_, ok := e.reg.Block(spec.Name)
		wantOK := spec.Name != "approval" && spec.Name != "plan"
		if ok != wantOK {
			t.Errorf("Block(%q) registered = %v, want %v", spec.Name, ok, wantOK)
		}
		if _, ok := e.reg.Checker(spec.Name); ok != wantOK {
			t.Errorf("Checker(%q) = %v, want %v", spec.Name, ok, wantOK)
		}
	}
	for _, name := range e.reg.Names() {
		if _, ok := plan.LookupBlock(name); !ok {
			t.Errorf("registered block %q is not in the plan's block table", name)
		}
	}
	t.Run("wrong configuration type", func(t *testing.T) {
		_, err := e.block("ecs-scale").Start(t.Context(), e.req("ecs-scale", &plan.ASGScale{}, Graceful))
		wantClass(t, err, "InvalidInput")
	})
}
