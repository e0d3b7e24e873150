package blocks

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// stopPoll is how often stop-signal looks again while the primary still
// reports healthy.
const stopPoll = 10 * time.Second

// stopSignal is the STOP pattern (Secondary Takes Over Primary): publish
// puts the flag object s3://bucket/key in the signal Region (default: the
// target; data-plane calls only), withdraw deletes it. The flag is then
// read back (HeadObject). When the step names a VerifyURL it is Done only
// once the primary's health endpoint answers non-2xx after publish (2xx
// after withdraw); with a HealthCheckID, once Route 53's checkers report
// the health check failing (healthy after withdraw). GetHealthCheckStatus
// is homed in us-east-1, so when it fails transiently the step does not
// wait on it: it completes on the flag (and VerifyURL) and reports
// healthCheckVerified=false. In ungraceful mode a signal Region equal to
// the source is refused (Terminal).
type stopSignal struct{ *deps }

type stopState struct {
	ObservedAt time.Time `json:"observedAt,omitzero"`
}

// stopFlag is the flag object's content: who raised it, for people reading
// the bucket.
type stopFlag struct {
	Execution string    `json:"execution,omitempty"`
	Plan      string    `json:"plan,omitempty"`
	Target    string    `json:"target"`
	Epoch     int64     `json:"epoch,omitempty"`
	At        time.Time `json:"at"`
}

func (b *stopSignal) region(req Request, cfg *plan.StopSignal) (string, error) {
	r := cfg.Region
	if r == "" {
		r = req.Target
	}
	if r == "" {
		return "", &errclass.InvalidInput{Field: "with.region", Message: fmt.Sprintf("step %s: no signal Region (set with.region or the target)", stepName(req))}
	}
	if req.Mode == Ungraceful && r == req.Source {
		return "", &errclass.Terminal{Op: "step " + stepName(req), Err: fmt.Errorf("the STOP signal is in %s, the source Region, which is not called in ungraceful mode", r)}
	}
	return r, nil
}

func (b *stopSignal) flagExists(ctx context.Context, region string, cfg *plan.StopSignal) (bool, error) {
	_, err := b.clients.S3(region).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(cfg.Bucket), Key: aws.String(cfg.Key)})
	if err == nil {
		return true, nil
	}
	if notFound(err) {
		return false, nil
	}
	return false, errclass.Classify(fmt.Sprintf("reading the STOP flag s3://%s/%s in %s", cfg.Bucket, cfg.Key, region), err)
}

func (b *stopSignal) Start(ctx context.Context, req Request) (Progress, error) {
	return b.reconcile(ctx, req, true)
}

func (b *stopSignal) Poll(ctx context.Context, req Request) (Progress, error) {
	return b.reconcile(ctx, req, false)
}

func (b *stopSignal) reconcile(ctx context.Context, req Request, starting bool) (Progress, error) {
	cfg, err := configOf[*plan.StopSignal](req)
	if err != nil {
		return Progress{}, err
	}
	region, err := b.region(req, cfg)
	if err != nil {
		return Progress{}, err
	}
	var st stopState
	if !starting {
		if err := loadState(req, &st); err != nil {
			return Progress{}, err
		}
	}
	publish := cfg.Signal != "withdraw"
	where := fmt.Sprintf("s3://%s/%s in %s", cfg.Bucket, cfg.Key, region)
	exists, err := b.flagExists(ctx, region, cfg)
	if err != nil {
		return Progress{}, err
	}
	switch {
	case publish && !exists:
		body, _ := json.Marshal(stopFlag{Execution: req.Execution, Plan: planName(req), Target: req.Target, Epoch: req.Epoch, At: b.clk.Now().UTC()})
		if _, err := b.clients.S3(region).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(cfg.Bucket), Key: aws.String(cfg.Key),
			Body: strings.NewReader(string(body)), ContentType: aws.String("application/json")}); err != nil {
			return Progress{}, errclass.Classify("publishing the STOP flag "+where, err)
		}
	case !publish && exists:
		if _, err := b.clients.S3(region).DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(cfg.Bucket), Key: aws.String(cfg.Key)}); err != nil {
			return Progress{}, errclass.Classify("withdrawing the STOP flag "+where, err)
		}
	}
	if exists, err = b.flagExists(ctx, region, cfg); err != nil {
		return Progress{}, err
	}
	if exists != publish {
		return Progress{State: mustState(st), PollAfter: stopPoll, Message: fmt.Sprintf("STOP flag %s not yet observed %s", where, map[bool]string{true: "present", false: "gone"}[publish])}, nil
	}
	if st.ObservedAt.IsZero() {
		st.ObservedAt = b.clk.Now().UTC()
	}
	out := map[string]any{"signalRegion": region, "flagObservedAt": st.ObservedAt.Format(time.RFC3339)}
	if cfg.VerifyURL != "" {
		healthy, detail := b.probe(ctx, cfg.VerifyURL)
		out["primaryHealthy"] = healthy
		if healthy == publish {
			return Progress{State: mustState(st), PollAfter: stopPoll, Outputs: out,
				Message: fmt.Sprintf("flag %s; waiting for the primary's health endpoint to turn %s (%s)", where, map[bool]string{true: "unhealthy", false: "healthy"}[publish], detail)}, nil
		}
	}
	if cfg.HealthCheckID != "" {
		healthy, err := b.healthCheck(ctx, cfg.HealthCheckID)
		switch {
		case err != nil && !errclass.IsRetryable(err):
			return Progress{}, err
		case err != nil:
			// GetHealthCheckStatus is a Route 53 API homed in us-east-1: a
			// recovery must not wait on it. The flag (and the primary's own
			// endpoint, when configured) decide; the report says the health
			// check was not verified.
			out["healthCheckVerified"] = false
			out["healthCheckError"] = err.Error()
		default:
			out["healthCheckVerified"] = true
			out["healthCheckHealthy"] = healthy
		}
		if err == nil && healthy == publish {
			return Progress{State: mustState(st), PollAfter: stopPoll, Outputs: out,
				Message: fmt.Sprintf("flag %s; waiting for Route 53 health check %s to turn %s", where, cfg.HealthCheckID, map[bool]string{true: "unhealthy", false: "healthy"}[publish])}, nil
		}
	}
	verb := "published"
	if !publish {
		verb = "withdrawn"
	}
	return Progress{Done: true, State: mustState(st), Outputs: out, Message: fmt.Sprintf("STOP flag %s %s", where, verb)}, nil
}

func planName(req Request) string {
	if req.Plan == nil {
		return ""
	}
	return req.Plan.Metadata.Name
}

// probe GETs url and reports whether it answered 2xx (an error counts as
// unhealthy).
func (b *stopSignal) probe(ctx context.Context, url string) (bool, string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err.Error()
	}
	resp, err := b.http.Do(hr)
	if err != nil {
		return false, err.Error()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 300, resp.Status
}

// healthCheck reports whether most of Route 53's checkers see the health
// check as healthy.
func (b *stopSignal) healthCheck(ctx context.Context, id string) (bool, error) {
	out, err := b.clients.Route53().GetHealthCheckStatus(ctx, &route53.GetHealthCheckStatusInput{HealthCheckId: aws.String(id)})
	if err != nil {
		return false, errclass.Classify("reading Route 53 health check "+id, err)
	}
	ok := 0
	for _, o := range out.HealthCheckObservations {
		if o.StatusReport != nil && strings.HasPrefix(aws.ToString(o.StatusReport.Status), "Success") {
			ok++
		}
	}
	return ok*2 > len(out.HealthCheckObservations), nil
}

// Check: the signal bucket answers (HeadObject: a missing flag is fine) and
// the flag's current presence is reported.
func (b *stopSignal) Check(ctx context.Context, req Request) ([]Finding, error) {
	cfg, err := configOf[*plan.StopSignal](req)
	if err != nil {
		return nil, err
	}
	region, err := b.region(req, cfg)
	if err != nil {
		return []Finding{{Severity: "error", Resource: cfg.Bucket, Check: "stop-signal/region", Message: err.Error()}}, nil
	}
	exists, err := b.flagExists(ctx, region, cfg)
	if err != nil {
		return []Finding{{Severity: "error", Resource: cfg.Bucket, Check: "stop-signal/bucket", Message: err.Error()}}, nil
	}
	var fs []Finding
	if cfg.HealthCheckID != "" {
		if _, err := b.healthCheck(ctx, cfg.HealthCheckID); err != nil {
			sev := "warning"
			if !errclass.IsRetryable(err) {
				sev = "error"
			}
			fs = append(fs, Finding{Severity: sev, Resource: cfg.HealthCheckID, Check: "stop-signal/health-check", Message: err.Error()})
		}
	}
	if exists && cfg.Signal != "withdraw" {
		fs = append(fs, Finding{Severity: "warning", Resource: "s3://" + cfg.Bucket + "/" + cfg.Key, Check: "stop-signal/flag",
			Message: fmt.Sprintf("the STOP flag is already present in %s: the primary should already be out of service", region)})
	}
	return fs, nil
}
