package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchyard-dev/switchyard/shared/drill"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// drillFlags are the drill command's flags.
type drillFlags struct {
	plan    string
	target  string
	mode    string
	approve string
	faults  []string
	speed   float64
	report  string
	asJSON  bool
}

func newDrillCmd(s streams) *cobra.Command {
	var f drillFlags
	cmd := &cobra.Command{
		Use:   "drill PLAN",
		Short: "Run a recovery plan end to end on a simulated two-Region AWS",
		Long: `drill builds a simulated two-Region AWS from the plan (a warm standby ready
to take over), raises the alarm of the plan's failover trigger towards the
target and holds it for the trigger's duration (or starts directly when the
plan has none), and runs the real execute-plan state machine with the real
handlers on a virtual clock: minutes of AWS time pass in milliseconds.

It prints one line per step state change, with the AWS time elapsed since the
alarm, then a summary: status, RTO (alarm → traffic served from the target,
as the simulator records it) against the objective, RPO (data loss the
simulator recorded) against the objective, the critical path (the lower
bound of the RTO for this plan on this world) and the overhead
(RTO / critical path).

RTO ends when the simulator records the target serving: clients sent there
(all of them for an active-passive plan, after the DNS TTL), its application
healthy and, for a plan that moves an Aurora global database, the writer
there. The critical path is the RTO with zero orchestration cost:
  trigger hold (the longest "for" of its conditions)
  + for each stage before the one that moves traffic, the longest inherent
    duration among its steps: the switchover or failover as the simulator
    recorded it; task start-up / instance or node warm-up when the step had
    to add capacity; instance modification when aurora-scale changed one;
    approvals as answered; alarm-wait and http-check deliberate waits
  + the traffic tail: from the traffic step's action to the target serving,
    as recorded (S3 replication, health checks, DNS TTL)
(or, when the target served before any traffic step acted, alarm → served).

A file with several plans is a dependency group: they run one after the
other in dependency order (--plan picks one).

Faults (--fault, repeatable) use the simulator's spec syntax, e.g.
  throttle:rate=0.3                         throttle 30 % of every call
  region-down:us-east-1                     a whole Region is unreachable
  control-plane-down:us-east-1              its control plane only
  capacity:region=us-west-2,service=ecs,percent=60
  arc-endpoint-down:index=0
  error:api=SwitchoverGlobalCluster,region=us-east-1,code=InternalFailure,count=1
  lag-spike:cluster=payments-global,seconds=45

Approvals: --approve auto answers at once as user "drill"; --approve prompt
asks on the terminal (the AWS clock stands still while you think). When a
step fails and its policy is ask, auto switches a graceful run to ungraceful
(else aborts); prompt asks.

Exit status: 0 when the execution SUCCEEDED, 1 otherwise.`,
		Example: `  switchyard drill examples/plans/payments.yaml
  switchyard drill examples/plans/payments.yaml --mode ungraceful --fault region-down:us-east-1
  switchyard drill examples/plans/payments.yaml --report out/ --json
  switchyard drill examples/plans/payments.yaml --speed 60 --approve prompt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDrill(cmd.Context(), s, args[0], f, cmd.InOrStdin())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.plan, "plan", "", "drill only the plan with this name (default: every plan of the file, in dependency order)")
	fl.StringVar(&f.target, "target", "", "Region to fail over to (default: the target of the plan's failover trigger)")
	fl.StringVar(&f.mode, "mode", "graceful", "graceful or ungraceful")
	fl.StringVar(&f.approve, "approve", drill.ApproveAuto, "auto (answer at once as \"drill\") or prompt (ask on the terminal)")
	fl.StringArrayVar(&f.faults, "fault", nil, "inject a simulator fault (repeatable), e.g. throttle:rate=0.3 or region-down:us-east-1")
	fl.Float64Var(&f.speed, "speed", 0, "run at N× real time to watch it (default 0: as fast as possible)")
	fl.StringVar(&f.report, "report", "", "write report.json and report.html into this directory")
	fl.BoolVar(&f.asJSON, "json", false, "print the result as one JSON object (no live progress)")
	return cmd
}

func runDrill(ctx context.Context, s streams, file string, f drillFlags, in io.Reader) error {
	plans, err := plan.ParseFile(file)
	if err != nil {
		var diags *plan.Diagnostics
		if errors.As(err, &diags) {
			fmt.Fprintln(s.err, err)
			return exitCode(1, fmt.Errorf("%s: the plan is not valid (run `switchyard plan validate %s`)", file, file))
		}
		return exitCode(1, err)
	}
	o := drill.Options{Plans: plans, Name: f.plan, Target: f.target, Mode: f.mode, Approve: f.approve, Faults: f.faults, Speed: f.speed}
	if !f.asJSON {
		o.Progress = s.out
		fmt.Fprintf(s.out, "drill %s: simulated AWS, %s mode, approvals %s\n", file, f.mode, f.approve)
	}
	if f.approve == drill.ApprovePrompt {
		o.Prompt = &termPrompt{in: bufio.NewReader(in), out: s.err}
	}
	res, err := drill.Run(ctx, o)
	if err != nil {
		return exitCode(1, err)
	}
	if f.report != "" {
		if err := drill.WriteReport(f.report, res); err != nil {
			return exitCode(1, err)
		}
	}
	if f.asJSON {
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return exitCode(1, fmt.Errorf("writing the result: %w", err))
		}
	} else {
		printSummary(s.out, res, f.report)
	}
	if res.Status != string(store.ExecutionSucceeded) {
		return exitCode(1, fmt.Errorf("execution %s ended %s", res.ExecutionID, res.Status))
	}
	return nil
}

// printSummary prints the closing summary of a drill.
func printSummary(w io.Writer, r *drill.Result, reportDir string) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%s  %s → %s  %s", r.Status, r.Plan, r.Target, r.ExecutionID)
	if r.FinalMode != r.Mode {
		fmt.Fprintf(w, "  (mode %s → %s)", r.Mode, r.FinalMode)
	}
	fmt.Fprintln(w)
	if r.Error != "" {
		fmt.Fprintf(w, "  error       %s: %s\n", r.Error, r.Cause)
	}
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	if r.Served {
		fmt.Fprintf(w, "  RTO         %s (objective %s, %s): alarm → traffic served from %s\n", dur(r.RTOSeconds), dur(r.RTOObjectiveSeconds), verdict(r.RTOMet), r.Target)
	} else {
		fmt.Fprintf(w, "  RTO         not reached: %s does not serve traffic\n", r.Target)
	}
	fmt.Fprintf(w, "  RPO         %s (objective %s, %s)\n", dur(r.RPOSeconds), dur(r.RPOObjectiveSeconds), verdict(r.RPOMet))
	fmt.Fprintf(w, "  critical    %s lower bound; overhead ×%.3f\n", dur(r.CriticalPathSeconds), r.Overhead)
	ok := 0
	for _, st := range r.Steps {
		if st.Status == string(store.StepSucceeded) {
			ok++
		}
	}
	fmt.Fprintf(w, "  steps       %d of %d succeeded; %d history events, %d state transitions\n", ok, len(r.Steps), r.HistoryEvents, r.StateTransitions)
	switch {
	case len(r.Invariants.Problems) == 0 && len(r.Invariants.Writers) == 1:
		fmt.Fprintf(w, "  invariants  one writer (%s), traffic where the writer is, lock released, audit complete\n", r.Invariants.Writers[0])
	case len(r.Invariants.Problems) == 0:
		fmt.Fprintf(w, "  invariants  lock released, audit complete (no Aurora global database: no writer to check)\n")
	default:
		for _, p := range r.Invariants.Problems {
			fmt.Fprintf(w, "  INVARIANT   %s\n", p)
		}
	}
	fmt.Fprintf(w, "  wall time   %s\n", (time.Duration(r.WallSeconds * float64(time.Second))).Round(time.Millisecond))
	if reportDir != "" {
		fmt.Fprintf(w, "  report      %s/report.html\n", strings.TrimSuffix(reportDir, "/"))
	}
}

// dur renders seconds as a duration: to the second from a minute on, to
// the tenth of a second below (an RPO of 0.8 s must not read "1s").
func dur(s float64) string {
	d := time.Duration(s * float64(time.Second))
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// termPrompt asks on the terminal: the question on out, the answer read
// from in. Only one question is asked at a time.
type termPrompt struct {
	mu  sync.Mutex
	in  *bufio.Reader
	out io.Writer
}

// Ask implements drill.Prompter.
func (p *termPrompt) Ask(ctx context.Context, question string, options []string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		fmt.Fprintf(p.out, "%s [%s] ", question, strings.Join(options, "/"))
		line, err := p.in.ReadString('\n')
		ans := strings.ToLower(strings.TrimSpace(line))
		if slices.Contains(options, ans) {
			return ans, nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", fmt.Errorf("no answer on the terminal (end of input); allowed: %s", strings.Join(options, ", "))
			}
			return "", fmt.Errorf("reading the answer: %w", err)
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		fmt.Fprintf(p.out, "%q is not one of: %s\n", ans, strings.Join(options, ", "))
	}
}

var _ drill.Prompter = (*termPrompt)(nil)
