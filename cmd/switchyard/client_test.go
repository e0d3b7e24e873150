package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/devserver"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

const oncallRole = "arn:aws:iam::123456789012:role/payments-oncall"

// runClient runs the client and dev commands (not yet registered on the
// root) with args.
func runClient(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	s := streams{out: &out, err: &errb}
	root := &cobra.Command{Use: "switchyard", SilenceUsage: true, SilenceErrors: true}
	root.SetOut(&out)
	root.SetErr(&errb)
	root.AddCommand(newClientCmds(s)...)
	root.AddCommand(newDevCmd(s))
	root.SetArgs(args)
	err := root.ExecuteContext(t.Context())
	if err != nil {
		code = 2
		if ee, ok := err.(*exitError); ok {
			code = ee.code
		}
		errb.WriteString(err.Error())
	}
	return code, out.String(), errb.String()
}

// devServer starts a dev server on a held virtual clock; release lets
// simulated time run.
func devServer(t *testing.T) (endpoint string, release func()) {
	t.Helper()
	plans, err := plan.ParseFile(paymentsPlan)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewVirtual(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	release = clk.Hold()
	t.Cleanup(release)
	srv, err := devserver.New(devserver.Config{Plans: plans, Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return "http://" + ln.Addr().String(), release
}

var executionRE = regexp.MustCompile(`execution (api-[0-9a-f]+) started`)

func TestClientCommands(t *testing.T) {
	ep, release := devServer(t)
	code, out, errs := runClient(t, "start", "payments", "--target", "us-west-2", "--reason", "drill", "--client-token", "t1", "--endpoint", ep, "--as", oncallRole)
	m := executionRE.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("start: %d %q %q", code, out, errs)
	}
	id := m[1]
	t.Run("same client token", func(t *testing.T) {
		code, out, _ := runClient(t, "start", "payments", "--target", "us-west-2", "--client-token", "t1", "--endpoint", ep, "--json")
		if code != 0 || !strings.Contains(out, `"executionId": "`+id+`"`) || !strings.Contains(out, `"created": false`) {
			t.Fatalf("%d %s", code, out)
		}
	})
	waitForApproval(t, ep, id)
	refusals := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"approve without a principal", []string{"approve", id}, 1, "local:anonymous is not a fallback approver of plan payments"},
		{"decide with nothing to decide", []string{"decide", id, "--action", "retry", "--as", oncallRole}, 1, "has no pending decision"},
		{"bad action", []string{"decide", id, "--action", "later", "--as", oncallRole}, 1, "action"},
		{"unknown execution", []string{"status", "api-nope"}, 1, "HTTP 404"},
		{"start a second one", []string{"start", "payments", "--target", "us-west-2", "--as", oncallRole}, 1, "already running: execution " + id},
		{"bad endpoint", []string{"status", id, "--endpoint", "ftp://x"}, 2, "want an http:// or https:// URL"},
		{"deployed endpoint without a region", []string{"status", id, "--endpoint", "https://api.example.com"}, 2, "give --region"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if !strings.Contains(strings.Join(args, " "), "--endpoint") {
				args = append(args, "--endpoint", ep)
			}
			code, out, errs := runClient(t, args...)
			if code != tc.wantCode || !strings.Contains(errs, tc.wantErr) {
				t.Fatalf("got %d %q %q, want %d %q", code, out, errs, tc.wantCode, tc.wantErr)
			}
		})
	}
	code, out, errs = runClient(t, "approve", id, "--comment", "go", "--endpoint", ep, "--as", oncallRole)
	if code != 0 || !strings.Contains(out, "is approved: execution "+id+" resumes") {
		t.Fatalf("approve: %d %q %q", code, out, errs)
	}
	// Once approved, nothing is pending: a second approval changes nothing.
	code, _, errs = runClient(t, "approve", id, "--endpoint", ep, "--as", oncallRole)
	if code != 1 || !strings.Contains(errs, "has no pending approval") {
		t.Fatalf("second approve: %d %q", code, errs)
	}
	release()
	code, out, errs = runClient(t, "status", id, "--watch", "--interval", "10ms", "--endpoint", ep)
	if code != 0 || !strings.Contains(out, "step synthetic-payment") || !strings.Contains(out, "execution SUCCEEDED") {
		t.Fatalf("status --watch: %d %q %q", code, out, errs)
	}
	t.Run("status json", func(t *testing.T) {
		code, out, _ := runClient(t, "status", id, "--json", "--endpoint", ep)
		var e struct {
			Status string `json:"status"`
			Steps  []any  `json:"steps"`
		}
		if err := json.Unmarshal([]byte(out), &e); code != 0 || err != nil || e.Status != "SUCCEEDED" || len(e.Steps) != 10 {
			t.Fatalf("%d %v %s", code, err, out)
		}
	})
	t.Run("history", func(t *testing.T) {
		code, out, _ := runClient(t, "history", id, "--endpoint", ep)
		if code != 0 || !strings.Contains(out, oncallRole) || !strings.Contains(out, "approval.answered") {
			t.Fatalf("%d %s", code, out)
		}
	})
	t.Run("report", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "report.html")
		code, out, errs := runClient(t, "report", id, "--html", file, "--endpoint", ep)
		if code != 0 || !regexp.MustCompile(`RTO \S+ +objective 15m +met`).MatchString(out) || !strings.Contains(out, "approval.answered") && !strings.Contains(out, oncallRole+" approve") {
			t.Fatalf("report: %d %q %q", code, out, errs)
		}
		page, err := os.ReadFile(file)
		if err != nil || !bytes.Contains(page, []byte("<svg")) || !bytes.Contains(page, []byte("promote-aurora")) {
			t.Fatalf("HTML report: %v %.300s", err, page)
		}
	})
	t.Run("cancel a finished execution", func(t *testing.T) {
		code, _, errs := runClient(t, "cancel", id, "--endpoint", ep, "--as", oncallRole)
		if code != 1 || !strings.Contains(errs, "already SUCCEEDED") {
			t.Fatalf("%d %q", code, errs)
		}
	})
}

// waitForApproval polls status until the execution asks for approval (the
// clock is held: no simulated time passes meanwhile).
func waitForApproval(t *testing.T, ep, id string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, out, _ := runClient(t, "status", id, "--endpoint", ep)
		if strings.Contains(out, "waiting for approval") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("never waited for approval: %s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestClientCancel(t *testing.T) {
	ep, _ := devServer(t)
	code, out, _ := runClient(t, "start", "payments", "--target", "us-west-2", "--endpoint", ep)
	m := executionRE.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("start: %d %q", code, out)
	}
	waitForApproval(t, ep, m[1])
	code, out, errs := runClient(t, "cancel", m[1], "--reason", "test", "--endpoint", ep, "--as", oncallRole)
	if code != 0 || !strings.Contains(out, "is ABORTED") {
		t.Fatalf("cancel: %d %q %q", code, out, errs)
	}
	code, out, _ = runClient(t, "status", m[1], "--watch", "--endpoint", ep)
	if code != 1 || !strings.Contains(out, "execution ABORTED") {
		t.Fatalf("status --watch of a cancelled execution: %d %q", code, out)
	}
}

func TestClientServerNotRunning(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, _, errs := runClient(t, "status", "api-1", "--endpoint", "http://"+addr)
	if code != 1 || !strings.Contains(errs, "no Switchyard server is running at http://"+addr) || !strings.Contains(errs, "switchyard dev serve --addr "+addr) {
		t.Fatalf("got %d %q", code, errs)
	}
}

func TestDevServeCommand(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"non-loopback address", []string{"dev", "serve", "--addr", "0.0.0.0:0", "--plans", "../../examples/plans"}, "only listens on a loopback address"},
		{"no plans", []string{"dev", "serve", "--addr", "127.0.0.1:0", "--plans", t.TempDir()}, "no *.yaml"},
		{"bad speed", []string{"dev", "serve", "--speed", "0"}, "--speed 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runClient(t, tc.args...)
			if code == 0 || !strings.Contains(errs, tc.wantErr) {
				t.Fatalf("got %d %q, want %q", code, errs, tc.wantErr)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDevServeServesUntilInterrupted(t *testing.T) {
	var out, errb syncBuffer
	s := streams{out: &out, err: &errb}
	root := &cobra.Command{Use: "switchyard", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newDevCmd(s))
	root.SetArgs([]string{"dev", "serve", "--addr", "127.0.0.1:0", "--plans", "../../examples/plans", "--fake-slack", "--slack-signing-secret", "s3cret"})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	addrRE := regexp.MustCompile(`addr=(http://127\.0\.0\.1:\d+)`)
	var ep string
	for deadline := time.Now().Add(30 * time.Second); ep == ""; {
		if m := addrRE.FindStringSubmatch(errb.String()); m != nil {
			ep = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("dev serve exited: %v\n%s", err, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("dev serve did not say where it listens:\n%s", errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	res, err := http.Get(ep + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h devserver.Health
	err = json.NewDecoder(res.Body).Decode(&h)
	res.Body.Close()
	if err != nil || !h.OK || h.Region != "us-west-2" || !h.Slack || h.Speed != devserver.DefaultSpeed || len(h.Plans) < 3 {
		t.Fatalf("healthz: %+v %v", h, err)
	}
	cancel() // what SIGINT does through main's signal.NotifyContext
	if err := <-done; err != nil {
		t.Fatalf("dev serve after interrupt: %v", err)
	}
	if !strings.Contains(errb.String(), "dev serve stopped") {
		t.Errorf("no shutdown line:\n%s", errb.String())
	}
}

func TestDeployedEndpointIsSigned(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	var got http.Header
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"executionId":"api-1","status":"RUNNING","plan":"payments","target":"us-west-2","mode":"graceful"}`))
	}))
	defer srv.Close()
	tests := []struct {
		name, region, wantScope string
	}{
		{"region given", "us-west-2", "/us-west-2/execute-api/aws4_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newAPIClient(t.Context(), clientFlags{endpoint: srv.URL + "/prod", region: tc.region, principal: "ignored"})
			if err != nil {
				t.Fatal(err)
			}
			if c.local || c.sign == nil {
				t.Fatalf("%s treated as a local dev server", srv.URL)
			}
			c.http = srv.Client()
			if err := c.call(t.Context(), http.MethodGet, "/v1/executions/api-1", nil, nil, nil); err != nil {
				t.Fatal(err)
			}
			auth := got.Get("Authorization")
			if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(auth, tc.wantScope) || got.Get("X-Amz-Date") == "" {
				t.Errorf("Authorization %q, X-Amz-Date %q: want a SigV4 signature for %s", auth, got.Get("X-Amz-Date"), tc.wantScope)
			}
			if got.Get(devserver.PrincipalHeader) != "" {
				t.Error("the dev-only principal header was sent to a deployed API")
			}
		})
	}
	t.Run("region from the execute-api host", func(t *testing.T) {
		c, err := newAPIClient(t.Context(), clientFlags{endpoint: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"})
		if err != nil || c.local || c.sign == nil {
			t.Fatalf("newAPIClient = %+v, %v; want a signing client", c, err)
		}
	})
}
