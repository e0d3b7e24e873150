package devserve

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/api"
	"github.com/switchyard-dev/switchyard/shared/slackapp"
	"github.com/switchyard-dev/switchyard/shared/slackapp/slacktest"
)

func TestSlackClickCompletesExecution(t *testing.T) {
	h := newHarness(t)
	release := h.clk.Hold()
	defer release()
	id := h.start(t, "slack-click")
	p, m := h.pending(t, id)
	if m.Channel != channel {
		t.Fatalf("message in %s, want %s", m.Channel, channel)
	}
	res := h.click(t, secret, time.Now(), slacktest.Click{ApprovalID: p.ApprovalID, ActionID: slackapp.ActionApprove, User: approver, Channel: m.Channel, MessageTS: m.TS})
	if res.status != http.StatusOK || !strings.Contains(string(res.body), slackapp.CodeRecorded) {
		t.Fatalf("click: %d %s", res.status, res.body)
	}
	release()
	e := h.finish(t, id)
	if e.Status != "SUCCEEDED" {
		t.Fatalf("execution %s: %s %s", e.Status, e.Error, e.Cause)
	}
	if len(e.Steps) != 10 {
		t.Errorf("%d steps recorded, want the 10 of failover-to-us-west-2", len(e.Steps))
	}
	for _, s := range e.Steps {
		if s.Status != "SUCCEEDED" {
			t.Errorf("step %s %s", s.Name, s.Status)
		}
	}
	eventually(t, "Slack message shows the approval", func() (bool, string) {
		got := h.slack.Messages()[0]
		done := got.Updates > 0 && strings.Contains(got.Blocks, "Approved by") && !strings.Contains(got.Blocks, slackapp.ActionApprove)
		return done, got.Blocks
	})
	events := h.do(t, http.MethodGet, "/v1/executions/"+id+"/events", oncall, nil)
	if !strings.Contains(string(events.body), `"actor":"slack:`+approver+`"`) {
		t.Errorf("the audit timeline does not name the Slack user: %s", events.body)
	}
}

func TestRefusedClicksLeaveTheExecutionWaiting(t *testing.T) {
	h := newHarness(t)
	release := h.clk.Hold()
	defer release()
	id := h.start(t, "refused")
	p, m := h.pending(t, id)
	good := slacktest.Click{ApprovalID: p.ApprovalID, ActionID: slackapp.ActionApprove, User: approver, Channel: m.Channel, MessageTS: m.TS}
	mallory := good
	mallory.User = "U66MALLORY"
	tests := []struct {
		name       string
		send       func() response
		wantStatus int
	}{
		{"bad signature", func() response { return h.click(t, "not-the-secret", time.Now(), good) }, http.StatusUnauthorized},
		{"stale timestamp", func() response { return h.click(t, secret, time.Now().Add(-6*time.Minute), good) }, http.StatusUnauthorized},
		{"non-approver", func() response { return h.click(t, secret, time.Now(), mallory) }, http.StatusForbidden},
		{"malformed payload", func() response {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, h.url+"/slack/interactions", strings.NewReader("payload=%7Bnot+json"))
			req.Header = slacktest.Sign(secret, time.Now().Unix(), []byte("payload=%7Bnot+json"))
			return h.send(t, req)
		}, http.StatusBadRequest},
		{"replayed request", func() response {
			body := mallory.Body()
			hdr := slacktest.Sign(secret, time.Now().Unix(), body)
			for range 2 {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, h.url+"/slack/interactions", strings.NewReader(string(body)))
				req.Header = hdr.Clone()
				if res := h.send(t, req); res.status == http.StatusUnauthorized {
					return res
				}
			}
			return response{status: http.StatusOK}
		}, http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if res := tc.send(); res.status != tc.wantStatus {
				t.Fatalf("got %d %s, want %d", res.status, res.body, tc.wantStatus)
			}
			e := h.describe(t, id)
			if e.Status != "RUNNING" || e.Pending == nil || e.Pending.ApprovalID != p.ApprovalID || len(e.Pending.Approvers) != 0 {
				t.Fatalf("execution no longer waiting as before: %s pending %+v", e.Status, e.Pending)
			}
		})
	}
	// It was still waiting: a valid click now completes it.
	if res := h.click(t, secret, time.Now(), good); res.status != http.StatusOK {
		t.Fatalf("valid click: %d %s", res.status, res.body)
	}
	release()
	if e := h.finish(t, id); e.Status != "SUCCEEDED" {
		t.Fatalf("execution %s: %s", e.Status, e.Cause)
	}
}

func TestAPIApprovalWhileSlackIsDown(t *testing.T) {
	h := newHarness(t)
	release := h.clk.Hold()
	defer release()
	id := h.start(t, "slack-down")
	_, m := h.pending(t, id)
	h.slack.SetDown(true)
	// Not an approver through the API: refused, nothing changes.
	if res := h.do(t, http.MethodPost, "/v1/executions/"+id+"/approve", "", map[string]any{"approve": true}); res.status != http.StatusForbidden {
		t.Fatalf("anonymous approve: %d %s", res.status, res.body)
	}
	res := h.do(t, http.MethodPost, "/v1/executions/"+id+"/approve", oncall, map[string]any{"approve": true, "comment": "Slack is down"})
	var v api.Vote
	res.decode(t, &v)
	if res.status != http.StatusOK || !v.Counted || !v.Completed || v.Status != "approved" {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	release()
	if e := h.finish(t, id); e.Status != "SUCCEEDED" {
		t.Fatalf("execution %s: %s", e.Status, e.Cause)
	}
	eventually(t, "failed Slack update recorded", func() (bool, string) {
		ev := h.do(t, http.MethodGet, "/v1/executions/"+id+"/events", oncall, nil)
		return strings.Contains(string(ev.body), slackapp.AuditMessageUpdateFailed), string(ev.body)
	})
	if got := h.slack.Messages()[0]; got.Updates != 0 {
		t.Fatalf("message updated while Slack was down: %+v", got)
	}
	h.slack.SetDown(false)
	eventually(t, "message updated once Slack is back", func() (bool, string) {
		got := h.slack.Messages()[0]
		return got.TS == m.TS && got.Updates > 0 && strings.Contains(got.Blocks, "Approved by"), got.Blocks
	})
}

func TestStartIsIdempotentAndExclusive(t *testing.T) {
	h := newHarness(t)
	release := h.clk.Hold()
	defer release()
	const n = 4
	var wg sync.WaitGroup
	statuses := make([]int, n)
	ids := make([]string, n)
	for i := range n {
		wg.Go(func() {
			res := h.do(t, http.MethodPost, "/v1/executions", oncall, api.StartInput{Plan: "payments", Target: "us-west-2", ClientToken: "race-" + string(rune('a'+i))})
			statuses[i] = res.status
			var out struct {
				ExecutionID string `json:"executionId"`
				Error       struct {
					Execution string `json:"execution"`
				} `json:"error"`
			}
			_ = json.Unmarshal(res.body, &out)
			ids[i] = out.ExecutionID + out.Error.Execution
		})
	}
	wg.Wait()
	started, conflicts := 0, 0
	for i, s := range statuses {
		switch s {
		case http.StatusAccepted:
			started++
		case http.StatusConflict:
			conflicts++
		default:
			t.Errorf("start %d: status %d", i, s)
		}
	}
	if started != 1 || conflicts != n-1 {
		t.Fatalf("statuses %v: want one 202 and %d 409", statuses, n-1)
	}
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Errorf("conflicts name %v, want all the one execution", ids)
		}
	}
	for i, st := range statuses {
		if st != http.StatusAccepted {
			continue
		}
		res := h.do(t, http.MethodPost, "/v1/executions", oncall, api.StartInput{Plan: "payments", Target: "us-west-2", ClientToken: "race-" + string(rune('a'+i))})
		if res.status != http.StatusAccepted || !strings.Contains(string(res.body), `"executionId":"`+ids[i]+`"`) || !strings.Contains(string(res.body), `"created":false`) {
			t.Errorf("same clientToken again: %d %s, want 202 with execution %s, created false", res.status, res.body, ids[i])
		}
	}
	tests := []struct {
		name       string
		in         any
		wantStatus int
		wantField  string
	}{
		{"unknown plan", api.StartInput{Plan: "nope", Target: "us-west-2"}, http.StatusBadRequest, "plan"},
		{"target not served here", api.StartInput{Plan: "payments", Target: "us-east-1"}, http.StatusBadRequest, "target"},
		{"missing target", map[string]string{"plan": "payments"}, http.StatusBadRequest, "target"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := h.do(t, http.MethodPost, "/v1/executions", oncall, tc.in)
			if res.status != tc.wantStatus || !strings.Contains(string(res.body), `"field":"`+tc.wantField+`"`) {
				t.Fatalf("got %d %s, want %d naming %s", res.status, res.body, tc.wantStatus, tc.wantField)
			}
		})
	}
}

func TestApprovalExpiry(t *testing.T) {
	h := newHarness(t)
	release := h.clk.Hold()
	id := h.start(t, "expiry")
	p, m := h.pending(t, id)
	release() // nobody answers: simulated time runs to the approval's timeout
	e := h.finish(t, id)
	if e.Status == "SUCCEEDED" || e.Cause == "" {
		t.Fatalf("unanswered approval ended %s (%s: %s), want a failure with a reason", e.Status, e.Error, e.Cause)
	}
	t.Logf("ended %s: %s: %s", e.Status, e.Error, e.Cause)
	res := h.click(t, secret, time.Now(), slacktest.Click{ApprovalID: p.ApprovalID, ActionID: slackapp.ActionApprove, User: approver, Channel: m.Channel, MessageTS: m.TS})
	if res.status != http.StatusGone || !strings.Contains(string(res.body), slackapp.CodeExpired) {
		t.Fatalf("click after expiry: %d %s, want 410 expired", res.status, res.body)
	}
	eventually(t, "message shows the expiry", func() (bool, string) {
		got := h.slack.Messages()[0]
		return strings.Contains(got.Blocks, "Expired") && !strings.Contains(got.Blocks, slackapp.ActionApprove), got.Blocks
	})
}
