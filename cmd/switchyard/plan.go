package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switchyard-dev/switchyard/shared/plan"
)

func newPlanCmd(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Validate and inspect recovery plans",
		Long: `A recovery plan is a YAML (or JSON) document, apiVersion switchyard.dev/v1,
kind RecoveryPlan, that says which Regions an application runs in, its RTO and
RPO, who approves a recovery, which alarms trigger one, and the workflows
(stages of parallel steps, one execution block per step) that move it.
A file may hold several plans as separate YAML documents (---).

See docs/plan-format.md for the format and examples/plans/ for examples.`,
		Example: `  switchyard plan validate examples/plans/*.yaml
  switchyard plan show examples/plans/payments.yaml
  switchyard plan show --json examples/plans/payments.yaml`,
		// A bare "plan" prints help; "plan frobnicate" is a usage error.
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newPlanValidateCmd(s), newPlanShowCmd(s))
	return cmd
}

func newPlanValidateCmd(s streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check plans and report every problem with its file, line and column",
		Long: `validate parses every FILE and checks each plan on its own and all of them
as a set (plan names unique, dependencies present, no dependency cycle).

Every problem is reported at once on stderr, one per line, sorted by position:

  FILE:LINE:COL: field.path: what is wrong (what is allowed)

For each valid file it prints "ok  FILE (…)" on stdout with each plan's
version fingerprint, abbreviated (the sha256 of its canonical JSON; in full
with --json or in "plan show").

Exit status: 0 when every plan is valid, 1 when any is not, 2 on a usage
error or an unreadable file.`,
		Example: `  # Validate the examples (a dependency group must be validated together).
  switchyard plan validate examples/plans/*.yaml

  # Machine-readable result (on stdout, whatever the exit status).
  switchyard plan validate --json plans/payments.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			return runPlanValidate(s, files, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON on stdout")
	return cmd
}

// validateResult is the --json output of plan validate.
type validateResult struct {
	Valid bool              `json:"valid"`
	Files []validateFile    `json:"files"`
	Diags []plan.Diagnostic `json:"diagnostics"`
}

type validateFile struct {
	File  string        `json:"file"`
	Valid bool          `json:"valid"`
	Plans []planSummary `json:"plans"`
}

type planSummary struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Fingerprint string `json:"fingerprint,omitempty"`
}

func runPlanValidate(s streams, files []string, asJSON bool) error {
	files = uniqueFiles(files) // "a.yaml a.yaml" would report every plan as a duplicate
	var all []*plan.Plan
	byFile := map[string][]*plan.Plan{}
	diags := &plan.Diagnostics{}
	for _, f := range files {
		plans, err := plan.ParseFile(f)
		if err != nil {
			var d *plan.Diagnostics
			if !errors.As(err, &d) {
				return exitCode(2, err) // unreadable file
			}
			diags.List = append(diags.List, d.List...)
		}
		byFile[f] = plans
		all = append(all, plans...)
	}
	var setErr *plan.Diagnostics
	if err := plan.ValidateSet(all); errors.As(err, &setErr) {
		diags.List = append(diags.List, setErr.List...)
	}
	sortDiagnostics(diags)
	bad := map[string]bool{}
	for _, d := range diags.List {
		bad[d.File] = true
	}
	res := validateResult{Valid: len(diags.List) == 0, Diags: diags.List}
	if res.Diags == nil {
		res.Diags = []plan.Diagnostic{}
	}
	for _, f := range files {
		vf := validateFile{File: f, Valid: !bad[f], Plans: []planSummary{}}
		for _, p := range byFile[f] {
			ps := planSummary{Name: p.Metadata.Name, Version: p.Metadata.Version}
			if vf.Valid {
				ps.Fingerprint = p.Fingerprint()
			}
			vf.Plans = append(vf.Plans, ps)
		}
		res.Files = append(res.Files, vf)
	}
	if asJSON {
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return exitCode(1, fmt.Errorf("writing result: %w", err))
		}
		if !res.Valid {
			return exitCode(1, errors.New(""))
		}
		return nil
	}
	for _, d := range diags.List {
		fmt.Fprintln(s.err, d.String())
	}
	for _, vf := range res.Files {
		if vf.Valid {
			fmt.Fprintf(s.out, "ok  %s (%s)\n", vf.File, describePlans(vf.Plans))
		}
	}
	if !res.Valid {
		return exitCode(1, fmt.Errorf("%d problem(s) in %d file(s)", len(diags.List), len(bad)))
	}
	return nil
}

// describePlans summarises a valid file's plans with abbreviated
// fingerprints (the full ones are in --json and plan show).
func describePlans(ps []planSummary) string {
	switch len(ps) {
	case 1:
		return "1 plan, fingerprint " + shortFingerprint(ps[0].Fingerprint)
	default:
		parts := make([]string, len(ps))
		for i, p := range ps {
			parts[i] = p.Name + " " + shortFingerprint(p.Fingerprint)
		}
		return fmt.Sprintf("%d plans, fingerprints %s", len(ps), strings.Join(parts, ", "))
	}
}

func uniqueFiles(files []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

func shortFingerprint(fp string) string {
	const n = len("sha256:") + 12
	if len(fp) > n {
		return fp[:n] + "…"
	}
	return fp
}

// sortDiagnostics orders diagnostics from several files by file and
// position, as Parse orders each file's own.
func sortDiagnostics(ds *plan.Diagnostics) {
	slices.SortStableFunc(ds.List, func(a, b plan.Diagnostic) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Path, b.Path), cmp.Compare(a.Message, b.Message))
	})
}

func newPlanShowCmd(s streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show FILE",
		Short: "Print a plan: Regions, objectives, approval, triggers, workflows, steps",
		Long: `show validates FILE and prints each plan in it readably: identity and
fingerprint, approach and Regions, objectives, approval policy, triggers, and
every workflow's stages, steps, blocks, key configuration, timeout, retry,
failure policy and ungraceful behaviour, then the plan's dependencies.
Checks that need a set of plans (dependencies, cycles) are plan validate's.

With --json it prints each plan's canonical JSON (defaults applied, fixed
field order, canonical durations), one plan per line; its sha256 is the
plan's fingerprint.

Exit status: 0 when the plans are valid, 1 (with the problems on stderr)
when not, 2 on a usage error or an unreadable file.`,
		Example: `  switchyard plan show examples/plans/payments.yaml
  switchyard plan show --json examples/plans/payments.yaml | sha256sum`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			plans, err := plan.ParseFile(args[0])
			if err != nil {
				var d *plan.Diagnostics
				if !errors.As(err, &d) {
					return exitCode(2, err)
				}
				fmt.Fprintln(s.err, d.Error())
				return exitCode(1, fmt.Errorf("%d problem(s) in %s", d.Len(), args[0]))
			}
			for i, p := range plans {
				if asJSON {
					b, err := p.CanonicalJSON()
					if err != nil {
						return exitCode(1, err)
					}
					fmt.Fprintf(s.out, "%s\n", b)
					continue
				}
				if i > 0 {
					fmt.Fprintln(s.out)
				}
				renderPlan(s.out, p)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print canonical JSON, one plan per line")
	return cmd
}

// renderPlan writes a human-readable account of a valid plan.
func renderPlan(w io.Writer, p *plan.Plan) {
	m, sp := p.Metadata, p.Spec
	fmt.Fprintf(w, "Plan %s  version %s  (%s)\n", m.Name, m.Version, p.Fingerprint())
	if m.Description != "" {
		fmt.Fprintf(w, "  %s\n", m.Description)
	}
	fmt.Fprintf(w, "  owner: %s\n", m.Owner)
	regions := make([]string, len(sp.Regions))
	for i, r := range sp.Regions {
		regions[i] = r
		if r == sp.Primary {
			regions[i] += " (primary)"
		}
	}
	fmt.Fprintf(w, "Approach:   %s\n", sp.Approach)
	fmt.Fprintf(w, "Regions:    %s\n", strings.Join(regions, ", "))
	fmt.Fprintf(w, "Objectives: RTO %s, RPO %s\n", sp.Objectives.RTO, sp.Objectives.RPO)
	if a := sp.Approval; a != nil {
		fmt.Fprintf(w, "Approval:   quorum %d, timeout %s\n", a.Quorum, a.Timeout)
		if a.Slack != nil {
			fmt.Fprintf(w, "  slack %s: %s\n", a.Slack.Channel, strings.Join(a.Slack.Approvers, ", "))
		}
		for _, f := range a.FallbackApprovers {
			fmt.Fprintf(w, "  fallback (API/CLI): %s\n", f)
		}
	} else {
		fmt.Fprintln(w, "Approval:   none")
	}
	if len(sp.Triggers) == 0 {
		fmt.Fprintln(w, "Triggers:   none (started by API, CLI or console)")
	} else {
		fmt.Fprintln(w, "Triggers:")
	}
	for _, t := range sp.Triggers {
		fmt.Fprintf(w, "  %s: %s → %s (cooldown %s) when all hold:\n", t.Name, t.Action, t.Target, t.Cooldown)
		for _, c := range t.Conditions {
			fmt.Fprintf(w, "    %s %s for %s\n", c.Alarm, c.State, c.For)
		}
	}
	fmt.Fprintln(w, "Workflows:")
	for _, wf := range sp.Workflows {
		target, source := p.StepRegions(&wf)
		fmt.Fprintf(w, "  %s: %s %s", wf.Name, wf.Kind, wf.Region)
		if source != "" && target != "" {
			fmt.Fprintf(w, " (from %s to %s)", source, target)
		}
		fmt.Fprintln(w)
		for si, st := range wf.Stages {
			fmt.Fprintf(w, "    stage %d %s (%d step(s) in parallel)\n", si+1, st.Name, len(st.Steps))
			for _, step := range st.Steps {
				fmt.Fprintf(w, "      - %s [%s] timeout %s, retry %d (every %s, backoff ×%g), on failure %s, ungraceful %s",
					step.Name, step.Block, step.Timeout, step.Retry.Attempts, step.Retry.Interval, step.Retry.BackoffRate,
					step.OnFailure, step.Ungraceful.Behavior)
				if step.Ungraceful.Timeout != step.Timeout {
					fmt.Fprintf(w, " (timeout %s)", step.Ungraceful.Timeout)
				}
				fmt.Fprintln(w)
				if step.With != nil {
					fmt.Fprintf(w, "          %s\n", step.With.Summary())
				}
			}
		}
	}
	if len(sp.DependsOn) == 0 {
		fmt.Fprintln(w, "Depends on: nothing")
	} else {
		fmt.Fprintf(w, "Depends on: %s\n", strings.Join(sp.DependsOn, ", "))
	}
}
