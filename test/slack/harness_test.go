package slack

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/slackapp"
	"github.com/switchyard-dev/switchyard/shared/slackapp/slacktest"
	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
)

const (
	secret  = "test-signing-secret"
	channel = "C0PAYMENTS1"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

// completion is one task completion the fake approval backend made.
type completion struct {
	Token  string
	Status store.ApprovalStatus
	Answer string
}

// fakeApproval stands in for shared/approval: it votes in the store and
// "completes the task token" (records it) when the vote completes.
type fakeApproval struct {
	st *memory.Store

	mu   sync.Mutex
	done []completion
}

func (f *fakeApproval) Answer(ctx context.Context, id string, v store.Vote) (store.VoteResult, error) {
	res, err := f.st.VoteApproval(ctx, id, v)
	if err == nil && res.Completed {
		f.mu.Lock()
		f.done = append(f.done, completion{res.Approval.TaskToken, res.Approval.Status, res.Approval.Answer})
		f.mu.Unlock()
	}
	return res, err
}

func (f *fakeApproval) completions() []completion {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]completion(nil), f.done...)
}

// queue is a Deferrer that keeps follow-ups for the test to run: no
// goroutines, no waiting.
type queue struct {
	mu sync.Mutex
	fs []slackapp.FollowUp
}

func (q *queue) Defer(_ context.Context, f slackapp.FollowUp) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.fs = append(q.fs, f)
}

func (q *queue) take() []slackapp.FollowUp {
	q.mu.Lock()
	defer q.mu.Unlock()
	fs := q.fs
	q.fs = nil
	return fs
}

type harness struct {
	clk      *clock.Virtual
	st       *memory.Store
	slack    *slacktest.Server
	approval *fakeApproval
	poster   *slackapp.Poster
	handler  *slackapp.Handler
	queue    *queue
	srv      *httptest.Server
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{clk: clock.NewVirtual(t0), slack: slacktest.New(), queue: &queue{}}
	t.Cleanup(h.slack.Close)
	h.slack.SetGroup("S03ONCALL", "U09CAROL")
	h.st = memory.New(h.clk)
	h.approval = &fakeApproval{st: h.st}
	api := slack.New("xoxb-test", slack.OptionAPIURL(h.slack.APIURL()))
	h.poster = slackapp.NewPoster(api, h.st, h.clk)
	h.poster.Attempts = 1
	v, err := slackapp.NewVerifier(secret, h.clk)
	if err != nil {
		t.Fatal(err)
	}
	h.handler, err = slackapp.NewHandler(slackapp.HandlerConfig{
		Verifier: v, Replay: slackapp.NewReplayGuard(h.clk, 2*slackapp.MaxSkew),
		Store: h.st, Answerer: h.approval, Authorizer: slackapp.NewAuthorizer(api, h.clk, 5*time.Minute),
		Poster: h.poster, Deferrer: h.queue, Clock: h.clk, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	h.srv = httptest.NewServer(h.handler)
	t.Cleanup(h.srv.Close)

	plans, err := plan.ParseFile("../../examples/plans/payments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := plans[0].CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, _, err := h.st.PutPlan(ctx, store.PlanVersion{Name: "payments", Version: plans[0].Fingerprint(), Document: doc}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.st.CreateExecution(ctx, store.Execution{
		ID: "exec-1", Plan: "payments", PlanVersion: plans[0].Fingerprint(), Target: "us-west-2", Source: "us-east-1",
		Mode: store.ModeGraceful, StartedBy: "trigger:primary-5xx", Reason: "alarm payments-5xx-use1 red for 5m",
	}); err != nil {
		t.Fatal(err)
	}
	return h
}

// newApproval stores and posts an approval needing quorum votes.
func (h *harness) newApproval(t *testing.T, kind store.ApprovalKind, quorum int) store.Approval {
	t.Helper()
	a, _, err := h.st.CreateApproval(t.Context(), store.Approval{
		Kind: kind, Execution: "exec-1", Plan: "payments", Step: "approve", Quorum: quorum,
		TaskToken: "task-token-" + store.NewApprovalID(), ExpiresAt: h.clk.Now().Add(30 * time.Minute),
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := slackapp.RequestFor(t.Context(), h.st, a)
	if err != nil {
		t.Fatal(err)
	}
	r.Lag, r.LagKnown = 3*time.Second, true
	a, err = h.poster.Post(t.Context(), channel, r)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

type response struct {
	status int
	body   string
}

// send POSTs body signed at the clock's now (or as hdr overrides).
func (h *harness) send(t *testing.T, body []byte, hdr http.Header) response {
	t.Helper()
	if hdr == nil {
		hdr = slacktest.Sign(secret, h.clk.Now().Unix(), body)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, h.srv.URL+"/slack/interactions", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = hdr
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, string(b)}
}

func (h *harness) click(a store.Approval, action, user string) []byte {
	return slacktest.Click{ApprovalID: a.ID, ActionID: action, User: user, Channel: a.Message.Channel, MessageTS: a.Message.TS}.Body()
}

// runFollowUps does what the deferrer would do after the response.
func (h *harness) runFollowUps(t *testing.T) {
	t.Helper()
	for _, f := range h.queue.take() {
		h.handler.RunFollowUp(t.Context(), f)
	}
}

func (h *harness) approvalNow(t *testing.T, id string) store.Approval {
	t.Helper()
	a, err := h.st.GetApproval(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (h *harness) audit(t *testing.T, action string) []store.AuditRecord {
	t.Helper()
	recs, err := h.st.ListAudit(t.Context(), "exec-1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.AuditRecord
	for _, r := range recs {
		if r.Action == action {
			out = append(out, r)
		}
	}
	return out
}

func (h *harness) message(t *testing.T) slacktest.Message {
	t.Helper()
	ms := h.slack.Messages()
	if len(ms) != 1 {
		t.Fatalf("%d Slack messages, want 1", len(ms))
	}
	return ms[0]
}
