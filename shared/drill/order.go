package drill

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/switchyard-dev/switchyard/shared/executor"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// selectPlans picks the plans to drill from a file's plans: the one named
// (when name is set) or all of them, in dependency order (a plan after the
// plans it dependsOn). Dependencies outside the file are not drilled.
func selectPlans(all []*plan.Plan, name string) ([]*plan.Plan, error) {
	if len(all) == 0 {
		return nil, fmt.Errorf("no plan to drill")
	}
	if name != "" {
		for _, p := range all {
			if p.Metadata.Name == name {
				return []*plan.Plan{p}, nil
			}
		}
		return nil, fmt.Errorf("--plan %s: no such plan in the file (it has: %s)", name, strings.Join(planNames(all), ", "))
	}
	byName := map[string]*plan.Plan{}
	for _, p := range all {
		byName[p.Metadata.Name] = p
	}
	var out []*plan.Plan
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(p *plan.Plan, path []string) error
	visit = func(p *plan.Plan, path []string) error {
		n := p.Metadata.Name
		switch state[n] {
		case 1:
			return fmt.Errorf("plans depend on each other in a cycle: %s → %s", strings.Join(path, " → "), n)
		case 2:
			return nil
		}
		state[n] = 1
		deps := slices.Clone(p.Spec.DependsOn)
		sort.Strings(deps)
		for _, d := range deps {
			if dp := byName[d]; dp != nil {
				if err := visit(dp, append(path, n)); err != nil {
					return err
				}
			}
		}
		state[n] = 2
		out = append(out, p)
		return nil
	}
	for _, p := range all {
		if err := visit(p, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func planNames(ps []*plan.Plan) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Metadata.Name
	}
	return out
}

// targetFor picks the Region to fail over to: the one asked for, else the
// target of the plan's first failover trigger, else the only Region other
// than the primary that a workflow moves traffic into. A target is one some
// workflow moves traffic into (executor.ResolveWorkflow): an activate
// workflow's Region, or for an active-active plan the other Region of a
// deactivate workflow.
func targetFor(p *plan.Plan, asked string) (string, error) {
	var into []string
	for _, r := range p.Spec.Regions {
		if _, err := executor.ResolveWorkflow(p, r, ""); err == nil {
			into = append(into, r)
		}
	}
	if asked != "" {
		if _, err := executor.ResolveWorkflow(p, asked, ""); err != nil {
			what := "activate workflow for"
			if p.Spec.Approach == plan.ActiveActive {
				what = "workflow that moves traffic into"
			}
			return "", fmt.Errorf("plan %s has no %s --target %s (it can fail over to: %s)", p.Metadata.Name, what, asked, strings.Join(into, ", "))
		}
		return asked, nil
	}
	for _, t := range p.Spec.Triggers {
		if _, err := executor.ResolveWorkflow(p, t.Target, ""); err == nil && isFailover(t.Action) {
			return t.Target, nil
		}
	}
	var cands []string
	for _, r := range into {
		if r != p.Spec.Primary {
			cands = append(cands, r)
		}
	}
	if len(cands) == 1 {
		return cands[0], nil
	}
	return "", fmt.Errorf("plan %s: choose a target with --target (it can fail over to: %s)", p.Metadata.Name, strings.Join(into, ", "))
}

func isFailover(a plan.TriggerAction) bool {
	return a == plan.ActionFailover || a == plan.ActionFailoverWithApproval
}

// triggerFor returns the plan's first failover trigger towards target and
// how long its conditions must hold (the longest "for"), or nil.
func triggerFor(p *plan.Plan, target string) (*plan.Trigger, time.Duration) {
	for i := range p.Spec.Triggers {
		t := &p.Spec.Triggers[i]
		if t.Target != target || !isFailover(t.Action) {
			continue
		}
		hold := time.Duration(0)
		for _, c := range t.Conditions {
			hold = max(hold, time.Duration(c.For))
		}
		return t, hold
	}
	return nil, 0
}
