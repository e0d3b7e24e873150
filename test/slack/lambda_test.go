package slack

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/switchyard-dev/switchyard/shared/api/apigw"
	"github.com/switchyard-dev/switchyard/shared/slackapp"
	"github.com/switchyard-dev/switchyard/shared/slackapp/slacktest"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// TestThroughAPIGatewayEvent sends the click as the slack Lambda receives
// it: an HTTP API payload 2.0 event with a base64 body and lower-case
// headers.
func TestThroughAPIGatewayEvent(t *testing.T) {
	h := newHarness(t)
	a := h.newApproval(t, store.KindApproval, 1)
	body := h.click(a, slackapp.ActionApprove, "U01ALICE")
	event := func(hdr http.Header) json.RawMessage {
		headers := map[string]string{}
		for k := range hdr {
			headers[strings.ToLower(k)] = hdr.Get(k)
		}
		raw, _ := json.Marshal(map[string]any{
			"version": "2.0", "rawPath": "/slack/interactions", "headers": headers,
			"requestContext":  map[string]any{"http": map[string]any{"method": "POST", "path": "/slack/interactions"}},
			"body":            base64.StdEncoding.EncodeToString(body),
			"isBase64Encoded": true,
		})
		return raw
	}
	tests := []struct {
		name string
		hdr  http.Header
		want int
	}{
		{"wrong secret", slacktest.Sign("wrong", h.clk.Now().Unix(), body), http.StatusUnauthorized},
		{"signed", slacktest.Sign(secret, h.clk.Now().Unix(), body), http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := apigw.Handle(t.Context(), h.handler, event(tt.hdr))
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.want {
				t.Fatalf("status %d (%s), want %d", res.StatusCode, res.Body, tt.want)
			}
		})
	}
	if got := h.approvalNow(t, a.ID); got.Status != store.ApprovalApproved {
		t.Fatalf("approval %s, want approved", got.Status)
	}
}
