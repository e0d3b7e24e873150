package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/store"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

type resp struct {
	status int
	raw    string
	body   map[string]any
}

func (r resp) errField(k string) string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e[k].(string)
	return s
}

func (e *env) do(t *testing.T, method, path, caller, body string) resp {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if caller != "" {
		req.Header.Set("X-Test-Caller", caller)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, raw: string(b)}
	_ = json.Unmarshal(b, &r.body)
	return r
}

// begin plays execute-plan's Begin state: record the execution, hold the
// lock with the execution name, and (optionally) wait for an approval.
func (e *env) begin(t *testing.T, id string, kind store.ApprovalKind, quorum int) store.Approval {
	t.Helper()
	ctx := t.Context()
	if _, err := e.st.AcquireLock(ctx, "payments", id, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.CreateExecution(ctx, store.Execution{ID: id, Plan: "payments", PlanVersion: e.version, Target: "us-west-2",
		Source: "us-east-1", Mode: store.ModeGraceful, StartedBy: oncallSTS}); err != nil {
		t.Fatal(err)
	}
	if kind == "" {
		return store.Approval{}
	}
	a, _, err := e.st.CreateApproval(ctx, store.Approval{Kind: kind, Execution: id, Plan: "payments", Step: "approve",
		Quorum: quorum, TaskToken: "token-" + id, ExpiresAt: e.clk.Now().Add(30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (e *env) start(t *testing.T, token string) string {
	t.Helper()
	r := e.do(t, "POST", "/v1/executions", oncallSTS, `{"plan":"payments","target":"us-west-2","clientToken":"`+token+`","reason":"drill"}`)
	if r.status != http.StatusAccepted {
		t.Fatalf("start: %d %s", r.status, r.raw)
	}
	return r.body["executionId"].(string)
}

func TestStartIdempotentAndExclusive(t *testing.T) {
	e := newEnv(t)
	id := e.start(t, "tok-1")
	if again := e.start(t, "tok-1"); again != id {
		t.Fatalf("same clientToken gave %s then %s", id, again)
	}
	e.begin(t, id, "", 0)
	if again := e.start(t, "tok-1"); again != id {
		t.Fatalf("same clientToken after Begin gave %s, want %s", again, id)
	}
	if n := e.sfn.startCount(); n != 1 {
		t.Fatalf("%d Step Functions executions, want 1", n)
	}
	r := e.do(t, "POST", "/v1/executions", oncallSTS, `{"plan":"payments","target":"us-west-2","clientToken":"tok-2"}`)
	if r.status != http.StatusConflict || r.errField("code") != "already_running" || r.errField("execution") != id || !strings.Contains(r.errField("message"), id) {
		t.Fatalf("second start: %d %s, want 409 naming %s", r.status, r.raw, id)
	}
	r = e.do(t, "POST", "/v1/executions", oncallSTS, `{"plan":"payments","target":"us-west-2","mode":"ungraceful","clientToken":"tok-1"}`)
	if r.status != http.StatusAccepted || r.body["executionId"] != id || r.body["created"] != false {
		t.Fatalf("same token, other mode: %d %s, want the first execution", r.status, r.raw)
	}
}

func TestConcurrentStartsYieldOneExecution(t *testing.T) {
	e := newEnv(t)
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i] = e.do(t, "POST", "/v1/executions", oncallSTS, `{"plan":"payments","target":"us-west-2","clientToken":"c`+string(rune('a'+i))+`"}`).status
		})
	}
	wg.Wait()
	accepted, conflicts := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusAccepted:
			accepted++
		case http.StatusConflict:
			conflicts++
		}
	}
	if accepted != 1 || conflicts != n-1 || e.sfn.startCount() != 1 {
		t.Fatalf("statuses %v (%d started), want one 202 and %d 409s", statuses, e.sfn.startCount(), n-1)
	}
}

func TestStartValidation(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantField string
		wantCode  string
	}{
		{"malformed JSON", `{"plan": "payments",`, "", "malformed_json"},
		{"not an object", `["payments"]`, "", "malformed_json"},
		{"empty body", ``, "", "malformed_json"},
		{"trailing data", `{"plan":"payments","target":"us-west-2"} {}`, "", "malformed_json"},
		{"unknown field", `{"plan":"payments","target":"us-west-2","region":"x"}`, "region", "unknown_field"},
		{"wrong type", `{"plan":"payments","target":42}`, "target", "invalid_type"},
		{"missing plan", `{"target":"us-west-2"}`, "plan", "required"},
		{"missing target", `{"plan":"payments"}`, "target", "required"},
		{"unknown plan", `{"plan":"billing","target":"us-west-2"}`, "plan", "unknown_plan"},
		{"bad plan name", `{"plan":"Payments!","target":"us-west-2"}`, "plan", "invalid"},
		{"bad Region", `{"plan":"payments","target":"us-nowhere-9"}`, "target", "invalid_region"},
		{"Region outside the plan", `{"plan":"payments","target":"eu-west-1"}`, "target", "invalid_region"},
		{"failover into another Region's control plane", `{"plan":"payments","target":"us-east-1"}`, "target", "wrong_region"},
		{"no workflow into the target", `{"plan":"storefront","target":"us-west-2"}`, "target", "invalid_region"},
		{"bad mode", `{"plan":"payments","target":"us-west-2","mode":"hasty"}`, "mode", "invalid"},
		{"bad client token", `{"plan":"payments","target":"us-west-2","clientToken":"a b"}`, "clientToken", "invalid"},
		{"long reason", `{"plan":"payments","target":"us-west-2","reason":"` + strings.Repeat("x", 1025) + `"}`, "reason", "too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.do(t, "POST", "/v1/executions", oncallSTS, tt.body)
			if r.status != http.StatusBadRequest || r.errField("field") != tt.wantField || r.errField("code") != tt.wantCode || r.errField("message") == "" {
				t.Fatalf("got %d %s, want 400 field %q code %q", r.status, r.raw, tt.wantField, tt.wantCode)
			}
			if _, present := r.body["error"].(map[string]any)["field"]; !present {
				t.Fatal("error has no field member")
			}
			if e.sfn.startCount() != 0 {
				t.Fatal("a rejected start started an execution")
			}
			if _, err := e.st.GetLock(t.Context(), "payments"); err == nil {
				t.Fatal("a rejected start took the plan lock")
			}
		})
	}
}

func TestDescribeAndList(t *testing.T) {
	e := newEnv(t)
	id := e.start(t, "tok-1")
	r := e.do(t, "GET", "/v1/executions/"+id, oncallSTS, "")
	if r.status != 200 || r.body["status"] != "RUNNING" || r.body["plan"] != "payments" {
		t.Fatalf("before Begin (from Step Functions): %d %s", r.status, r.raw)
	}
	a := e.begin(t, id, store.KindApproval, 1)
	if _, err := e.st.PutStep(t.Context(), store.Step{Execution: id, Name: "approve", Block: "approval", Status: store.StepRunning, Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	r = e.do(t, "GET", "/v1/executions/"+id, oncallSTS, "")
	pending, _ := r.body["pending"].(map[string]any)
	steps, _ := r.body["steps"].([]any)
	if r.status != 200 || pending["approvalId"] != a.ID || len(steps) != 1 || strings.Contains(r.raw, a.TaskToken) {
		t.Fatalf("describe: %d %s", r.status, r.raw)
	}
	for _, tt := range []struct {
		query string
		want  int
	}{{"", 1}, {"?plan=payments", 1}, {"?plan=storefront", 0}, {"?status=RUNNING", 1}, {"?status=SUCCEEDED", 0}} {
		r := e.do(t, "GET", "/v1/executions"+tt.query, oncallSTS, "")
		if got, _ := r.body["executions"].([]any); r.status != 200 || len(got) != tt.want {
			t.Fatalf("list %s: %d %s, want %d", tt.query, r.status, r.raw, tt.want)
		}
	}
	for _, tt := range []struct{ path, field string }{{"/v1/executions?status=DONE", "status"}, {"/v1/executions?plan=Bad!", "plan"}} {
		if r := e.do(t, "GET", tt.path, oncallSTS, ""); r.status != 400 || r.errField("field") != tt.field {
			t.Fatalf("%s: %d %s", tt.path, r.status, r.raw)
		}
	}
	for _, p := range []string{"/v1/executions/api-unknown", "/v1/executions/api-unknown/events", "/v1/executions/%2E%2E%2Fx"} {
		if r := e.do(t, "GET", p, oncallSTS, ""); r.status != 404 {
			t.Fatalf("%s: %d %s", p, r.status, r.raw)
		}
	}
	if r := e.do(t, "GET", "/v1/executions/"+id, "", ""); r.status != 401 {
		t.Fatalf("no caller: %d", r.status)
	}
}

func TestApprove(t *testing.T) {
	e := newEnv(t)
	id := e.start(t, "tok-1")
	a := e.begin(t, id, store.KindApproval, 2)
	path := "/v1/executions/" + id + "/approve"
	tests := []struct {
		name       string
		caller     string
		body       string
		wantStatus int
		wantCode   string
		wantVotes  int
	}{
		{"stranger is refused", stranger, `{"approve":true}`, 403, "not_an_approver", 0},
		{"missing approve", oncallSTS, `{"comment":"x"}`, 400, "required", 0},
		{"approve not boolean", oncallSTS, `{"approve":"yes"}`, 400, "invalid_type", 0},
		{"assumed-role session of a fallback approver", oncallSTS, `{"approve":true,"comment":"lag is 2s"}`, 200, "", 1},
		{"the same caller again counts once", oncallSTS, `{"approve":true}`, 200, "", 1},
		{"a second fallback approver completes the quorum", "arn:aws:iam::123456789012:role/incident-commander", `{"approve":true}`, 200, "", 2},
		{"after quorum nothing is pending", "arn:aws:sts::123456789012:assumed-role/incident-commander/bob", `{"approve":true}`, 409, "not_pending", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, "POST", path, tt.caller, tt.body)
			if r.status != tt.wantStatus || tt.wantCode != "" && r.errField("code") != tt.wantCode {
				t.Fatalf("got %d %s, want %d %s", r.status, r.raw, tt.wantStatus, tt.wantCode)
			}
			got, err := e.st.GetApproval(t.Context(), a.ID)
			if err != nil || len(got.Approvers) != tt.wantVotes {
				t.Fatalf("approvers %v (%v), want %d", got.Approvers, err, tt.wantVotes)
			}
		})
	}
	if c := e.approval.completions(); len(c) != 1 || c[0].Status != store.ApprovalApproved {
		t.Fatalf("completions %+v, want one approval", c)
	}
	r := e.do(t, "GET", "/v1/executions/"+id+"/events", oncallSTS, "")
	if r.status != 200 || strings.Count(r.raw, `"api.vote"`) != 2 || !strings.Contains(r.raw, oncallSTS) {
		t.Fatalf("events: %s", r.raw)
	}
	if len(e.changed) != 2 {
		t.Fatalf("Slack told of %d changes, want 2", len(e.changed))
	}
}

func TestDecision(t *testing.T) {
	e := newEnv(t)
	id := e.start(t, "tok-1")
	path := "/v1/executions/" + id + "/decision"
	if r := e.do(t, "POST", path, oncallSTS, `{"action":"retry"}`); r.status != 409 {
		t.Fatalf("no decision pending: %d %s", r.status, r.raw)
	}
	a := e.begin(t, id, store.KindDecision, 1)
	for _, tt := range []struct{ body, field, code string }{
		{`{"action":"panic"}`, "action", "invalid"}, {`{}`, "action", "required"}, {`{"action":"skip","extra":1}`, "extra", "unknown_field"},
	} {
		if r := e.do(t, "POST", path, oncallSTS, tt.body); r.status != 400 || r.errField("field") != tt.field || r.errField("code") != tt.code {
			t.Fatalf("%s: %d %s", tt.body, r.status, r.raw)
		}
	}
	if r := e.do(t, "POST", path, stranger, `{"action":"skip"}`); r.status != 403 {
		t.Fatalf("stranger: %d %s", r.status, r.raw)
	}
	r := e.do(t, "POST", path, oncallSTS, `{"action":"ungraceful","comment":"us-east-1 is gone"}`)
	if r.status != 200 || r.body["status"] != "answered" || r.body["answer"] != "ungraceful" {
		t.Fatalf("decide: %d %s", r.status, r.raw)
	}
	if got, _ := e.st.GetApproval(t.Context(), a.ID); got.DecidedBy != oncallSTS {
		t.Fatalf("decided by %q", got.DecidedBy)
	}
}

func TestCancel(t *testing.T) {
	e := newEnv(t)
	id := e.start(t, "tok-1")
	a := e.begin(t, id, store.KindApproval, 1)
	path := "/v1/executions/" + id + "/cancel"
	if r := e.do(t, "POST", path, stranger, ``); r.status != 403 {
		t.Fatalf("stranger: %d %s", r.status, r.raw)
	}
	if got, _ := e.st.GetExecution(t.Context(), id); got.Status != store.ExecutionRunning || len(e.sfn.stops) != 0 {
		t.Fatal("a refused cancel changed the execution")
	}
	r := e.do(t, "POST", path, oncallSTS, `{"reason":"false alarm"}`)
	if r.status != 200 || r.body["status"] != "ABORTED" {
		t.Fatalf("cancel: %d %s", r.status, r.raw)
	}
	if got, _ := e.st.GetApproval(t.Context(), a.ID); got.Status != store.ApprovalExpired {
		t.Fatalf("approval %s after cancel, want expired", got.Status)
	}
	if _, err := e.st.GetLock(t.Context(), "payments"); err == nil {
		t.Fatal("plan lock still held after cancel")
	}
	if r := e.do(t, "POST", path, oncallSTS, ``); r.status != 409 || r.errField("code") != "finished" {
		t.Fatalf("cancel again: %d %s", r.status, r.raw)
	}
	if next := e.start(t, "tok-next"); next == id {
		t.Fatal("a new start after cancel reused the cancelled execution")
	}
}

func TestPlans(t *testing.T) {
	e := newEnv(t)
	if _, err := e.st.PutReadiness(t.Context(), store.ReadinessReport{Plan: "payments", Region: "us-west-2", PlanVersion: e.version, Ready: true, Summary: "12/12"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/v1/plans", 200, `"name":"payments"`},
		{"/v1/plans/payments", 200, `"fallbackApprovers"`},
		{"/v1/plans/payments/readiness", 200, `"summary":"12/12"`},
		{"/v1/plans/billing", 404, `"not_found"`},
		{"/v1/plans/billing/readiness", 404, `"not_found"`},
		{"/v2/plans", 404, `"not_found"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := e.do(t, "GET", tt.path, oncallSTS, "")
			if r.status != tt.status || !strings.Contains(r.raw, tt.want) {
				t.Fatalf("%d %s, want %d containing %s", r.status, r.raw, tt.status, tt.want)
			}
		})
	}
}
