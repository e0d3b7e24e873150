package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

type callerKey struct{}

// WithCaller returns ctx carrying the authenticated caller (an IAM principal
// ARN in AWS; whatever `dev serve` authenticates locally).
func WithCaller(ctx context.Context, caller string) context.Context {
	return context.WithValue(ctx, callerKey{}, caller)
}

// Caller returns the authenticated caller in ctx, or "".
func Caller(ctx context.Context) string {
	s, _ := ctx.Value(callerKey{}).(string)
	return s
}

// Response is a proxy response, the same shape for payloads 1.0 and 2.0.
type Response struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers,omitempty"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded,omitempty"`
}

// Handle decodes a proxy event of either payload version, serves it with h
// and returns the response. Only a malformed event is an error.
func Handle(ctx context.Context, h http.Handler, raw json.RawMessage) (Response, error) {
	var probe struct {
		Version string `json:"version"`
	}
	_ = json.Unmarshal(raw, &probe)
	var req *http.Request
	var err error
	if probe.Version == "2.0" {
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return Response{}, fmt.Errorf("decoding API Gateway payload 2.0 event: %w", err)
		}
		req, err = fromV2(ctx, ev)
	} else {
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return Response{}, fmt.Errorf("decoding API Gateway payload 1.0 event: %w", err)
		}
		req, err = fromV1(ctx, ev)
	}
	if err != nil {
		return Response{}, err
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := Response{StatusCode: rec.Code, Headers: map[string]string{}, Body: rec.Body.String()}
	for k, v := range rec.Header() {
		res.Headers[k] = strings.Join(v, ",")
	}
	return res, nil
}

func body(s string, b64 bool) ([]byte, error) {
	if !b64 {
		return []byte(s), nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decoding base64 request body: %w", err)
	}
	return b, nil
}

func fromV1(ctx context.Context, ev events.APIGatewayProxyRequest) (*http.Request, error) {
	b, err := body(ev.Body, ev.IsBase64Encoded)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	for k, vs := range ev.MultiValueQueryStringParameters {
		q[k] = vs
	}
	for k, v := range ev.QueryStringParameters {
		if _, ok := q[k]; !ok {
			q.Set(k, v)
		}
	}
	u := &url.URL{Path: ev.Path, RawQuery: q.Encode()}
	caller := ev.RequestContext.Identity.UserArn
	if caller == "" {
		caller = ev.RequestContext.Identity.Caller
	}
	req, err := http.NewRequestWithContext(WithCaller(ctx, caller), ev.HTTPMethod, u.String(), bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("building request from API Gateway event: %w", err)
	}
	for k, vs := range ev.MultiValueHeaders {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for k, v := range ev.Headers {
		if req.Header.Get(k) == "" {
			req.Header.Set(k, v)
		}
	}
	return req, nil
}

func fromV2(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	b, err := body(ev.Body, ev.IsBase64Encoded)
	if err != nil {
		return nil, err
	}
	u := &url.URL{Path: ev.RawPath, RawQuery: ev.RawQueryString}
	if u.Path == "" {
		u.Path = ev.RequestContext.HTTP.Path
	}
	caller := ""
	if a := ev.RequestContext.Authorizer; a != nil && a.IAM != nil {
		caller = a.IAM.UserARN
	}
	method := ev.RequestContext.HTTP.Method
	req, err := http.NewRequestWithContext(WithCaller(ctx, caller), method, u.String(), bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("building request from API Gateway event: %w", err)
	}
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	return req, nil
}
