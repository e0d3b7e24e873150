package service

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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/slack-go/slack"

	"github.com/switchyard-dev/switchyard/shared/api"
	"github.com/switchyard-dev/switchyard/shared/approval"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/executor"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/slackapp"
	"github.com/switchyard-dev/switchyard/shared/slackapp/slacktest"
	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
)

const (
	secret    = "service-test-secret"
	execID    = "api-0123456789abcdef0123456789abcdef"
	smArn     = "arn:aws:states:us-west-2:123456789012:stateMachine:execute-plan"
	oncallSTS = "arn:aws:sts::123456789012:assumed-role/payments-oncall/alice"
)

// tasks is Step Functions for the approval service (task tokens) and the
// API backend (one running execution).
type tasks struct {
	mu        sync.Mutex
	successes map[string]int
	failures  map[string]int
}

func (f *tasks) SendTaskSuccess(_ context.Context, in *sfn.SendTaskSuccessInput, _ ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.successes[aws.ToString(in.TaskToken)]++
	return &sfn.SendTaskSuccessOutput{}, nil
}

func (f *tasks) SendTaskFailure(_ context.Context, in *sfn.SendTaskFailureInput, _ ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[aws.ToString(in.TaskToken)+"/"+aws.ToString(in.Error)]++
	return &sfn.SendTaskFailureOutput{}, nil
}

func (f *tasks) StartExecution(context.Context, *sfn.StartExecutionInput, ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	return nil, &sfntypes.ExecutionLimitExceeded{Message: aws.String("not used here")}
}

func (f *tasks) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	return &sfn.DescribeExecutionOutput{ExecutionArn: in.ExecutionArn, Status: sfntypes.ExecutionStatusRunning}, nil
}

func (f *tasks) StopExecution(context.Context, *sfn.StopExecutionInput, ...func(*sfn.Options)) (*sfn.StopExecutionOutput, error) {
	return &sfn.StopExecutionOutput{}, nil
}

func (f *tasks) count(m map[string]int, k string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return m[k]
}

type world struct {
	clk     *clock.Virtual
	st      *memory.Store
	sfn     *tasks
	svc     *approval.Service
	slack   *slacktest.Server
	poster  *slackapp.Poster
	slackH  *httptest.Server
	apiH    *httptest.Server
	updates sync.WaitGroup
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{clk: clock.NewVirtual(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)),
		sfn: &tasks{successes: map[string]int{}, failures: map[string]int{}}, slack: slacktest.New()}
	t.Cleanup(w.slack.Close)
	w.slack.SetGroup("S03ONCALL", "U09CAROL")
	w.st = memory.New(w.clk)
	log := slog.New(slog.DiscardHandler)
	client := slack.New("xoxb-test", slack.OptionAPIURL(w.slack.APIURL()))
	w.poster = slackapp.NewPoster(client, w.st, w.clk)
	w.poster.Attempts, w.poster.Backoff = 6, time.Second
	w.svc = approval.New(approval.Config{Store: w.st, Clock: w.clk, SFN: w.sfn, Logger: log,
		Notify: slackapp.PostOnRequest(w.st, w.poster, log)})
	answerer := slackapp.ServiceAnswerer{Service: w.svc, Store: w.st, Expired: approval.ErrExpired}

	v, err := slackapp.NewVerifier(secret, w.clk)
	if err != nil {
		t.Fatal(err)
	}
	h, err := slackapp.NewHandler(slackapp.HandlerConfig{
		Verifier: v, Replay: slackapp.NewReplayGuard(w.clk, 10*time.Minute), Store: w.st, Answerer: answerer,
		Authorizer: slackapp.NewAuthorizer(client, w.clk, 5*time.Minute), Poster: w.poster, Clock: w.clk, Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.slackH = httptest.NewServer(h)
	t.Cleanup(w.slackH.Close)

	backend, err := api.NewAWSBackend(api.AWSConfig{SFN: w.sfn, StateMachineArn: smArn, Store: w.st, Answerer: answerer, Clock: w.clk,
		OnApprovalChanged: func(ctx context.Context, id string) {
			// What `dev serve` does: re-sync the message in the background,
			// retrying with backoff until Slack answers.
			w.updates.Add(1)
			ctx = context.WithoutCancel(ctx)
			w.clk.Go(func() { defer w.updates.Done(); _ = slackapp.UpdateMessage(ctx, w.st, w.poster, id) })
		}})
	if err != nil {
		t.Fatal(err)
	}
	w.apiH = httptest.NewServer(api.NewHandler(backend, api.NewStorePlans(w.st), api.WithLogger(log),
		api.WithCaller(func(r *http.Request) string { return r.Header.Get("X-Caller") })))
	t.Cleanup(w.apiH.Close)

	plans, err := plan.ParseFile("../../../examples/plans/payments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := plans[0].CanonicalJSON()
	ctx := t.Context()
	if _, _, err := w.st.PutPlan(ctx, store.PlanVersion{Name: "payments", Version: plans[0].Fingerprint(), Document: doc}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.st.CreateExecution(ctx, store.Execution{ID: execID, Plan: "payments", PlanVersion: plans[0].Fingerprint(),
		Target: "us-west-2", Source: "us-east-1", Mode: store.ModeGraceful, StartedBy: "trigger:primary-5xx", Reason: "alarm"}); err != nil {
		t.Fatal(err)
	}
	return w
}

// request records an approval through the approval service, which posts it
// to Slack through PostOnRequest.
func (w *world) request(t *testing.T, quorum int) store.Approval {
	t.Helper()
	out, err := w.svc.Handle(t.Context(), approval.Request{
		Kind: "approval", Token: "token-approval",
		Run:      &executor.Run{Execution: execID, Plan: "payments", Target: "us-west-2", Source: "us-east-1"},
		Approval: &executor.ApprovalGate{Required: true, TimeoutSeconds: 1800, Quorum: quorum, Channel: "C0PAYMENTS1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := w.st.GetApproval(t.Context(), out.ApprovalID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Message.TS == "" {
		t.Fatal("the approval was not posted to Slack")
	}
	return a
}

func (w *world) click(t *testing.T, a store.Approval, user string) int {
	t.Helper()
	body := slacktest.Click{ApprovalID: a.ID, ActionID: slackapp.ActionApprove, User: user, Channel: a.Message.Channel, MessageTS: a.Message.TS}.Body()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, w.slackH.URL, strings.NewReader(string(body)))
	req.Header = slacktest.Sign(secret, w.clk.Now().Unix(), body)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestSlackQuorumThroughApprovalService(t *testing.T) {
	w := newWorld(t)
	a := w.request(t, 2)
	steps := []struct {
		user string
		want int
	}{{"U01ALICE", 200}, {"U01ALICE", 200}, {"U66MALLORY", 403}, {"U09CAROL", 200}, {"U02BOBBY", 200}}
	for i, s := range steps {
		w.clk.Advance(time.Second)
		if got := w.click(t, a, s.user); got != s.want {
			t.Fatalf("click %d by %s: %d, want %d", i, s.user, got, s.want)
		}
		if i < 3 && w.sfn.count(w.sfn.successes, a.TaskToken) != 0 {
			t.Fatalf("task completed after click %d", i)
		}
	}
	if n := w.sfn.count(w.sfn.successes, a.TaskToken); n != 1 {
		t.Fatalf("SendTaskSuccess %d times, want 1", n)
	}
	got, _ := w.st.GetApproval(t.Context(), a.ID)
	if got.Status != store.ApprovalApproved || strings.Join(got.Approvers, ",") != "U01ALICE,U09CAROL" {
		t.Fatalf("approval %s by %v", got.Status, got.Approvers)
	}
	recs, _ := w.st.ListAudit(t.Context(), execID, 0, 0)
	var actors []string
	for _, r := range recs {
		if r.Action == "approval.answered" || r.Action == slackapp.AuditSlackVote {
			actors = append(actors, r.Action+"="+r.Actor)
		}
	}
	want := "approval.answered=U01ALICE slack.vote=slack:U01ALICE approval.answered=U09CAROL slack.vote=slack:U09CAROL"
	if strings.Join(actors, " ") != want {
		t.Fatalf("audit %v\nwant %s", actors, want)
	}
}

func TestAPIApprovesWhileSlackIsDown(t *testing.T) {
	w := newWorld(t)
	a := w.request(t, 1)
	w.slack.SetDown(true)
	// Hold the virtual clock so the background re-sync cannot spend its
	// backoff while Slack is still down in this test's script.
	release := w.clk.Hold()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, w.apiH.URL+"/v1/executions/"+execID+"/approve", strings.NewReader(`{"approve":true,"comment":"Slack is down"}`))
	req.Header.Set("X-Caller", oncallSTS)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"completed":true`) {
		t.Fatalf("API approve while Slack is down: %d %s", res.StatusCode, body)
	}
	if n := w.sfn.count(w.sfn.successes, a.TaskToken); n != 1 {
		t.Fatalf("SendTaskSuccess %d times, want 1", n)
	}
	// Slack stays down for the first two update attempts, then comes back.
	w.slack.SetDown(false)
	w.slack.FailNext(2)
	release()
	w.updates.Wait()
	recs, _ := w.st.ListAudit(t.Context(), execID, 0, 0)
	failed, updated := 0, 0
	for _, r := range recs {
		switch r.Action {
		case slackapp.AuditMessageUpdateFailed:
			failed++
		case slackapp.AuditMessageUpdated:
			updated++
		}
	}
	ms := w.slack.Messages()
	if len(ms) != 1 || ms[0].Updates != 1 || !strings.Contains(ms[0].Blocks, "Approved by") || failed < 1 || updated != 1 {
		t.Fatalf("after Slack came back: %d failed, %d updated audits; message %+v", failed, updated, ms)
	}
}
