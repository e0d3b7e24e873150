package slack

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/slackapp"
	"github.com/switchyard-dev/switchyard/shared/slackapp/slacktest"
	"github.com/switchyard-dev/switchyard/shared/store"
)

func TestValidApprovalCompletes(t *testing.T) {
	h := newHarness(t)
	a := h.newApproval(t, store.KindApproval, 1)
	if m := h.message(t); strings.Contains(m.Blocks, a.TaskToken) || !strings.Contains(m.Blocks, a.ID) {
		t.Fatalf("posted message must carry the approval id and never the token: %s", m.Blocks)
	}
	res := h.send(t, h.click(a, slackapp.ActionApprove, "U01ALICE"), nil)
	if res.status != http.StatusOK || !strings.Contains(res.body, slackapp.CodeRecorded) {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	got := h.approvalNow(t, a.ID)
	if got.Status != store.ApprovalApproved || got.DecidedBy != "U01ALICE" {
		t.Fatalf("approval %s decided by %q, want approved by U01ALICE", got.Status, got.DecidedBy)
	}
	if c := h.approval.completions(); len(c) != 1 || c[0].Token != a.TaskToken || c[0].Status != store.ApprovalApproved {
		t.Fatalf("completions %+v, want one approval of the task token", c)
	}
	audits := h.audit(t, slackapp.AuditSlackVote)
	if len(audits) != 1 || audits[0].Actor != "slack:U01ALICE" {
		t.Fatalf("audit %+v, want one slack.vote by slack:U01ALICE", audits)
	}
	h.runFollowUps(t)
	m := h.message(t)
	if m.Updates != 1 || !strings.Contains(m.Blocks, "Approved by \\u003c@U01ALICE\\u003e") && !strings.Contains(m.Blocks, "Approved by <@U01ALICE>") {
		t.Fatalf("message not updated to the outcome (%d updates): %s", m.Updates, m.Blocks)
	}
	if strings.Contains(m.Blocks, slackapp.ActionApprove) {
		t.Fatal("updated message still has buttons")
	}
}

func TestRejectedRequestsChangeNothing(t *testing.T) {
	tests := []struct {
		name       string
		prepare    func(h *harness)
		request    func(h *harness, a store.Approval) ([]byte, http.Header)
		wantStatus int
		wantCode   string
		wantNote   string // an ephemeral note to the user
	}{
		{"bad signature", nil, func(h *harness, a store.Approval) ([]byte, http.Header) {
			body := h.click(a, slackapp.ActionApprove, "U01ALICE")
			return body, slacktest.Sign("not-the-secret", h.clk.Now().Unix(), body)
		}, http.StatusUnauthorized, slackapp.CodeUnauthorized, ""},
		{"body altered after signing", nil, func(h *harness, a store.Approval) ([]byte, http.Header) {
			body := h.click(a, slackapp.ActionReject, "U01ALICE")
			return h.click(a, slackapp.ActionApprove, "U01ALICE"), slacktest.Sign(secret, h.clk.Now().Unix(), body)
		}, http.StatusUnauthorized, slackapp.CodeUnauthorized, ""},
		{"stale timestamp", nil, func(h *harness, a store.Approval) ([]byte, http.Header) {
			body := h.click(a, slackapp.ActionApprove, "U01ALICE")
			return body, slacktest.Sign(secret, h.clk.Now().Add(-6*time.Minute).Unix(), body)
		}, http.StatusUnauthorized, slackapp.CodeUnauthorized, ""},
		{"future timestamp", nil, func(h *harness, a store.Approval) ([]byte, http.Header) {
			body := h.click(a, slackapp.ActionApprove, "U01ALICE")
			return body, slacktest.Sign(secret, h.clk.Now().Add(6*time.Minute).Unix(), body)
		}, http.StatusUnauthorized, slackapp.CodeUnauthorized, ""},
		{"no signature headers", nil, func(h *harness, a store.Approval) ([]byte, http.Header) {
			return h.click(a, slackapp.ActionApprove, "U01ALICE"), http.Header{}
		}, http.StatusUnauthorized, slackapp.CodeUnauthorized, ""},
		{"non-approver", nil, func(h *harness, a store.Approval) ([]byte, http.Header) {
			return h.click(a, slackapp.ActionApprove, "U66MALLORY"), nil
		}, http.StatusForbidden, slackapp.CodeForbidden, "you are not an approver for payments"},
		{"click after expiry", func(h *harness) { h.clk.Advance(31 * time.Minute) }, func(h *harness, a store.Approval) ([]byte, http.Header) {
			return h.click(a, slackapp.ActionApprove, "U01ALICE"), nil
		}, http.StatusGone, slackapp.CodeExpired, "expired"},
		{"malformed payload", nil, func(h *harness, a store.Approval) ([]byte, http.Header) {
			return []byte("payload=%7Bnot+json"), nil
		}, http.StatusBadRequest, slackapp.CodeMalformed, ""},
		{"unknown approval", nil, func(h *harness, a store.Approval) ([]byte, http.Header) {
			a.ID = store.NewApprovalID()
			return h.click(a, slackapp.ActionApprove, "U01ALICE"), nil
		}, http.StatusNotFound, slackapp.CodeNotFound, ""},
		{"decision button on an approval", nil, func(h *harness, a store.Approval) ([]byte, http.Header) {
			return h.click(a, slackapp.ActionSkip, "U01ALICE"), nil
		}, http.StatusBadRequest, slackapp.CodeMalformed, ""},
		{"click from another channel", nil, func(h *harness, a store.Approval) ([]byte, http.Header) {
			a.Message.Channel = "C0ELSEWHERE"
			return h.click(a, slackapp.ActionApprove, "U01ALICE"), nil
		}, http.StatusBadRequest, slackapp.CodeMalformed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			a := h.newApproval(t, store.KindApproval, 1)
			if tt.prepare != nil {
				tt.prepare(h)
			}
			body, hdr := tt.request(h, a)
			res := h.send(t, body, hdr)
			if res.status != tt.wantStatus || !strings.Contains(res.body, `"code":"`+tt.wantCode+`"`) {
				t.Fatalf("got %d %s, want %d %s", res.status, res.body, tt.wantStatus, tt.wantCode)
			}
			h.runFollowUps(t)
			got := h.approvalNow(t, a.ID)
			if (got.Status != store.ApprovalPending && got.Status != store.ApprovalExpired) || len(got.Approvers) != 0 {
				t.Fatalf("approval changed: %s approvers %v", got.Status, got.Approvers)
			}
			if c := h.approval.completions(); len(c) != 0 {
				t.Fatalf("task completed: %+v", c)
			}
			if audits := h.audit(t, slackapp.AuditSlackVote); len(audits) != 0 {
				t.Fatalf("audited a vote: %+v", audits)
			}
			if m := h.message(t); m.Updates != 0 {
				t.Fatalf("message updated %d times", m.Updates)
			}
			notes := h.slack.Ephemerals()
			if tt.wantNote == "" && len(notes) != 0 || tt.wantNote != "" && (len(notes) != 1 || !strings.Contains(notes[0].Text, tt.wantNote)) {
				t.Fatalf("ephemeral notes %+v, want %q", notes, tt.wantNote)
			}
		})
	}
}

func TestReplayedRequest(t *testing.T) {
	h := newHarness(t)
	a := h.newApproval(t, store.KindApproval, 2)
	body := h.click(a, slackapp.ActionApprove, "U01ALICE")
	hdr := slacktest.Sign(secret, h.clk.Now().Unix(), body)
	if res := h.send(t, body, hdr.Clone()); res.status != http.StatusOK {
		t.Fatalf("first: %d %s", res.status, res.body)
	}
	t.Run("same signature again is refused", func(t *testing.T) {
		res := h.send(t, body, hdr.Clone())
		if res.status != http.StatusUnauthorized || !strings.Contains(res.body, slackapp.CodeReplay) {
			t.Fatalf("replay: %d %s", res.status, res.body)
		}
	})
	t.Run("a Slack retry of it is acknowledged and ignored", func(t *testing.T) {
		retry := hdr.Clone()
		retry.Set(slackapp.HeaderRetryNum, "1")
		res := h.send(t, body, retry)
		if res.status != http.StatusOK || !strings.Contains(res.body, slackapp.CodeDuplicate) {
			t.Fatalf("retry: %d %s", res.status, res.body)
		}
	})
	got := h.approvalNow(t, a.ID)
	if got.Status != store.ApprovalPending || len(got.Approvers) != 1 {
		t.Fatalf("approval %s approvers %v, want pending with one vote", got.Status, got.Approvers)
	}
	if n := len(h.audit(t, slackapp.AuditSlackVote)); n != 1 {
		t.Fatalf("%d vote audits, want 1", n)
	}
}

func TestQuorumOfTwo(t *testing.T) {
	h := newHarness(t)
	a := h.newApproval(t, store.KindApproval, 2)
	step := func(user, wantCode string, wantStatus store.ApprovalStatus, wantApprovers int) {
		t.Helper()
		h.clk.Advance(time.Second) // a new click is a new signed request
		res := h.send(t, h.click(a, slackapp.ActionApprove, user), nil)
		if res.status != http.StatusOK || !strings.Contains(res.body, `"code":"`+wantCode+`"`) {
			t.Fatalf("%s: %d %s, want 200 %s", user, res.status, res.body, wantCode)
		}
		h.runFollowUps(t)
		got := h.approvalNow(t, a.ID)
		if got.Status != wantStatus || len(got.Approvers) != wantApprovers {
			t.Fatalf("after %s: %s with %v, want %s with %d", user, got.Status, got.Approvers, wantStatus, wantApprovers)
		}
	}
	step("U01ALICE", slackapp.CodeRecorded, store.ApprovalPending, 1)
	if m := h.message(t); !strings.Contains(m.Blocks, "1 so far") {
		t.Fatalf("message does not show progress: %s", m.Blocks)
	}
	step("U01ALICE", slackapp.CodeDuplicate, store.ApprovalPending, 1) // double click
	if len(h.approval.completions()) != 0 {
		t.Fatal("one approver completed a quorum of two")
	}
	step("U09CAROL", slackapp.CodeRecorded, store.ApprovalApproved, 2) // via user group S03ONCALL
	step("U02BOBBY", slackapp.CodeClosed, store.ApprovalApproved, 2)   // after quorum
	if c := h.approval.completions(); len(c) != 1 {
		t.Fatalf("%d completions, want exactly 1", len(c))
	}
	if n := len(h.audit(t, slackapp.AuditSlackVote)); n != 2 {
		t.Fatalf("%d vote audits, want 2", n)
	}
}

func TestDecision(t *testing.T) {
	h := newHarness(t)
	a := h.newApproval(t, store.KindDecision, 1)
	res := h.send(t, h.click(a, slackapp.ActionUngraceful, "U02BOBBY"), nil)
	if res.status != http.StatusOK {
		t.Fatalf("%d %s", res.status, res.body)
	}
	c := h.approval.completions()
	if len(c) != 1 || c[0].Status != store.ApprovalAnswered || c[0].Answer != "ungraceful" {
		t.Fatalf("completions %+v, want one answered ungraceful", c)
	}
	if n := len(h.audit(t, slackapp.AuditSlackVote)); n != 1 {
		t.Fatalf("%d decision audits, want 1", n)
	}
}

// TestSlackDownThenBack: a vote taken while Slack is unreachable (here the
// API path, which votes through the same backend) stands; the message update
// fails and is recorded; when Slack is back the update goes through.
func TestSlackDownThenBack(t *testing.T) {
	h := newHarness(t)
	a := h.newApproval(t, store.KindApproval, 1)
	h.slack.SetDown(true)
	if _, err := h.approval.Answer(t.Context(), a.ID, store.Vote{User: "arn:aws:iam::123456789012:role/payments-oncall", Approve: true}); err != nil {
		t.Fatal(err)
	}
	if err := slackapp.UpdateMessage(t.Context(), h.st, h.poster, a.ID); err == nil {
		t.Fatal("update succeeded while Slack is down")
	}
	if n := len(h.audit(t, slackapp.AuditMessageUpdateFailed)); n != 1 {
		t.Fatalf("%d update_failed audits, want 1", n)
	}
	if c := h.approval.completions(); len(c) != 1 {
		t.Fatalf("approval did not complete without Slack: %+v", c)
	}
	h.slack.SetDown(false)
	if err := slackapp.UpdateMessage(t.Context(), h.st, h.poster, a.ID); err != nil {
		t.Fatal(err)
	}
	if m := h.message(t); m.Updates != 1 || !strings.Contains(m.Blocks, "Approved by") {
		t.Fatalf("message after Slack is back: %d updates %s", m.Updates, m.Blocks)
	}
}

// TestUpdateRetriesUntilSlackIsBack exercises UpdateWithRetry's backoff on
// the virtual clock.
func TestUpdateRetriesUntilSlackIsBack(t *testing.T) {
	h := newHarness(t)
	a := h.newApproval(t, store.KindApproval, 1)
	if _, err := h.approval.Answer(t.Context(), a.ID, store.Vote{User: "U01ALICE", Approve: true}); err != nil {
		t.Fatal(err)
	}
	h.poster.Attempts, h.poster.Backoff = 5, time.Second
	h.slack.FailNext(3)
	before := h.clk.Now()
	done := make(chan error, 1)
	// On the virtual clock the backoff sleeps jump as soon as the updating
	// goroutine is the only one left and sleeping.
	h.clk.Go(func() { done <- slackapp.UpdateMessage(t.Context(), h.st, h.poster, a.ID) })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if waited := h.clk.Now().Sub(before); waited != 7*time.Second {
		t.Fatalf("backed off %s in all, want 1s+2s+4s", waited)
	}
	if n := len(h.audit(t, slackapp.AuditMessageUpdateFailed)); n != 3 {
		t.Fatalf("%d update_failed audits, want 3", n)
	}
	if m := h.message(t); m.Updates != 1 {
		t.Fatalf("%d updates, want 1", m.Updates)
	}
}

func TestSlackPublishedExampleThroughHandler(t *testing.T) {
	// Slack's documented request is a slash command, not a button click: at
	// its own instant its signature verifies, so the refusal is 400
	// (malformed), not 401; a second later with one byte changed it is 401.
	h := newHarness(t)
	clk := clock.NewVirtual(time.Unix(1531420618, 0))
	v, err := slackapp.NewVerifier("8f742231b10e8888abcd99yyyzzz85a5", clk)
	if err != nil {
		t.Fatal(err)
	}
	handler, err := slackapp.NewHandler(slackapp.HandlerConfig{
		Verifier: v, Replay: slackapp.NewReplayGuard(clk, 10*time.Minute), Store: h.st, Answerer: h.approval,
		Authorizer: slackapp.NewAuthorizer(nil, clk, time.Minute), Clock: clk, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	const body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	tests := []struct {
		name string
		body string
		want int
	}{
		{"documented request verifies", body, http.StatusBadRequest},
		{"one byte changed", strings.Replace(body, "roadrunner", "roadrunneR", 1), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/slack/interactions", strings.NewReader(tt.body))
			req.Header.Set(slackapp.HeaderTimestamp, strconv.Itoa(1531420618))
			req.Header.Set(slackapp.HeaderSignature, "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d (%s), want %d", rec.Code, rec.Body, tt.want)
			}
		})
	}
}

func TestExpiredMessageIsSynced(t *testing.T) {
	h := newHarness(t)
	h.newApproval(t, store.KindApproval, 1)
	h.clk.Advance(31 * time.Minute)
	if err := slackapp.SyncExecution(t.Context(), h.st, h.st, h.poster, "exec-1"); err != nil {
		t.Fatal(err)
	}
	m := h.message(t)
	if m.Updates != 1 || !strings.Contains(m.Blocks, "Expired at") || strings.Contains(m.Blocks, slackapp.ActionApprove) {
		t.Fatalf("expired message: %d updates %s", m.Updates, m.Blocks)
	}
	if err := slackapp.SyncExecution(t.Context(), h.st, h.st, h.poster, "exec-1"); err != nil {
		t.Fatal(err)
	}
	if n := len(h.audit(t, slackapp.AuditMessageUpdated)); n != 1 {
		t.Fatalf("%d message-updated audits after two syncs, want 1 (keyed by state)", n)
	}
}
