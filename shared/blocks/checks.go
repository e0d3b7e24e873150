package blocks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// httpCheck GETs a URL once per Start or Poll (with the step's
// requestTimeout) until `successes` consecutive answers carry expectStatus.
// A failed request or another status resets the count and is reported in
// the Message; the runner polls every `interval` and the step timeout
// bounds the whole. Outputs: status, consecutive.
type httpCheck struct{ *deps }

type httpState struct {
	Consecutive int    `json:"consecutive"`
	Last        string `json:"last,omitempty"`
}

func (b *httpCheck) Start(ctx context.Context, req Request) (Progress, error) {
	return b.run(ctx, req, true)
}

func (b *httpCheck) Poll(ctx context.Context, req Request) (Progress, error) {
	return b.run(ctx, req, false)
}

func (b *httpCheck) get(ctx context.Context, cfg *plan.HTTPCheck) (int, string) {
	timeout := cfg.RequestTimeout.D()
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.URL, nil)
	if err != nil {
		return 0, err.Error()
	}
	hr.Header.Set("User-Agent", "switchyard-http-check")
	resp, err := b.http.Do(hr)
	if err != nil {
		return 0, err.Error()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, resp.Status
}

func (b *httpCheck) run(ctx context.Context, req Request, starting bool) (Progress, error) {
	cfg, err := configOf[*plan.HTTPCheck](req)
	if err != nil {
		return Progress{}, err
	}
	var st httpState
	if !starting {
		if err := loadState(req, &st); err != nil {
			return Progress{}, err
		}
	}
	want, need := cfg.ExpectStatus, cfg.Successes
	if want == 0 {
		want = http.StatusOK
	}
	if need <= 0 {
		need = 1
	}
	code, detail := b.get(ctx, cfg)
	st.Last = detail
	if code == want {
		st.Consecutive++
	} else {
		st.Consecutive = 0
	}
	out := map[string]any{"status": code, "consecutive": st.Consecutive}
	if st.Consecutive >= need {
		return Progress{Done: true, State: mustState(st), Outputs: out, Message: fmt.Sprintf("GET %s answered %d %d time(s) in a row", cfg.URL, want, need)}, nil
	}
	interval := cfg.Interval.D()
	if interval <= 0 {
		interval = 15 * time.Second
	}
	return Progress{State: mustState(st), Outputs: out, PollAfter: interval,
		Message: fmt.Sprintf("GET %s: %s (want %d, %d of %d)", cfg.URL, detail, want, st.Consecutive, need)}, nil
}

// Check makes one request and reports what it got (a warning when it is not
// the expected status: before a failover the target may rightly not serve).
func (b *httpCheck) Check(ctx context.Context, req Request) ([]Finding, error) {
	cfg, err := configOf[*plan.HTTPCheck](req)
	if err != nil {
		return nil, err
	}
	want := cfg.ExpectStatus
	if want == 0 {
		want = http.StatusOK
	}
	code, detail := b.get(ctx, cfg)
	if code == 0 {
		return []Finding{{Severity: "warning", Resource: cfg.URL, Check: "http-check/reachable", Message: fmt.Sprintf("GET %s failed: %s", cfg.URL, detail)}}, nil
	}
	if code != want {
		return []Finding{{Severity: "warning", Resource: cfg.URL, Check: "http-check/status", Message: fmt.Sprintf("GET %s answered %s, the step expects %d", cfg.URL, detail, want)}}, nil
	}
	return nil, nil
}

// alarmWait waits until every named alarm in the target Region is OK and
// has been for holdFor: the alarms' StateTransitionedTimestamp (else
// StateUpdatedTimestamp) says since when,
// so the block keeps no clock of its own and a re-invocation measures the
// same thing. Outputs: greenSince (the moment the last alarm turned OK, an
// RFC 3339 time: "when the application recovered").
type alarmWait struct{ *deps }

func alarmName(s string) string {
	if i := strings.Index(s, ":alarm:"); i >= 0 {
		return s[i+len(":alarm:"):]
	}
	return s
}

func (b *alarmWait) describe(ctx context.Context, region string, cfg *plan.AlarmWait) (map[string]cwtypes.MetricAlarm, error) {
	names := make([]string, len(cfg.Alarms))
	for i, a := range cfg.Alarms {
		names[i] = alarmName(a)
	}
	got := map[string]cwtypes.MetricAlarm{}
	in := &cloudwatch.DescribeAlarmsInput{AlarmNames: names}
	for {
		out, err := b.clients.CloudWatch(region).DescribeAlarms(ctx, in)
		if err != nil {
			return nil, errclass.Classify(fmt.Sprintf("describing alarms %s in %s", strings.Join(names, ", "), region), err)
		}
		for _, a := range out.MetricAlarms {
			got[aws.ToString(a.AlarmName)] = a
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	return got, nil
}

func (b *alarmWait) Start(ctx context.Context, req Request) (Progress, error) {
	cfg, err := configOf[*plan.AlarmWait](req)
	if err != nil {
		return Progress{}, err
	}
	if err := requireTarget(req); err != nil {
		return Progress{}, err
	}
	got, err := b.describe(ctx, req.Target, cfg)
	if err != nil {
		return Progress{}, err
	}
	var since time.Time
	var notOK []string
	for _, a := range cfg.Alarms {
		m, ok := got[alarmName(a)]
		if !ok {
			return Progress{}, &errclass.Terminal{Op: "step " + stepName(req), Err: fmt.Errorf("alarm %s does not exist in %s", alarmName(a), req.Target)}
		}
		if m.StateValue != cwtypes.StateValueOk {
			notOK = append(notOK, fmt.Sprintf("%s is %s", alarmName(a), m.StateValue))
			continue
		}
		// StateTransitionedTimestamp is the last change of state;
		// StateUpdatedTimestamp also moves when only the reason changes.
		t := aws.ToTime(m.StateTransitionedTimestamp)
		if t.IsZero() {
			t = aws.ToTime(m.StateUpdatedTimestamp)
		}
		if t.After(since) {
			since = t
		}
	}
	if len(notOK) > 0 {
		return Progress{PollAfter: alarmPoll(cfg), Message: "waiting: " + strings.Join(notOK, ", ")}, nil
	}
	held := b.clk.Now().Sub(since)
	out := map[string]any{"greenSince": since.UTC().Format(time.RFC3339)}
	if hold := cfg.HoldFor.D(); held < hold {
		return Progress{PollAfter: hold - held, Outputs: out, Message: fmt.Sprintf("all %d alarm(s) OK for %s of %s", len(cfg.Alarms), held.Round(time.Second), hold)}, nil
	}
	return Progress{Done: true, Outputs: out, Message: fmt.Sprintf("all %d alarm(s) OK since %s", len(cfg.Alarms), since.UTC().Format(time.RFC3339))}, nil
}

func alarmPoll(cfg *plan.AlarmWait) time.Duration {
	return max(10*time.Second, min(time.Minute, cfg.HoldFor.D()/4))
}

func (b *alarmWait) Poll(ctx context.Context, req Request) (Progress, error) {
	return b.Start(ctx, req)
}

// Check: every alarm exists in the target Region; an alarm without data is
// a warning (it cannot turn OK).
func (b *alarmWait) Check(ctx context.Context, req Request) ([]Finding, error) {
	cfg, err := configOf[*plan.AlarmWait](req)
	if err != nil {
		return nil, err
	}
	if err := requireTarget(req); err != nil {
		return nil, err
	}
	got, err := b.describe(ctx, req.Target, cfg)
	if err != nil {
		return nil, err
	}
	var fs []Finding
	for _, a := range cfg.Alarms {
		m, ok := got[alarmName(a)]
		switch {
		case !ok:
			fs = append(fs, Finding{Severity: "error", Resource: a, Check: "alarm-wait/exists", Message: fmt.Sprintf("alarm %s does not exist in %s", alarmName(a), req.Target)})
		case m.StateValue == cwtypes.StateValueInsufficientData:
			fs = append(fs, Finding{Severity: "warning", Resource: a, Check: "alarm-wait/data", Message: fmt.Sprintf("alarm %s has insufficient data", alarmName(a))})
		}
	}
	return fs, nil
}
