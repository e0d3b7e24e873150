package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switchyard-dev/switchyard/shared/devserver"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/slackapp/slacktest"
)

// newDevCmd is `switchyard dev`: running Switchyard on this machine.
func newDevCmd(s streams) *cobra.Command {
	dev := &cobra.Command{
		Use:   "dev",
		Short: "Run Switchyard's control plane locally, on a simulated AWS",
	}
	dev.AddCommand(newDevServeCmd(s))
	return dev
}

type serveFlags struct {
	addr, plans, region     string
	signingSecret, slackURL string
	fakeSlack               bool
	speed                   float64
}

func newDevServeCmd(s streams) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the /v1 API and Slack interactions over a local engine and simulated AWS",
		Long: `dev serve runs one Region's whole control plane in this process: the /v1 HTTP
API, POST /slack/interactions (signature-verified), the local Step Functions
engine running statemachines/ with the real handlers, the local event bus,
and a simulated two-Region AWS built from the plans. Simulated time runs
--speed times faster than the wall clock (60: one second is one minute), so
a failover finishes within about a minute of its approval — and an approval
with a 30m timeout expires after 30 wall seconds.

Approval requests are posted to the Slack Web API at --slack-api-url (a fake
Slack; --fake-slack starts one in process and logs what it receives).

DEVELOPMENT ONLY: the caller's identity is read from the X-Switchyard-Principal
header (default local:anonymous, which may start and read but not approve);
the server refuses to listen on anything but a loopback address. Executions
live in memory and end with the process. Ctrl-C shuts down gracefully.`,
		Example: `  switchyard dev serve --addr 127.0.0.1:8080 --plans examples/plans \
      --slack-signing-secret s3cret --fake-slack`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd, s, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "loopback `HOST:PORT` to listen on (port 0 picks one)")
	fl.StringVar(&f.plans, "plans", "examples/plans", "`DIR` of plan files (*.yaml, *.yml, *.json)")
	fl.StringVar(&f.region, "region", "", "Region this control plane runs in (default: the Region most plans fail over into)")
	fl.StringVar(&f.signingSecret, "slack-signing-secret", os.Getenv("SWITCHYARD_SLACK_SIGNING_SECRET"), "Slack signing `SECRET` for /slack/interactions (env SWITCHYARD_SLACK_SIGNING_SECRET; empty: Slack clicks disabled)")
	fl.StringVar(&f.slackURL, "slack-api-url", "", "Slack Web API base `URL`, e.g. a fake Slack's http://127.0.0.1:9090/api/ (empty: messages are not posted)")
	fl.BoolVar(&f.fakeSlack, "fake-slack", false, "start a fake Slack Web API in process and post to it (instead of --slack-api-url)")
	fl.Float64Var(&f.speed, "speed", devserver.DefaultSpeed, "simulated seconds per wall second")
	return cmd
}

func runServe(cmd *cobra.Command, s streams, f serveFlags) error {
	if f.speed <= 0 {
		return exitCode(2, fmt.Errorf("--speed %v: must be positive", f.speed))
	}
	if f.fakeSlack && f.slackURL != "" {
		return exitCode(2, errors.New("--fake-slack and --slack-api-url: give one or the other"))
	}
	host, _, err := net.SplitHostPort(f.addr)
	if err != nil {
		return exitCode(2, fmt.Errorf("--addr %q: want HOST:PORT (e.g. 127.0.0.1:8080): %w", f.addr, err))
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return exitCode(2, fmt.Errorf("--addr %q: dev serve trusts the X-Switchyard-Principal header, so it only listens on a loopback address (127.0.0.1, ::1, localhost)", f.addr))
	}
	plans, err := loadServePlans(f.plans)
	if err != nil {
		return exitCode(1, err)
	}
	log := slog.New(slog.NewTextHandler(s.err, nil))
	cfg := devserver.Config{Plans: plans, Region: f.region, SigningSecret: f.signingSecret, SlackAPIURL: f.slackURL, Speed: f.speed, Logger: log}
	if f.fakeSlack {
		fake := slacktest.New()
		defer fake.Close()
		for _, g := range slackGroups(plans) {
			fake.SetGroup(g) // no members: group approvers resolve, nobody is in them
		}
		cfg.SlackAPIURL = fake.APIURL()
		log.Info("fake Slack started", "apiURL", cfg.SlackAPIURL)
	}
	srv, err := devserver.New(cfg)
	if err != nil {
		return exitCode(1, err)
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return exitCode(1, fmt.Errorf("listening on %s: %w", f.addr, err))
	}
	if err := srv.Serve(cmd.Context(), ln); err != nil {
		return exitCode(1, fmt.Errorf("serving on %s: %w", f.addr, err))
	}
	return nil
}

// slackGroups lists the user groups (S…) among the plans' Slack approvers.
func slackGroups(plans []*plan.Plan) []string {
	var out []string
	for _, p := range plans {
		if a := p.Spec.Approval; a != nil && a.Slack != nil {
			for _, u := range a.Slack.Approvers {
				if strings.HasPrefix(u, "S") {
					out = append(out, u)
				}
			}
		}
	}
	return out
}

// loadServePlans parses every *.yaml, *.yml and *.json plan in dir.
func loadServePlans(dir string) ([]*plan.Plan, error) {
	var files []string
	for _, pat := range []string{"*.yaml", "*.yml", "*.json"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return nil, fmt.Errorf("--plans %s: %w", dir, err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("--plans: %w", err)
		}
		return nil, fmt.Errorf("--plans %s: no *.yaml, *.yml or *.json plan files", dir)
	}
	sort.Strings(files)
	var out []*plan.Plan
	var errs []error
	for _, f := range files {
		ps, err := plan.ParseFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, ps...)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("--plans %s: %w", dir, errors.Join(errs...))
	}
	return out, nil
}
