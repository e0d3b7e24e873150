package apigw

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// echo answers with what it saw.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.Header().Set("X-Seen", r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+" caller="+Caller(r.Context())+" sig="+r.Header.Get("X-Slack-Signature"))
	w.WriteHeader(http.StatusTeapot)
	_, _ = w.Write(b)
})

func TestHandle(t *testing.T) {
	tests := []struct {
		name     string
		event    string
		wantSeen string
		wantBody string
	}{
		{"HTTP API payload 2.0 with IAM caller and base64 body", `{
			"version":"2.0","routeKey":"$default","rawPath":"/v1/executions","rawQueryString":"plan=payments&status=RUNNING",
			"headers":{"x-slack-signature":"v0=abc"},
			"requestContext":{"http":{"method":"POST","path":"/v1/executions"},
				"authorizer":{"iam":{"userArn":"arn:aws:sts::123456789012:assumed-role/payments-oncall/alice"}}},
			"body":"eyJwbGFuIjoicGF5bWVudHMifQ==","isBase64Encoded":true}`,
			"POST /v1/executions?plan=payments&status=RUNNING caller=arn:aws:sts::123456789012:assumed-role/payments-oncall/alice sig=v0=abc",
			`{"plan":"payments"}`},
		{"REST payload 1.0 with identity", `{
			"httpMethod":"GET","path":"/v1/plans","queryStringParameters":{"a":"1"},
			"headers":{"X-Slack-Signature":"v0=def"},
			"requestContext":{"identity":{"userArn":"arn:aws:iam::123456789012:user/carol"}},
			"body":"hello"}`,
			"GET /v1/plans?a=1 caller=arn:aws:iam::123456789012:user/carol sig=v0=def", "hello"},
		{"no authorizer, no caller", `{"version":"2.0","rawPath":"/slack/interactions","requestContext":{"http":{"method":"POST"}},"body":"x"}`,
			"POST /slack/interactions? caller= sig=", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Handle(t.Context(), echo, json.RawMessage(tt.event))
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusTeapot || res.Headers["X-Seen"] != tt.wantSeen || res.Body != tt.wantBody {
				t.Fatalf("got %d %q %q\nwant %q %q", res.StatusCode, res.Headers["X-Seen"], res.Body, tt.wantSeen, tt.wantBody)
			}
		})
	}
	t.Run("malformed event is an error", func(t *testing.T) {
		if _, err := Handle(t.Context(), echo, json.RawMessage(`{"version":"2.0","body":7}`)); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("bad base64 is an error", func(t *testing.T) {
		if _, err := Handle(t.Context(), echo, json.RawMessage(`{"version":"2.0","body":"%%%","isBase64Encoded":true}`)); err == nil {
			t.Fatal("no error")
		}
	})
}
