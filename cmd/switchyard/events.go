package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchyard-dev/switchyard/events"
	"github.com/switchyard-dev/switchyard/shared/awsapi"
	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/eventbus"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
	"github.com/switchyard-dev/switchyard/shared/trigger"
	"github.com/switchyard-dev/switchyard/shared/trigger/localstart"
)

func newEventsCmd(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Work with EventBridge events and Switchyard's rule patterns",
		Long: `Work with EventBridge events and the rule patterns in events/rules, which the
CDK app deploys and the local event bus evaluates with EventBridge semantics.`,
	}
	cmd.AddCommand(newEventsMatchCmd(s), newEventsSendCmd(s))
	return cmd
}

// eventsMatchOutput is the --json form of "events match".
type eventsMatchOutput struct {
	Event      string   `json:"event"`
	ID         string   `json:"id"`
	Source     string   `json:"source"`
	DetailType string   `json:"detailType"`
	Rules      []string `json:"rules"`
}

func newEventsMatchCmd(s streams) *cobra.Command {
	var rulesDir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "match EVENT.json",
		Short: "Print the rules an event matches",
		Long: `Match one EventBridge event (a JSON file, or - for standard input) against the
rule patterns and print the names of the matching rules, one per line,
sorted. A rule's name is its file's base name. Without --rules, the rules are
those of events/rules built into this binary.

Exit status: 0 when at least one rule matches, 1 when none does ("no rule
matches"), 2 when the event or the rules cannot be read.`,
		Example: `  switchyard events match events/samples/alarm-payments-api-5xx-ok-to-alarm.json
  switchyard events match --json --rules ./my-rules event.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			data, err := readEventsFile(cmd.InOrStdin(), name)
			if err != nil {
				return exitCode(2, err)
			}
			ev, err := awsevent.DecodeEnvelope(data)
			if err != nil {
				return exitCode(2, fmt.Errorf("%s: %w", name, err))
			}
			var rules []eventbus.Rule
			if rulesDir == "" {
				rules, err = eventbus.LoadRulesFS(events.FS, "rules")
			} else {
				rules, err = eventbus.LoadRules(rulesDir)
			}
			if err != nil {
				return exitCode(2, err)
			}
			m, err := eventbus.NewMatcher(rules)
			if err != nil {
				return exitCode(2, err)
			}
			matched, err := m.Match(data)
			if err != nil {
				return exitCode(2, fmt.Errorf("%s: %w", name, err))
			}
			if asJSON {
				out := eventsMatchOutput{Event: name, ID: ev.ID, Source: ev.Source, DetailType: ev.DetailType, Rules: matched}
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(out); err != nil {
					return exitCode(2, err)
				}
			} else {
				for _, r := range matched {
					fmt.Fprintln(s.out, r)
				}
				if len(matched) == 0 {
					fmt.Fprintln(s.out, "no rule matches")
				}
			}
			if len(matched) == 0 {
				return exitCode(1, errEventsSilent)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&rulesDir, "rules", "", "directory of rule patterns (*.json) (default: the built-in events/rules)")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"event", "id", "source", "detailType", "rules"} as JSON`)
	return cmd
}

// errEventsSilent sets an exit code without a message: the command has already
// said everything.
var errEventsSilent = errors.New("")

// readEventsFile reads name, or standard input for "-".
func readEventsFile(stdin io.Reader, name string) ([]byte, error) {
	if name == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("reading the event from standard input: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading the event: %w", err)
	}
	return data, nil
}

// eventsSendOutput is the --json form of "events send".
type eventsSendOutput struct {
	Event     string              `json:"event"`
	Decisions []trigger.Decision  `json:"decisions"`
	Started   []eventsSendStarted `json:"started"`
	Notices   []eventsSendNotice  `json:"notices"`
}

// eventsSendStarted is an execution started on the local runtime, as it
// stands when the command stops the clock.
type eventsSendStarted struct {
	trigger.StartRequest
	ExecutionArn string `json:"executionArn"`
	// Status is the execution's Step Functions status (RUNNING while it
	// waits for approval).
	Status string `json:"status"`
	// WaitingApproval is the step whose approval it waits for, if any.
	WaitingApproval string `json:"waitingApproval,omitempty"`
	// ApprovalID is that approval's id (for switchyard approve, the API or
	// Slack), ApprovalExpiresAt when it times out.
	ApprovalID        string    `json:"approvalId,omitempty"`
	ApprovalExpiresAt time.Time `json:"approvalExpiresAt,omitzero"`
}

type eventsSendNotice struct {
	Plan, Trigger, Decision, Reason, Suggested string
}

func newEventsSendCmd(s streams) *cobra.Command {
	var plansDir string
	var faults, secrets []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "send EVENT.json",
		Short: "Run the trigger path on the simulator and print what it decided and why",
		Long: `send delivers one EventBridge event (a JSON file, or - for standard input) to
the trigger function, running over a simulated two-Region AWS built from the
plans in --plans, with readiness evaluated on that world and the --fault specs
injected. The simulated clock starts ten minutes before the event (so alarms
the event does not name have been in their state that long), delivers the
event at its time, then runs on past the longest hold duration of the
triggers it concerns: a condition that keeps holding is re-checked at its
deadline and may fire.

It prints every decision (held, started, notified, not-ready, blocked,
cooldown, duplicate, ignored) with its reason, then the executions it
started and the notices it would post. Starts are real executions of the
execute-plan state machine on the local runtime of the target Region (the
local Step Functions engine with the real handlers and blocks, over the same
simulated world): the command reports each one's status when it stops the
clock, and the approval step a failover-with-approval waits at. Nobody
answers approvals here, and nothing is started in AWS.

Exit status: 0 when the event was handled, 2 when the event or the plans
cannot be read.`,
		Example: `  switchyard events send events/samples/alarm-payments-api-5xx-ok-to-alarm.json
  switchyard events send --fault lag-spike:cluster=payments-global,seconds=45,hold=3600 events/samples/alarm-payments-api-5xx-ok-to-alarm.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			data, err := readEventsFile(cmd.InOrStdin(), name)
			if err != nil {
				return exitCode(2, err)
			}
			ev, err := awsevent.DecodeEnvelope(data)
			if err != nil {
				return exitCode(2, fmt.Errorf("%s: %w", name, err))
			}
			plans, err := loadPlansDir(plansDir)
			if err != nil {
				return exitCode(2, err)
			}
			at := ev.Time.UTC()
			if ac, err := awsevent.ParserFor[awsevent.AlarmStateChangeDetail]()(data); err == nil && ev.DetailType == awsevent.DetailTypeAlarmStateChange {
				if t, err := ac.(*awsevent.AlarmStateChange).Detail.State.Time(); err == nil {
					at = t.UTC()
				}
			}
			env, err := newSimEnv(plans, faults, at.Add(-10*time.Minute).Truncate(time.Minute), secrets)
			if err != nil {
				return exitCode(2, err)
			}
			defer env.close()
			out := eventsSendOutput{Event: name}
			starter, err := localstart.New(localstart.Config{Clock: env.clk, World: env.world, Plans: plans})
			if err != nil {
				return exitCode(2, err)
			}
			notifier := &trigger.RecordingNotifier{}
			var mu sync.Mutex
			note := func(ds ...trigger.Decision) {
				mu.Lock()
				defer mu.Unlock()
				out.Decisions = append(out.Decisions, ds...)
			}
			waker := trigger.NewClockWaker(context.Background(), env.clk, func(d trigger.Decision, _ error) { note(d) })
			w := env.world
			h, err := trigger.New(trigger.Options{Plans: readiness.StaticPlans(plans), Store: memory.New(env.clk), Readiness: env.eval,
				Notifier: notifier, Starter: starter, Waker: waker, Clock: env.clk, Region: ev.Region, Account: ev.Account,
				Alarms: trigger.CloudWatchAlarms{CloudWatch: func(r string) awsapi.CloudWatch { return w.CloudWatch(r) }}})
			if err != nil {
				return exitCode(2, err)
			}
			waker.Bind(h)
			env.until(at)
			var herr error
			env.run(func(ctx context.Context) {
				var ds []trigger.Decision
				ds, herr = h.Handle(ctx, data)
				note(ds...)
			})
			if herr != nil && len(out.Decisions) == 0 {
				return exitCode(2, fmt.Errorf("%s: %w", name, herr))
			}
			var longest time.Duration
			for _, p := range plans {
				for _, t := range p.Spec.Triggers {
					for _, c := range t.Conditions {
						longest = max(longest, time.Duration(c.For))
					}
				}
			}
			env.until(env.clk.Now().Add(longest + time.Minute))
			for _, st := range starter.Started() {
				x := eventsSendStarted{StartRequest: st.StartRequest, ExecutionArn: st.ExecutionArn}
				env.run(func(ctx context.Context) {
					status, err := starter.Status(ctx, st)
					if err != nil {
						x.Status = "UNKNOWN (" + err.Error() + ")"
						return
					}
					x.Status = string(status)
				})
				if a, ok := starter.WaitingApproval(st); ok && x.Status == "RUNNING" {
					x.WaitingApproval, x.ApprovalID, x.ApprovalExpiresAt = a.Step, a.ID, a.ExpiresAt
				}
				out.Started = append(out.Started, x)
			}
			for _, n := range notifier.Notices() {
				out.Notices = append(out.Notices, eventsSendNotice{Plan: n.Plan, Trigger: n.Trigger, Decision: n.Decision, Reason: n.Reason, Suggested: n.Suggested})
			}
			if asJSON {
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(out); err != nil {
					return exitCode(2, err)
				}
				return nil
			}
			if f := readiness.FaultsSummary(env.world); f != "" {
				fmt.Fprintf(s.out, "simulated faults: %s\n", f)
			}
			fmt.Fprintf(s.out, "event %s (%s, %s) at %s\n", ev.ID, ev.DetailType, ev.Region, at.Format(time.RFC3339))
			for _, d := range out.Decisions {
				fmt.Fprintf(s.out, "%s  %s\n", d.DecidedAt.UTC().Format("15:04:05"), d)
			}
			if len(out.Started) == 0 {
				fmt.Fprintln(s.out, "started: nothing")
			}
			for _, st := range out.Started {
				mode := "automatic"
				if st.WaitForApproval {
					mode = "failover-with-approval"
				}
				fmt.Fprintf(s.out, "started: %s into %s from %s (%s) on the local runtime of %s: execution %s is %s\n",
					st.Plan, st.Target, st.Source, mode, st.Target, st.ExecutionArn, st.Status)
				if st.WaitingApproval != "" {
					fmt.Fprintf(s.out, "  waiting at approval step %s (approval %s, expires %s)\n", st.WaitingApproval, st.ApprovalID, st.ApprovalExpiresAt.UTC().Format(time.RFC3339))
				}
			}
			for _, n := range out.Notices {
				fmt.Fprintf(s.out, "notice to %s/%s (%s): %s — %s\n", n.Plan, n.Trigger, n.Decision, n.Reason, n.Suggested)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&plansDir, "plans", "examples/plans", "directory of plans (*.yaml, *.yml, *.json)")
	cmd.Flags().StringArrayVar(&faults, "fault", nil, "simulator fault spec to inject first (repeatable)")
	cmd.Flags().StringArrayVar(&secrets, "secret", nil, "control-plane secret readiness requires in the target, in addition to the Slack ones (repeatable)")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"event", "decisions", "started", "notices"} as JSON`)
	return cmd
}
