package controlplane

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/switchyard-dev/switchyard/shared/plan"
)

// DeployedPlan is one validated plan as every Region's stack delivers it.
type DeployedPlan struct {
	// Name is the plan's metadata.name.
	Name string
	// Version is the plan's fingerprint, "sha256:" and 64 hex digits.
	Version string
	// Document is the plan's canonical JSON.
	Document string
	// File is the file it was read from (for messages).
	File string
	// Plan is the parsed plan, defaults applied.
	Plan *plan.Plan
}

// PlanSet is every plan of the plans directory, validated one by one and as
// a set, ordered by name.
type PlanSet struct {
	// Dir is the directory the plans were read from.
	Dir   string
	Plans []DeployedPlan
}

// planExtensions are the plan file extensions LoadPlans reads.
var planExtensions = []string{".yaml", ".yml", ".json"}

// LoadPlans reads every plan file (*.yaml, *.yml, *.json) under dir,
// recursively, and validates each plan and then the whole set (duplicate
// names, unknown dependencies, cycles). On any problem it returns an error
// whose text is the validator's messages, one per line, as
// FILE:LINE:COL: field.path: message; synth prints it and fails.
//
// A directory with no plan file is valid (a control plane without plans yet);
// a missing directory is not.
func LoadPlans(dir string) (*PlanSet, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("plans directory %s (context %q): %w", dir, ContextPlans, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("plans directory %s (context %q): not a directory", dir, ContextPlans)
	}
	var files []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && slices.Contains(planExtensions, strings.ToLower(filepath.Ext(path))) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing plans directory %s: %w", dir, err)
	}
	slices.Sort(files)

	diags := &plan.Diagnostics{}
	var plans []*plan.Plan
	var other []error
	for _, f := range files {
		ps, err := plan.ParseFile(f)
		plans = append(plans, ps...)
		var ds *plan.Diagnostics
		switch {
		case errors.As(err, &ds):
			diags.List = append(diags.List, ds.List...)
		case err != nil:
			other = append(other, fmt.Errorf("%s: %w", f, err))
		}
	}
	// The set checks run even when a plan is invalid, so one synth reports
	// every problem; plans that failed to decode are not in plans.
	var ds *plan.Diagnostics
	if err := plan.ValidateSet(plans); errors.As(err, &ds) {
		diags.List = append(diags.List, ds.List...)
	} else if err != nil {
		other = append(other, err)
	}
	if len(diags.List) > 0 || len(other) > 0 {
		var msgs []string
		if len(diags.List) > 0 {
			msgs = append(msgs, diags.Error())
		}
		for _, e := range other {
			msgs = append(msgs, e.Error())
		}
		return nil, &PlanErrors{Dir: dir, Count: len(diags.List) + len(other), Text: strings.Join(msgs, "\n")}
	}

	set := &PlanSet{Dir: dir}
	for _, p := range plans {
		doc, err := p.CanonicalJSON()
		if err != nil {
			return nil, fmt.Errorf("%s: plan %s: %w", p.File(), p.Metadata.Name, err)
		}
		set.Plans = append(set.Plans, DeployedPlan{
			Name: p.Metadata.Name, Version: p.Fingerprint(), Document: string(doc), File: p.File(), Plan: p,
		})
	}
	slices.SortFunc(set.Plans, func(a, b DeployedPlan) int { return strings.Compare(a.Name, b.Name) })
	return set, nil
}

// PlanErrors is LoadPlans' error for invalid plans: Text holds the
// validator's messages, one per line.
type PlanErrors struct {
	Dir   string
	Count int
	Text  string
}

// Error renders every message, one per line, after a one-line summary.
func (e *PlanErrors) Error() string {
	return fmt.Sprintf("%d problem(s) in the plans under %s:\n%s", e.Count, e.Dir, e.Text)
}

// Fingerprints maps each plan's name to its version fingerprint.
func (s *PlanSet) Fingerprints() map[string]string {
	out := map[string]string{}
	if s == nil {
		return out
	}
	for _, p := range s.Plans {
		out[p.Name] = p.Version
	}
	return out
}
