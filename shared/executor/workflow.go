package executor

import (
	"fmt"
	"slices"
	"strings"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// ResolveWorkflow picks the workflow an execution into target runs. One
// execution runs exactly one workflow, from target (principle 1), and
// target is always the Region the workflow moves traffic into
// ((*plan.Plan).StepRegions):
//
//   - name set (input field "workflow"): that workflow, which must move
//     traffic into target: an activate workflow of target, or a deactivate
//     workflow of another Region (in a plan of more than two Regions a
//     deactivate workflow has no single target: any other Region of the
//     plan may run it);
//   - active-passive plan: the activate workflow of target;
//   - active-active plan: "move all traffic to target", i.e. the deactivate
//     workflow of the Region being left (the other Region of a two-Region
//     plan); when the plan has none, the activate workflow of target.
//     Putting a deactivated Region back into service (its activate
//     workflow) is asked for by name: {"plan": "storefront", "target":
//     "us-east-1", "workflow": "activate-us-east-1"}.
//
// Errors are *errclass.InvalidInput naming what is allowed.
func ResolveWorkflow(p *plan.Plan, target, name string) (*plan.Workflow, error) {
	if name != "" {
		var w *plan.Workflow
		for i := range p.Spec.Workflows {
			if p.Spec.Workflows[i].Name == name {
				w = &p.Spec.Workflows[i]
			}
		}
		if w == nil {
			return nil, &errclass.InvalidInput{Field: "workflow", Message: fmt.Sprintf("plan %s has no workflow %q (it has: %s)", p.Metadata.Name, name, workflowList(p))}
		}
		if !movesInto(p, w, target) {
			return nil, &errclass.InvalidInput{Field: "workflow", Message: fmt.Sprintf("workflow %s of plan %s %s, not into %s; workflows into %s: %s",
				name, p.Metadata.Name, describe(p, w), target, target, strings.Join(into(p, target), ", "))}
		}
		return w, nil
	}
	if p.Spec.Approach == plan.ActiveActive {
		var deact []*plan.Workflow
		for i := range p.Spec.Workflows {
			if w := &p.Spec.Workflows[i]; w.Kind == plan.Deactivate {
				if t, _ := p.StepRegions(w); t == target {
					deact = append(deact, w)
				}
			}
		}
		if len(deact) == 1 {
			return deact[0], nil
		}
	}
	if w := p.Workflow(plan.Activate, target); w != nil {
		return w, nil
	}
	msg := fmt.Sprintf("plan %s has no workflow that moves traffic into %q", p.Metadata.Name, target)
	if p.Spec.Approach == plan.ActiveActive {
		msg = fmt.Sprintf("plan %s has no deactivate workflow of the Region left and no activate workflow of %q", p.Metadata.Name, target)
	}
	var allowed []string
	for _, r := range p.Spec.Regions {
		if len(into(p, r)) > 0 {
			allowed = append(allowed, r)
		}
	}
	if len(into(p, target)) > 0 {
		msg += fmt.Sprintf(`; name one with "workflow" (into %s: %s)`, target, strings.Join(into(p, target), ", "))
	}
	return nil, &errclass.InvalidInput{Field: "target", Message: fmt.Sprintf("%s (allowed: %s)", msg, strings.Join(allowed, ", "))}
}

// movesInto reports whether w moves traffic into target.
func movesInto(p *plan.Plan, w *plan.Workflow, target string) bool {
	t, _ := p.StepRegions(w)
	if t == target {
		return true
	}
	return w.Kind == plan.Deactivate && t == "" && w.Region != target && slices.Contains(p.Spec.Regions, target)
}

// into lists the workflows that move traffic into target.
func into(p *plan.Plan, target string) []string {
	var out []string
	for i := range p.Spec.Workflows {
		if w := &p.Spec.Workflows[i]; movesInto(p, w, target) {
			out = append(out, w.Name)
		}
	}
	return out
}

func describe(p *plan.Plan, w *plan.Workflow) string {
	t, _ := p.StepRegions(w)
	if w.Kind == plan.Deactivate {
		if t == "" {
			return "takes " + w.Region + " out of service"
		}
		return "takes " + w.Region + " out of service, moving traffic into " + t
	}
	return "moves traffic into " + t
}

func workflowList(p *plan.Plan) string {
	out := make([]string, 0, len(p.Spec.Workflows))
	for i := range p.Spec.Workflows {
		w := &p.Spec.Workflows[i]
		out = append(out, fmt.Sprintf("%s (%s %s)", w.Name, w.Kind, w.Region))
	}
	return strings.Join(out, ", ")
}

// workflowNamed finds a run's workflow: by name, or (for a run recorded
// before runs carried one) the activate workflow of its target.
func workflowNamed(p *plan.Plan, run *Run) *plan.Workflow {
	if run.Workflow != "" {
		for i := range p.Spec.Workflows {
			if p.Spec.Workflows[i].Name == run.Workflow {
				return &p.Spec.Workflows[i]
			}
		}
		return nil
	}
	return p.Workflow(plan.Activate, run.Target)
}
