package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"syscall"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/switchyard-dev/switchyard/shared/api"
	"github.com/switchyard-dev/switchyard/shared/devserver"
)

// DefaultEndpoint is where the client commands look for `dev serve`.
const defaultEndpoint = "http://127.0.0.1:8080"

// newClientCmds returns the commands that start, watch and steer
// executions through the /v1 API: start, status, approve, decide, cancel,
// history, report.
func newClientCmds(s streams) []*cobra.Command {
	return []*cobra.Command{
		newStartCmd(s), newStatusCmd(s), newApproveCmd(s), newDecideCmd(s),
		newCancelCmd(s), newHistoryCmd(s), newReportCmd(s),
	}
}

// clientFlags are the flags every client command takes.
type clientFlags struct {
	endpoint  string
	region    string
	principal string
	json      bool
}

const clientHelp = `
Where: --endpoint (env SWITCHYARD_ENDPOINT, default ` + defaultEndpoint + `).
  - A loopback http:// endpoint is a local "switchyard dev serve"; the caller is
    --as (env SWITCHYARD_PRINCIPAL), sent in the dev-only X-Switchyard-Principal
    header.
  - Any other endpoint is a deployed Region's API (API Gateway with IAM
    authorization, e.g. https://ID.execute-api.us-west-2.amazonaws.com/prod):
    requests are signed with SigV4 using the default AWS credential chain, for
    --region (default: the Region in the endpoint's host name).`

func addClientFlags(cmd *cobra.Command, f *clientFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.endpoint, "endpoint", os.Getenv("SWITCHYARD_ENDPOINT"), "API base `URL` (env SWITCHYARD_ENDPOINT; default "+defaultEndpoint+")")
	fl.StringVar(&f.region, "region", "", "AWS `REGION` whose API to sign for (deployed endpoints only)")
	fl.StringVar(&f.principal, "as", os.Getenv("SWITCHYARD_PRINCIPAL"), "caller `PRINCIPAL` for a local dev server (env SWITCHYARD_PRINCIPAL), e.g. an IAM role ARN among the plan's fallbackApprovers")
	fl.BoolVar(&f.json, "json", false, "print the API's JSON")
	cmd.Long += "\n" + clientHelp
}

// apiClient calls the /v1 API of a dev server or a deployed Region.
type apiClient struct {
	base      *url.URL
	local     bool
	principal string
	http      *http.Client
	// sign signs a request for a deployed API (nil for a local one).
	sign func(ctx context.Context, r *http.Request, body []byte) error
}

var executeAPIHost = regexp.MustCompile(`\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$`)

func newAPIClient(ctx context.Context, f clientFlags) (*apiClient, error) {
	raw := f.endpoint
	if raw == "" {
		raw = defaultEndpoint
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, exitCode(2, fmt.Errorf("--endpoint %q: want an http:// or https:// URL such as %s", raw, defaultEndpoint))
	}
	c := &apiClient{base: u, principal: f.principal, http: &http.Client{Timeout: 30 * time.Second}}
	host := u.Hostname()
	ip := net.ParseIP(host)
	c.local = u.Scheme == "http" && (host == "localhost" || ip != nil && ip.IsLoopback())
	if c.local {
		return c, nil
	}
	region := f.region
	if m := executeAPIHost.FindStringSubmatch(host); region == "" && m != nil {
		region = m[1]
	}
	if region == "" {
		return nil, exitCode(2, fmt.Errorf("--endpoint %s is not a local dev server: give --region to sign requests for it with SigV4", raw))
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration for %s: %w", region, err)
	}
	signer := v4.NewSigner()
	c.sign = func(ctx context.Context, r *http.Request, body []byte) error {
		creds, err := cfg.Credentials.Retrieve(ctx)
		if err != nil {
			return fmt.Errorf("reading AWS credentials: %w", err)
		}
		sum := sha256.Sum256(body)
		return signer.SignHTTP(ctx, creds, r, hex.EncodeToString(sum[:]), "execute-api", region, time.Now())
	}
	return c, nil
}

// clientError is an error answer of the API.
type clientError struct {
	Status    int
	Code      string
	Message   string
	Field     string
	Execution string
}

func (e *clientError) Error() string {
	msg := e.Message
	if e.Field != "" && !strings.HasPrefix(msg, e.Field) {
		msg = e.Field + ": " + msg
	}
	return fmt.Sprintf("%s (HTTP %d, %s)", msg, e.Status, e.Code)
}

// call sends in (nil: no body) and decodes the answer into out; raw, if
// not nil, receives the body as sent by the server.
func (c *apiClient) call(ctx context.Context, method, path string, in, out any, raw *[]byte) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding the request: %w", err)
		}
		body = b
	}
	u := c.base.String() + path
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.local && c.principal != "" {
		req.Header.Set(devserver.PrincipalHeader, c.principal)
	}
	if c.sign != nil {
		if err := c.sign(ctx, req, body); err != nil {
			return err
		}
	}
	res, err := c.http.Do(req)
	if err != nil {
		return c.transportError(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("reading the answer to %s %s: %w", method, u, err)
	}
	if res.StatusCode >= 300 {
		var eb struct {
			Error struct {
				Code, Message, Field, Execution string
			} `json:"error"`
			Message string `json:"message"` // API Gateway's own refusals
		}
		ce := &clientError{Status: res.StatusCode}
		if json.Unmarshal(b, &eb) == nil && (eb.Error.Message != "" || eb.Message != "") {
			ce.Code, ce.Message, ce.Field, ce.Execution = eb.Error.Code, orDefault(eb.Error.Message, eb.Message), eb.Error.Field, eb.Error.Execution
		} else {
			ce.Code, ce.Message = http.StatusText(res.StatusCode), strings.TrimSpace(string(b))
		}
		return ce
	}
	if raw != nil {
		*raw = b
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("decoding the answer to %s %s: %w", method, u, err)
		}
	}
	return nil
}

// roundDur shows an API duration ("5m54.0652307s") to the tenth of a
// second.
func roundDur(s string) string {
	d, err := time.ParseDuration(s)
	if err != nil {
		return s
	}
	return d.Round(100 * time.Millisecond).String()
}

func orDefault(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (c *apiClient) transportError(err error) error {
	if errors.Is(err, syscall.ECONNREFUSED) {
		hint := "point --endpoint at a running server"
		if c.local {
			hint = fmt.Sprintf("start one with `switchyard dev serve --addr %s`, or point --endpoint at a running server", c.base.Host)
		}
		return fmt.Errorf("no Switchyard server is running at %s (connection refused): %s", c.base, hint)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("cannot resolve %s (%s): check --endpoint", dnsErr.Name, dnsErr.Err)
	}
	return fmt.Errorf("calling %s: %w", c.base, err)
}

// printAPIJSON prints raw indented.
func printAPIJSON(w io.Writer, raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		_, err = w.Write(raw)
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// clientRun builds the client and runs f, turning every error into exit
// code 1 (usage errors keep their 2).
func clientRun(cmd *cobra.Command, f clientFlags, fn func(ctx context.Context, c *apiClient) error) error {
	c, err := newAPIClient(cmd.Context(), f)
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			return err
		}
		return exitCode(1, err)
	}
	if err := fn(cmd.Context(), c); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			return err
		}
		return exitCode(1, err)
	}
	return nil
}

func execPath(id string, suffix string) string {
	return "/v1/executions/" + url.PathEscape(id) + suffix
}

func newStartCmd(s streams) *cobra.Command {
	var f clientFlags
	var in api.StartInput
	cmd := &cobra.Command{
		Use:   "start PLAN --target REGION",
		Short: "Start a recovery execution of a plan (POST /v1/executions)",
		Long: `start asks the control plane to fail PLAN over into --target. The same
--client-token always names the same execution, so a retried start is safe; a
start while another execution of the plan runs is refused, naming it.`,
		Example: `  switchyard start payments --target us-west-2 --reason "5xx in us-east-1" --client-token inc-4711`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.Plan = args[0]
			return clientRun(cmd, f, func(ctx context.Context, c *apiClient) error {
				var out struct {
					ExecutionID string `json:"executionId"`
					Created     bool   `json:"created"`
					Status      string `json:"status"`
				}
				var raw []byte
				if err := c.call(ctx, http.MethodPost, "/v1/executions", in, &out, &raw); err != nil {
					return err
				}
				if f.json {
					return printAPIJSON(s.out, raw)
				}
				verb := "started"
				if !out.Created {
					verb = "already started (same --client-token)"
				}
				fmt.Fprintf(s.out, "execution %s %s: %s → %s, %s\n", out.ExecutionID, verb, in.Plan, in.Target, out.Status)
				fmt.Fprintf(s.out, "watch it:  switchyard status %s --watch\n", out.ExecutionID)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&in.Target, "target", "", "`REGION` to fail over into (required)")
	cmd.Flags().StringVar(&in.Mode, "mode", "", "graceful (default) or ungraceful")
	cmd.Flags().StringVar(&in.Reason, "reason", "", "why, for the audit log and the approvers")
	cmd.Flags().StringVar(&in.ClientToken, "client-token", "", "idempotency `TOKEN`: the same token names the same execution")
	_ = cmd.MarkFlagRequired("target")
	addClientFlags(cmd, &f)
	return cmd
}

func newStatusCmd(s streams) *cobra.Command {
	var f clientFlags
	var watch bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "status EXECUTION",
		Short: "Show an execution's status, steps and pending approval (--watch: follow it to the end)",
		Long: `status shows an execution: its status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT,
ABORTED), every step, and the approval or operator decision it waits for.
With --watch it prints each change as it happens until the execution ends,
then exits 0 if it SUCCEEDED and 1 otherwise.`,
		Example: `  switchyard status api-3f2a… --watch`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if interval <= 0 {
				return exitCode(2, fmt.Errorf("--interval %s: must be positive", interval))
			}
			return clientRun(cmd, f, func(ctx context.Context, c *apiClient) error {
				if watch {
					return watchExecution(ctx, s, c, args[0], interval, f.json)
				}
				var e api.Execution
				var raw []byte
				if err := c.call(ctx, http.MethodGet, execPath(args[0], ""), nil, &e, &raw); err != nil {
					return err
				}
				if f.json {
					return printAPIJSON(s.out, raw)
				}
				printExecution(s.out, e)
				return nil
			})
		},
	}
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "follow the execution until it ends")
	cmd.Flags().DurationVar(&interval, "interval", time.Second, "how often --watch polls")
	addClientFlags(cmd, &f)
	return cmd
}

// printExecution prints an execution for a person.
func printExecution(w io.Writer, e api.Execution) {
	fmt.Fprintf(w, "execution %s  %s\n", e.ID, e.Status)
	fmt.Fprintf(w, "  plan %s → %s (%s)", e.Plan, e.Target, e.Mode)
	if e.Source != "" {
		fmt.Fprintf(w, " from %s", e.Source)
	}
	fmt.Fprintln(w)
	if e.StartedBy != "" || e.Reason != "" {
		fmt.Fprintf(w, "  started by %s", orDefault(e.StartedBy, "?"))
		if e.StartedAt != nil {
			fmt.Fprintf(w, " at %s", e.StartedAt.UTC().Format(time.RFC3339))
		}
		if e.Reason != "" {
			fmt.Fprintf(w, ": %s", e.Reason)
		}
		fmt.Fprintln(w)
	}
	if len(e.Steps) > 0 {
		fmt.Fprintf(w, "  %-5s %-28s %-22s %-10s %s\n", "STAGE", "STEP", "BLOCK", "STATUS", "TOOK")
		for _, st := range e.Steps {
			took := ""
			if st.StartedAt != nil && st.EndedAt != nil {
				took = st.EndedAt.Sub(*st.StartedAt).Round(time.Second).String()
			}
			if st.Attempt > 1 {
				took += fmt.Sprintf(" (attempt %d)", st.Attempt)
			}
			fmt.Fprintf(w, "  %-5d %-28s %-22s %-10s %s\n", st.Stage, st.Name, st.Block, st.Status, took)
			if st.Error != "" {
				fmt.Fprintf(w, "        error: %s\n", st.Error)
			}
		}
	}
	if p := e.Pending; p != nil {
		fmt.Fprintf(w, "  waiting for %s\n", pendingLine(e.ID, p))
	}
	if e.Status != string("RUNNING") {
		if e.RTO != "" {
			fmt.Fprintf(w, "  RTO %s, RPO %s\n", roundDur(e.RTO), roundDur(e.RPO))
		}
		if e.Error != "" {
			fmt.Fprintf(w, "  error %s: %s\n", e.Error, e.Cause)
		}
	}
}

func pendingLine(id string, p *api.Pending) string {
	if p.Kind == "decision" {
		return fmt.Sprintf("an operator decision at step %s (%s), until %s: switchyard decide %s --action %s",
			p.Step, strings.Join(p.Options, "|"), p.ExpiresAt.UTC().Format(time.RFC3339), id, strings.Join(p.Options, "|"))
	}
	return fmt.Sprintf("approval %s (%d of %d so far), until %s: switchyard approve %s",
		p.ApprovalID, len(p.Approvers), max(p.Quorum, 1), p.ExpiresAt.UTC().Format(time.RFC3339), id)
}

// watchExecution polls the execution and prints every change until it
// ends.
func watchExecution(ctx context.Context, s streams, c *apiClient, id string, every time.Duration, asJSON bool) error {
	seen := map[string]string{}
	pending := ""
	for {
		var e api.Execution
		var raw []byte
		if err := c.call(ctx, http.MethodGet, execPath(id, ""), nil, &e, &raw); err != nil {
			return err
		}
		if !asJSON {
			if len(seen) == 0 && pending == "" {
				fmt.Fprintf(s.out, "execution %s: %s → %s (%s), %s\n", e.ID, e.Plan, e.Target, e.Mode, e.Status)
			}
			for _, st := range e.Steps {
				key := fmt.Sprintf("%s/%d", st.Status, st.Attempt)
				if seen[st.Name] == key {
					continue
				}
				seen[st.Name] = key
				line := fmt.Sprintf("%s  step %-28s %s", time.Now().Format("15:04:05"), st.Name, st.Status)
				if st.Attempt > 1 {
					line += fmt.Sprintf(" (attempt %d)", st.Attempt)
				}
				if st.Error != "" {
					line += ": " + st.Error
				}
				fmt.Fprintln(s.out, line)
			}
			if p := e.Pending; p != nil && p.ApprovalID+fmt.Sprint(len(p.Approvers)) != pending {
				pending = p.ApprovalID + fmt.Sprint(len(p.Approvers))
				fmt.Fprintf(s.out, "%s  waiting for %s\n", time.Now().Format("15:04:05"), pendingLine(e.ID, p))
			}
		}
		if e.Status != "RUNNING" {
			if asJSON {
				if err := printAPIJSON(s.out, raw); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(s.out, "%s  execution %s", time.Now().Format("15:04:05"), e.Status)
				if e.RTO != "" {
					fmt.Fprintf(s.out, " (RTO %s, RPO %s)", roundDur(e.RTO), roundDur(e.RPO))
				}
				if e.Error != "" {
					fmt.Fprintf(s.out, ": %s: %s", e.Error, e.Cause)
				}
				fmt.Fprintln(s.out)
			}
			if e.Status != "SUCCEEDED" {
				return exitCode(1, errors.New(""))
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return exitCode(130, errors.New("interrupted"))
		case <-time.After(every):
		}
	}
}

func printVote(s streams, id string, raw []byte, v api.Vote, asJSON bool) error {
	if asJSON {
		return printAPIJSON(s.out, raw)
	}
	switch {
	case !v.Counted:
		fmt.Fprintf(s.out, "your answer to %s %s was already recorded; nothing changed (status %s)\n", v.Kind, v.ApprovalID, v.Status)
	case v.Completed:
		fmt.Fprintf(s.out, "%s %s is %s: execution %s resumes\n", v.Kind, v.ApprovalID, v.Status, id)
	default:
		fmt.Fprintf(s.out, "vote recorded on %s %s: %d of %d approvers\n", v.Kind, v.ApprovalID, len(v.Approvers), max(v.Quorum, 1))
	}
	return nil
}

func newApproveCmd(s streams) *cobra.Command {
	var f clientFlags
	var reject bool
	var comment string
	cmd := &cobra.Command{
		Use:   "approve EXECUTION",
		Short: "Approve (or --reject) the approval an execution waits for",
		Long: `approve votes on the execution's pending approval as the caller, who must be
one of the plan's fallbackApprovers (spec.approval.fallbackApprovers). This
is the path that works when Slack is down. Voting twice changes nothing.`,
		Example: `  switchyard approve api-3f2a… --comment "db lag 2s, go"
  switchyard approve api-3f2a… --reject --comment "wait for the DBA"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return clientRun(cmd, f, func(ctx context.Context, c *apiClient) error {
				yes := !reject
				var v api.Vote
				var raw []byte
				if err := c.call(ctx, http.MethodPost, execPath(args[0], "/approve"), api.ApproveInput{Approve: &yes, Comment: comment}, &v, &raw); err != nil {
					return err
				}
				return printVote(s, args[0], raw, v, f.json)
			})
		},
	}
	cmd.Flags().BoolVar(&reject, "reject", false, "reject instead of approving (the execution ends without changes)")
	cmd.Flags().StringVar(&comment, "comment", "", "comment recorded with the vote")
	addClientFlags(cmd, &f)
	return cmd
}

func newDecideCmd(s streams) *cobra.Command {
	var f clientFlags
	var in api.DecisionInput
	cmd := &cobra.Command{
		Use:   "decide EXECUTION --action retry|skip|ungraceful|abort",
		Short: "Answer the operator decision an execution waits for at a failed step",
		Long: `decide answers the execution's pending operator decision: retry the failed
step, skip it, switch the execution to ungraceful mode and retry, or abort.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return clientRun(cmd, f, func(ctx context.Context, c *apiClient) error {
				var v api.Vote
				var raw []byte
				if err := c.call(ctx, http.MethodPost, execPath(args[0], "/decision"), in, &v, &raw); err != nil {
					return err
				}
				return printVote(s, args[0], raw, v, f.json)
			})
		},
	}
	cmd.Flags().StringVar(&in.Action, "action", "", "retry, skip, ungraceful or abort (required)")
	cmd.Flags().StringVar(&in.Comment, "comment", "", "comment recorded with the decision")
	_ = cmd.MarkFlagRequired("action")
	addClientFlags(cmd, &f)
	return cmd
}

func newCancelCmd(s streams) *cobra.Command {
	var f clientFlags
	var in api.CancelInput
	cmd := &cobra.Command{
		Use:   "cancel EXECUTION",
		Short: "Stop a running execution (it ends ABORTED and frees the plan)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return clientRun(cmd, f, func(ctx context.Context, c *apiClient) error {
				var e api.Execution
				var raw []byte
				if err := c.call(ctx, http.MethodPost, execPath(args[0], "/cancel"), in, &e, &raw); err != nil {
					return err
				}
				if f.json {
					return printAPIJSON(s.out, raw)
				}
				if e.Status == "RUNNING" {
					fmt.Fprintf(s.out, "execution %s: stop requested, not yet stopped (follow it with: switchyard status %s --watch)\n", e.ID, e.ID)
					return nil
				}
				fmt.Fprintf(s.out, "execution %s is %s\n", e.ID, e.Status)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&in.Reason, "reason", "", "why, for the audit log")
	addClientFlags(cmd, &f)
	return cmd
}

type eventsBody struct {
	ExecutionID string      `json:"executionId"`
	Events      []api.Event `json:"events"`
}

func newHistoryCmd(s streams) *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "history EXECUTION",
		Short: "Print an execution's audit timeline: who did what, when",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return clientRun(cmd, f, func(ctx context.Context, c *apiClient) error {
				var b eventsBody
				var raw []byte
				if err := c.call(ctx, http.MethodGet, execPath(args[0], "/events"), nil, &b, &raw); err != nil {
					return err
				}
				if f.json {
					return printAPIJSON(s.out, raw)
				}
				for _, ev := range b.Events {
					fmt.Fprintf(s.out, "%4d  %s  %-40s %-28s %s\n", ev.Seq, ev.Time.UTC().Format(time.RFC3339), ev.Actor, ev.Action, compactDetail(ev.Detail))
				}
				return nil
			})
		},
	}
	addClientFlags(cmd, &f)
	return cmd
}

// compactDetail renders an audit detail on one line, without empty fields.
func compactDetail(raw json.RawMessage) string {
	var m map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return string(raw)
	}
	for k, v := range m {
		if v == nil || v == "" || v == false {
			delete(m, k)
		}
	}
	b, _ := json.Marshal(m)
	if string(b) == "{}" {
		return ""
	}
	return string(b)
}

// executionReport is what `switchyard report` prints: the execution, its
// objectives against what was achieved, the approvals and the timeline.
type executionReport struct {
	Execution api.Execution `json:"execution"`
	// RTOObjective and RPOObjective are the plan's; Achieved* the
	// execution's (RTO: start → end of the execution as the executor
	// records it; RPO: the data-loss window it accepted).
	RTOObjective string          `json:"rtoObjective,omitempty"`
	RPOObjective string          `json:"rpoObjective,omitempty"`
	RTOMet       *bool           `json:"rtoMet,omitempty"`
	RPOMet       *bool           `json:"rpoMet,omitempty"`
	Approvals    []reportVote    `json:"approvals"`
	Events       []api.Event     `json:"events"`
	Plan         json.RawMessage `json:"-"`
}

// reportVote is one approval or decision as the audit log tells it.
type reportVote struct {
	ID        string    `json:"approvalId"`
	Kind      string    `json:"kind"`
	Step      string    `json:"step,omitempty"`
	Status    string    `json:"status"`
	Votes     []string  `json:"votes"`
	AskedAt   time.Time `json:"askedAt"`
	DecidedAt time.Time `json:"decidedAt,omitzero"`
}

func newReportCmd(s streams) *cobra.Command {
	var f clientFlags
	var htmlFile string
	cmd := &cobra.Command{
		Use:   "report EXECUTION [--html FILE]",
		Short: "Report an execution: objectives vs achieved RTO/RPO, approvals, step timeline",
		Long: `report prints an execution's report: the plan's RTO and RPO objectives against
the execution's (RTO from start to end of the execution as recorded; RPO the
data-loss window accepted), who approved what and when, and every step.
--html writes a self-contained page with a Gantt chart of the steps.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return clientRun(cmd, f, func(ctx context.Context, c *apiClient) error {
				r, err := buildReport(ctx, c, args[0])
				if err != nil {
					return err
				}
				if htmlFile != "" {
					page, err := renderReportHTML(r)
					if err != nil {
						return err
					}
					if err := os.WriteFile(htmlFile, page, 0o644); err != nil {
						return fmt.Errorf("--html: %w", err)
					}
				}
				if f.json {
					b, err := json.MarshalIndent(r, "", "  ")
					if err != nil {
						return err
					}
					fmt.Fprintln(s.out, string(b))
					return nil
				}
				printReport(s.out, r)
				if htmlFile != "" {
					fmt.Fprintf(s.out, "HTML report: %s\n", htmlFile)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&htmlFile, "html", "", "also write an HTML report to `FILE`")
	addClientFlags(cmd, &f)
	return cmd
}

func buildReport(ctx context.Context, c *apiClient, id string) (*executionReport, error) {
	r := &executionReport{Approvals: []reportVote{}}
	if err := c.call(ctx, http.MethodGet, execPath(id, ""), nil, &r.Execution, nil); err != nil {
		return nil, err
	}
	var eb eventsBody
	if err := c.call(ctx, http.MethodGet, execPath(id, "/events"), nil, &eb, nil); err != nil {
		return nil, err
	}
	r.Events = eb.Events
	if r.Events == nil {
		r.Events = []api.Event{}
	}
	var pl struct {
		Plan struct {
			Spec struct {
				Objectives struct {
					RTO, RPO string
				} `json:"objectives"`
			} `json:"spec"`
		} `json:"plan"`
	}
	// The plan may have been replaced since; the objectives are only context.
	if err := c.call(ctx, http.MethodGet, "/v1/plans/"+url.PathEscape(r.Execution.Plan), nil, &pl, nil); err == nil {
		r.RTOObjective, r.RPOObjective = pl.Plan.Spec.Objectives.RTO, pl.Plan.Spec.Objectives.RPO
	}
	r.RTOMet = objectiveMet(r.Execution.RTO, r.RTOObjective)
	r.RPOMet = objectiveMet(r.Execution.RPO, r.RPOObjective)
	byID := map[string]*reportVote{}
	var order []string
	for _, ev := range r.Events {
		kind, what, ok := strings.Cut(ev.Action, ".")
		if !ok || kind != "approval" && kind != "decision" {
			continue
		}
		var d struct {
			ApprovalID string `json:"approvalId"`
			Step       string `json:"step"`
			Status     string `json:"status"`
			Approve    *bool  `json:"approve"`
			Answer     string `json:"answer"`
		}
		if json.Unmarshal(ev.Detail, &d) != nil || d.ApprovalID == "" {
			continue
		}
		v := byID[d.ApprovalID]
		if v == nil {
			v = &reportVote{ID: d.ApprovalID, Kind: kind, Status: "pending", Votes: []string{}}
			byID[d.ApprovalID] = v
			order = append(order, d.ApprovalID)
		}
		switch what {
		case "requested":
			v.AskedAt, v.Step = ev.Time, d.Step
		case "answered":
			vote := d.Answer
			if d.Approve != nil {
				vote = map[bool]string{true: "approve", false: "reject"}[*d.Approve]
			}
			v.Votes = append(v.Votes, fmt.Sprintf("%s %s at %s", ev.Actor, vote, ev.Time.UTC().Format(time.RFC3339)))
			if d.Status != "" {
				v.Status = d.Status
			}
			if d.Status != "" && d.Status != "pending" {
				v.DecidedAt = ev.Time
			}
		case "expired":
			if v.Status == "pending" {
				v.Status = "expired"
			}
		}
	}
	for _, id := range order {
		r.Approvals = append(r.Approvals, *byID[id])
	}
	return r, nil
}

// objectiveMet reports whether achieved ≤ objective, nil when either is unknown.
func objectiveMet(achieved, objective string) *bool {
	a, err1 := time.ParseDuration(achieved)
	o, err2 := parseObjective(objective)
	if achieved == "" || objective == "" || err1 != nil || err2 != nil {
		return nil
	}
	ok := a <= o
	return &ok
}

// parseObjective reads a plan duration ("15m", "1h30m", "2d").
func parseObjective(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(d, "%d", &n); err != nil {
			return 0, err
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

func metText(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "met"
	default:
		return "MISSED"
	}
}

func printReport(w io.Writer, r *executionReport) {
	e := r.Execution
	fmt.Fprintf(w, "Report of execution %s: %s → %s (%s), %s\n", e.ID, e.Plan, e.Target, e.Mode, e.Status)
	if e.StartedAt != nil {
		fmt.Fprintf(w, "  started %s by %s", e.StartedAt.UTC().Format(time.RFC3339), orDefault(e.StartedBy, "?"))
		if e.Reason != "" {
			fmt.Fprintf(w, ": %s", e.Reason)
		}
		fmt.Fprintln(w)
	}
	if e.EndedAt != nil {
		fmt.Fprintf(w, "  ended   %s\n", e.EndedAt.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(w, "  RTO %-10s objective %-8s %s\n", orDefault(roundDur(e.RTO), "-"), orDefault(r.RTOObjective, "-"), metText(r.RTOMet))
	fmt.Fprintf(w, "  RPO %-10s objective %-8s %s\n", orDefault(roundDur(e.RPO), "-"), orDefault(r.RPOObjective, "-"), metText(r.RPOMet))
	if e.Error != "" {
		fmt.Fprintf(w, "  error %s: %s\n", e.Error, e.Cause)
	}
	for _, a := range r.Approvals {
		fmt.Fprintf(w, "  %s %s (step %s) asked %s: %s\n", a.Kind, a.ID, orDefault(a.Step, "-"), a.AskedAt.UTC().Format(time.RFC3339), a.Status)
		for _, v := range a.Votes {
			fmt.Fprintf(w, "    %s\n", v)
		}
	}
	printExecution(w, api.Execution{ID: e.ID, Status: e.Status, Plan: e.Plan, Target: e.Target, Mode: e.Mode, Steps: e.Steps})
}

// reportBar is one step of the Gantt chart, in SVG coordinates.
type reportBar struct {
	Label, Status, Tip string
	Y, X, W, TextX     float64
}

var reportPage = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchyard execution {{.R.Execution.ID}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.met{color:#1a7f37}.MISSED{color:#cf222e}
.SUCCEEDED{fill:#2da44e}.FAILED,.ABORTED,.TIMED_OUT{fill:#cf222e}.RUNNING,.WAITING{fill:#d4a72c}.SKIPPED,.PENDING{fill:#8c959f}
svg text{font-size:12px}
</style></head><body>
<h1>Execution {{.R.Execution.ID}}: {{.R.Execution.Status}}</h1>
<p>Plan <b>{{.R.Execution.Plan}}</b> → <b>{{.R.Execution.Target}}</b> ({{.R.Execution.Mode}}){{with .R.Execution.StartedBy}}, started by {{.}}{{end}}{{with .R.Execution.Reason}}: {{.}}{{end}}.</p>
<table><tr><th></th><th>objective</th><th>achieved</th><th></th></tr>
<tr><td>RTO (execution start → end)</td><td>{{.R.RTOObjective}}</td><td>{{.R.Execution.RTO}}</td><td class="{{.RTOMet}}">{{.RTOMet}}</td></tr>
<tr><td>RPO (data-loss window accepted)</td><td>{{.R.RPOObjective}}</td><td>{{.R.Execution.RPO}}</td><td class="{{.RPOMet}}">{{.RPOMet}}</td></tr>
</table>
{{with .R.Execution.Error}}<p class="MISSED">Error {{.}}: {{$.R.Execution.Cause}}</p>{{end}}
<h2>Steps</h2>
<svg width="{{.Width}}" height="{{.Height}}" role="img" aria-label="step timeline">
{{range .Bars}}<g><title>{{.Tip}}</title><text x="4" y="{{.Y}}" dy="12">{{.Label}}</text><rect class="{{.Status}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="16"></rect><text x="{{.TextX}}" y="{{.Y}}" dy="12">{{.Status}}</text></g>
{{end}}</svg>
<h2>Approvals and decisions</h2>
{{if .R.Approvals}}<table><tr><th>kind</th><th>step</th><th>asked</th><th>status</th><th>votes</th></tr>
{{range .R.Approvals}}<tr><td>{{.Kind}}</td><td>{{.Step}}</td><td>{{.AskedAt.UTC.Format "2006-01-02T15:04:05Z07:00"}}</td><td>{{.Status}}</td><td>{{range .Votes}}{{.}}<br>{{end}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}
<h2>Audit timeline</h2>
<table><tr><th>#</th><th>time</th><th>actor</th><th>action</th></tr>
{{range .R.Events}}<tr><td>{{.Seq}}</td><td>{{.Time.UTC.Format "15:04:05"}}</td><td>{{.Actor}}</td><td>{{.Action}}</td></tr>
{{end}}</table>
</body></html>
`))

// renderReportHTML renders the report page.
func renderReportHTML(r *executionReport) ([]byte, error) {
	const labelW, chartW, rowH = 260.0, 640.0, 22.0
	e := r.Execution
	var origin, end time.Time
	if e.StartedAt != nil {
		origin = *e.StartedAt
	}
	if e.EndedAt != nil {
		end = *e.EndedAt
	}
	for _, st := range e.Steps {
		if st.StartedAt != nil && (origin.IsZero() || st.StartedAt.Before(origin)) {
			origin = *st.StartedAt
		}
		if st.EndedAt != nil && st.EndedAt.After(end) {
			end = *st.EndedAt
		}
	}
	span := end.Sub(origin)
	if span <= 0 {
		span = time.Minute
	}
	x := func(t time.Time) float64 { return labelW + chartW*float64(t.Sub(origin))/float64(span) }
	page := struct {
		R              *executionReport
		Bars           []reportBar
		Width, Height  float64
		RTOMet, RPOMet string
	}{R: r, Width: labelW + chartW + 120, RTOMet: metText(r.RTOMet), RPOMet: metText(r.RPOMet)}
	y := 8.0
	for _, st := range e.Steps {
		b := reportBar{Label: fmt.Sprintf("%d %s", st.Stage, st.Name), Status: st.Status, Y: y, X: labelW, W: 2}
		if st.StartedAt != nil {
			b.X = x(*st.StartedAt)
			to := end
			if st.EndedAt != nil {
				to = *st.EndedAt
			}
			b.W = max(x(to)-b.X, 2)
			b.Tip = fmt.Sprintf("%s (%s): +%s for %s", st.Name, st.Block, st.StartedAt.Sub(origin).Round(time.Second), to.Sub(*st.StartedAt).Round(time.Second))
		}
		b.TextX = b.X + b.W + 4
		page.Bars = append(page.Bars, b)
		y += rowH
	}
	page.Height = y + 8
	var buf bytes.Buffer
	if err := reportPage.Execute(&buf, page); err != nil {
		return nil, fmt.Errorf("rendering the HTML report: %w", err)
	}
	return buf.Bytes(), nil
}
