package devserve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/api"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/devserver"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/slackapp/slacktest"
)

const (
	secret   = "devserve-test-secret"
	oncall   = "arn:aws:iam::123456789012:role/payments-oncall"
	channel  = "C0PAYMENTS1"
	approver = "U01ALICE"
)

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// harness is a running dev server on a virtual clock with a fake Slack.
// The test holds the clock from before a start until the approval is
// given, so the approval cannot time out while the test acts at wall speed.
type harness struct {
	clk   *clock.Virtual
	slack *slacktest.Server
	srv   *devserver.Server
	url   string
	// client is the harness's own, so the test can close its connections.
	client *http.Client
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	plans, err := plan.ParseFile("../../examples/plans/payments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{clk: clock.NewVirtual(t0), slack: slacktest.New()}
	t.Cleanup(h.slack.Close)
	h.slack.SetGroup("S03ONCALL", "U09CAROL")
	h.srv, err = devserver.New(devserver.Config{
		Plans: plans, SigningSecret: secret, SlackAPIURL: h.slack.APIURL(), Clock: h.clk,
		ResyncInterval: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.url = "http://" + ln.Addr().String()
	h.client = &http.Client{Transport: &http.Transport{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		// The transport may have dialed a connection it never used (four
		// concurrent requests); close it, as a client going away would.
		h.client.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return h
}

type response struct {
	status int
	body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// do sends an API request as principal.
func (h *harness) do(t *testing.T, method, path, principal string, body any) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, h.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if principal != "" {
		req.Header.Set(devserver.PrincipalHeader, principal)
	}
	return h.send(t, req)
}

func (h *harness) send(t *testing.T, req *http.Request) response {
	t.Helper()
	res, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, b}
}

// click POSTs a Slack button click signed with sec at wall time ts.
func (h *harness) click(t *testing.T, sec string, ts time.Time, c slacktest.Click) response {
	t.Helper()
	body := c.Body()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, h.url+"/slack/interactions", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = slacktest.Sign(sec, ts.Unix(), body)
	return h.send(t, req)
}

// start starts payments into us-west-2 and returns the execution id.
func (h *harness) start(t *testing.T, token string) string {
	t.Helper()
	res := h.do(t, http.MethodPost, "/v1/executions", oncall, api.StartInput{Plan: "payments", Target: "us-west-2", ClientToken: token, Reason: "test"})
	if res.status != http.StatusAccepted {
		t.Fatalf("start: %d %s", res.status, res.body)
	}
	var out struct {
		ExecutionID string `json:"executionId"`
	}
	res.decode(t, &out)
	return out.ExecutionID
}

func (h *harness) describe(t *testing.T, id string) api.Execution {
	t.Helper()
	res := h.do(t, http.MethodGet, "/v1/executions/"+id, oncall, nil)
	if res.status != http.StatusOK {
		t.Fatalf("describe: %d %s", res.status, res.body)
	}
	var e api.Execution
	res.decode(t, &e)
	return e
}

// eventually polls cond (wall time) until it holds or the test's context
// ends: the server runs on its own goroutines.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	last := ""
	for {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		select {
		case <-ctx.Done():
			t.Fatalf("%s: gave up; last state: %s", what, last)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// pending waits for the execution's pending approval and its Slack message.
func (h *harness) pending(t *testing.T, id string) (*api.Pending, slacktest.Message) {
	t.Helper()
	var p *api.Pending
	eventually(t, "approval pending", func() (bool, string) {
		e := h.describe(t, id)
		p = e.Pending
		return p != nil, fmt.Sprintf("%s steps=%d", e.Status, len(e.Steps))
	})
	var m slacktest.Message
	eventually(t, "Slack message posted", func() (bool, string) {
		for _, msg := range h.slack.Messages() {
			if strings.Contains(msg.Blocks, p.ApprovalID) {
				m = msg
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d messages", len(h.slack.Messages()))
	})
	return p, m
}

// finish waits for the execution to end and returns it.
func (h *harness) finish(t *testing.T, id string) api.Execution {
	t.Helper()
	var e api.Execution
	eventually(t, "execution finished", func() (bool, string) {
		e = h.describe(t, id)
		return e.Status != "RUNNING", e.Status
	})
	return e
}
