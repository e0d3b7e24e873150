package blocks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// lambdaBlock invokes a custom function synchronously in the Region its ARN
// names (the target when the ARN has none). The payload is the step's
// `payload`, or, when it has none, a description of the step (execution,
// plan, step, target, source, mode, attempt). A function error (the
// function ran and failed) is retried every retryInterval while the
// attempt's deadline allows another try; then it fails Terminal with the
// function's own error message. Invocation errors are classified as usual.
// The function must be idempotent: a retried or duplicated Start invokes it
// again. Outputs: statusCode, result (the function's JSON answer, when it
// is JSON of at most 4 KiB).
type lambdaBlock struct{ *deps }

type lambdaState struct {
	Tries     int    `json:"tries"`
	LastError string `json:"lastError,omitempty"`
}

func (b *lambdaBlock) Start(ctx context.Context, req Request) (Progress, error) {
	return b.invoke(ctx, req, true)
}

func (b *lambdaBlock) Poll(ctx context.Context, req Request) (Progress, error) {
	return b.invoke(ctx, req, false)
}

func (b *lambdaBlock) region(req Request, cfg *plan.Lambda) (string, error) {
	r := arnRegion(cfg.Function)
	if r == "" {
		r = req.Target
	}
	if req.Mode == Ungraceful && r != "" && r == req.Source {
		return "", &errclass.Terminal{Op: "step " + stepName(req), Err: fmt.Errorf("function %s is in the source Region %s, which is not called in ungraceful mode", arnName(cfg.Function), r)}
	}
	return r, nil
}

func (b *lambdaBlock) invoke(ctx context.Context, req Request, starting bool) (Progress, error) {
	cfg, err := configOf[*plan.Lambda](req)
	if err != nil {
		return Progress{}, err
	}
	region, err := b.region(req, cfg)
	if err != nil {
		return Progress{}, err
	}
	var st lambdaState
	if !starting {
		if err := loadState(req, &st); err != nil {
			return Progress{}, err
		}
	}
	payload := []byte(cfg.Payload)
	if len(payload) == 0 {
		payload, _ = json.Marshal(map[string]any{"execution": req.Execution, "plan": planName(req), "step": stepName(req),
			"target": req.Target, "source": req.Source, "mode": req.Mode, "attempt": req.Attempt})
	}
	op := fmt.Sprintf("invoking %s in %s", arnName(cfg.Function), region)
	out, err := b.clients.Lambda(region).Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(cfg.Function),
		InvocationType: lambdatypes.InvocationTypeRequestResponse, Payload: payload})
	if err != nil {
		return Progress{}, errclass.Classify(op, err)
	}
	st.Tries++
	if out.FunctionError != nil {
		msg := functionErrorMessage(out.Payload)
		st.LastError = msg
		retry := cfg.RetryInterval.D()
		if retry <= 0 {
			retry = 30 * time.Second
		}
		if b.canRetry(req, retry) {
			return Progress{State: mustState(st), PollAfter: retry,
				Message: fmt.Sprintf("%s failed (%s): %s; retrying in %s", arnName(cfg.Function), aws.ToString(out.FunctionError), msg, retry)}, nil
		}
		return Progress{}, &errclass.Terminal{Op: op, Err: fmt.Errorf("function error after %d tries (%s): %s", st.Tries, aws.ToString(out.FunctionError), msg)}
	}
	res := map[string]any{"statusCode": out.StatusCode}
	if len(out.Payload) > 0 && len(out.Payload) <= 4096 && json.Valid(out.Payload) {
		res["result"] = json.RawMessage(out.Payload)
	}
	return Progress{Done: true, State: mustState(st), Outputs: res, Message: fmt.Sprintf("%s succeeded after %d try(ies)", arnName(cfg.Function), st.Tries)}, nil
}

// canRetry reports whether another try fits before the attempt's deadline
// (the step's timeout from AttemptStarted; without one, always).
func (b *lambdaBlock) canRetry(req Request, retry time.Duration) bool {
	if req.Step == nil || req.Step.Timeout <= 0 || req.AttemptStarted.IsZero() {
		return true
	}
	timeout := req.Step.Timeout.D()
	if req.Mode == Ungraceful && req.Step.Ungraceful != nil && req.Step.Ungraceful.Timeout > 0 {
		timeout = req.Step.Ungraceful.Timeout.D()
	}
	return b.clk.Now().Add(retry).Before(req.AttemptStarted.Add(timeout))
}

// functionErrorMessage extracts errorMessage (and errorType) from a
// function error payload.
func functionErrorMessage(p []byte) string {
	var e struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if err := json.Unmarshal(p, &e); err != nil || e.ErrorMessage == "" {
		if len(p) > 512 {
			p = p[:512]
		}
		return string(p)
	}
	if e.ErrorType != "" {
		return e.ErrorType + ": " + e.ErrorMessage
	}
	return e.ErrorMessage
}

// Check reports only what can be known without invoking: the Region the
// function would run in. awsapi.Lambda has no GetFunction, so existence is
// not checked (an info finding says so).
func (b *lambdaBlock) Check(_ context.Context, req Request) ([]Finding, error) {
	cfg, err := configOf[*plan.Lambda](req)
	if err != nil {
		return nil, err
	}
	if _, err := b.region(req, cfg); err != nil {
		var t *errclass.Terminal
		if errors.As(err, &t) {
			return []Finding{{Severity: "error", Resource: cfg.Function, Check: "lambda/region", Message: err.Error()}}, nil
		}
		return nil, err
	}
	return []Finding{{Severity: "info", Resource: cfg.Function, Check: "lambda/exists", Message: "function existence is not checked (needs lambda:GetFunction)"}}, nil
}
