package plan

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

func wfPath(wi int) string           { return index("spec.workflows", wi) }
func stagePath(wi, si int) string    { return index(wfPath(wi)+".stages", si) }
func stepPath(wi, si, ti int) string { return index(stagePath(wi, si)+".steps", ti) }

// approverCount is how many people may approve, or 0 when a user group
// makes that unknown.
func approverCount(a *Approval) int {
	n := len(a.FallbackApprovers)
	if a.Slack != nil {
		for _, id := range a.Slack.Approvers {
			if strings.HasPrefix(id, "S") {
				return 0
			}
		}
		n += len(a.Slack.Approvers)
	}
	return n
}

// validate checks one plan on its own (ValidateSet checks a set) and adds
// every problem to diags.
func (p *Plan) validate(diags *Diagnostics) {
	c := &checker{p: p, diags: diags}
	if c.required("apiVersion", APIVersion) && p.APIVersion != APIVersion {
		c.errorf("apiVersion", "unsupported apiVersion %q (%s)", p.APIVersion, APIVersion)
	}
	if c.required("kind", KindRecoveryPlan) && p.Kind != KindRecoveryPlan {
		c.errorf("kind", "unsupported kind %q (%s)", p.Kind, KindRecoveryPlan)
	}
	c.validateMetadata()
	c.validateSpec()
}

func (c *checker) validateMetadata() {
	m := c.p.Metadata
	if c.required("metadata", "name, owner, version") {
		if c.required("metadata.name", "the plan's name, e.g. payments") {
			c.name("metadata.name", m.Name)
		}
		c.required("metadata.owner", "the owning team or a contact")
		if c.required("metadata.version", "a version label such as \"2026.11.1\"") && len(m.Version) > 64 {
			c.errorf("metadata.version", "version is %d characters (at most 64)", len(m.Version))
		}
	}
	if len(m.Description) > 1024 {
		c.errorf("metadata.description", "description is %d characters (at most 1024)", len(m.Description))
	}
}

func (c *checker) validateSpec() {
	if !c.required("spec", "approach, regions, objectives, workflows") {
		return
	}
	s := &c.p.Spec
	if c.required("spec.approach", oneOf([]string{string(ActivePassive), string(ActiveActive)})) {
		c.enum("spec.approach", string(s.Approach), []string{string(ActivePassive), string(ActiveActive)})
	}
	c.validateRegions()
	switch {
	case s.Approach == ActiveActive && c.p.has("spec.primary"):
		c.errorf("spec.primary", "primary is only for active-passive plans (remove it; in an active-active plan every Region serves)")
	case s.Approach == ActivePassive && c.required("spec.primary", "the Region that normally serves, one of spec.regions"):
		c.planRegion("spec.primary", s.Primary)
	}
	if c.required("spec.objectives", "rto and rpo") {
		if c.required("spec.objectives.rto", "a duration such as 15m") && s.Objectives.RTO == 0 {
			c.errorf("spec.objectives.rto", "RTO is 0s (a duration above 0s, such as 15m)")
		}
		c.required("spec.objectives.rpo", "a duration such as 30s; 0s forbids data loss")
	}
	c.validateApproval()
	c.validateTriggers()
	c.validateWorkflows()
	var paths []string
	for i, d := range s.DependsOn {
		paths = append(paths, index("spec.dependsOn", i))
		if c.name(paths[i], d) && d == c.p.Metadata.Name {
			c.errorf(paths[i], "a plan cannot depend on itself (other plans' metadata.name)")
		}
	}
	c.unique("dependency", "dependencies", paths, s.DependsOn)
}

func (c *checker) validateRegions() {
	s := &c.p.Spec
	if !c.required("spec.regions", "two or more AWS Regions, e.g. [us-east-1, us-west-2]") {
		return
	}
	if len(s.Regions) < 2 {
		c.errorf("spec.regions", "only %d Region (two or more AWS Regions)", len(s.Regions))
	}
	partition := ""
	paths := make([]string, len(s.Regions))
	for i, r := range s.Regions {
		paths[i] = index("spec.regions", i)
		if !IsRegion(r) {
			if hint := didYouMean(r, Regions()); hint != "" {
				c.errorf(paths[i], "%q is not an AWS Region (%s)", r, hint)
			} else {
				c.errorf(paths[i], "%q is not an AWS Region (a commercial, GovCloud or China Region name such as us-east-1)", r)
			}
			continue
		}
		switch {
		case partition == "":
			partition = Partition(r)
		case Partition(r) != partition:
			c.errorf(paths[i], "Region %s is in partition %s, the plan's other Regions in %s (one partition per plan)", r, Partition(r), partition)
		}
	}
	c.unique("Region", "Regions", paths, s.Regions)
}

func (c *checker) validateApproval() {
	a := c.p.Spec.Approval
	if a == nil {
		return
	}
	const base = "spec.approval"
	if a.Slack == nil && len(a.FallbackApprovers) == 0 {
		c.errorf(base, "no approvers (slack and/or fallbackApprovers)")
	}
	if a.Slack != nil {
		sp := base + ".slack"
		if c.required(sp+".channel", "a Slack channel ID such as C0123ABCD") && !slackChanRE.MatchString(a.Slack.Channel) {
			c.errorf(sp+".channel", "bad Slack channel ID %q (a channel ID: C or G followed by uppercase letters and digits, not a #name)", clip(a.Slack.Channel))
		}
		if c.required(sp+".approvers", "Slack user IDs (U…, W…) or user-group IDs (S…)") && len(a.Slack.Approvers) == 0 {
			c.errorf(sp+".approvers", "empty list (Slack user IDs (U…, W…) or user-group IDs (S…))")
		}
		paths := make([]string, len(a.Slack.Approvers))
		for i, id := range a.Slack.Approvers {
			paths[i] = index(sp+".approvers", i)
			if !slackUserRE.MatchString(id) && !slackGrpRE.MatchString(id) {
				c.errorf(paths[i], "bad Slack ID %q (a user ID U…/W… or a user-group ID S…, uppercase letters and digits; not a @name)", clip(id))
			}
		}
		c.unique("approver", "approvers", paths, a.Slack.Approvers)
	}
	if c.p.has(base+".quorum") && a.Quorum < 1 {
		c.errorf(base+".quorum", "quorum %d is below 1 (at least 1)", a.Quorum)
	} else if n := approverCount(a); n > 0 && a.Quorum > n {
		c.errorf(base+".quorum", "quorum %d is larger than the %d approver(s) listed (at most %d, or add a user group)", a.Quorum, n, n)
	}
	c.durationRange(base+".timeout", a.Timeout, dur(time.Minute), dur(7*24*time.Hour))
	paths := make([]string, len(a.FallbackApprovers))
	for i, arn := range a.FallbackApprovers {
		paths[i] = index(base+".fallbackApprovers", i)
		c.arn(paths[i], arn, arnIAMPrincipal, "")
	}
	c.unique("fallback approver", "fallback approvers", paths, a.FallbackApprovers)
}

var triggerActions = []string{string(ActionEvaluate), string(ActionNotify), string(ActionFailoverWithApproval), string(ActionFailover)}

func (c *checker) validateTriggers() {
	s := &c.p.Spec
	names, paths := make([]string, len(s.Triggers)), make([]string, len(s.Triggers))
	for i := range s.Triggers {
		t := &s.Triggers[i]
		tp := index("spec.triggers", i)
		names[i], paths[i] = t.Name, join(tp, "name")
		if c.required(join(tp, "name"), "a trigger name") {
			c.name(join(tp, "name"), t.Name)
		}
		if c.required(join(tp, "conditions"), "one or more {alarm, state, for}; all must hold") && len(t.Conditions) == 0 {
			c.errorf(join(tp, "conditions"), "empty list (one or more {alarm, state, for}; all must hold)")
		}
		for ci, cond := range t.Conditions {
			cp := index(join(tp, "conditions"), ci)
			if c.required(join(cp, "alarm"), arnAlarm.what) {
				c.arn(join(cp, "alarm"), cond.Alarm, arnAlarm, "*")
			}
			if c.required(join(cp, "state"), "red | green") {
				c.enum(join(cp, "state"), string(cond.State), []string{string(Red), string(Green)})
			}
			if c.required(join(cp, "for"), "how long the state must hold, at least 1m") {
				c.durationRange(join(cp, "for"), cond.For, dur(time.Minute), dur(24*time.Hour))
			}
		}
		if c.required(join(tp, "action"), oneOf(triggerActions)) {
			c.enum(join(tp, "action"), string(t.Action), triggerActions)
		}
		if c.required(join(tp, "target"), "the Region to fail over to, one of spec.regions") && c.planRegion(join(tp, "target"), t.Target) {
			if (t.Action == ActionFailover || t.Action == ActionFailoverWithApproval) && c.p.Workflow(Activate, t.Target) == nil && c.p.Workflow(Deactivate, c.p.SourceRegion(t.Target)) == nil {
				c.errorf(join(tp, "target"), "no workflow recovers into %s (an activate workflow with region: %s)", t.Target, t.Target)
			}
		}
		if t.Action == ActionFailoverWithApproval && s.Approval == nil {
			c.errorf(join(tp, "action"), "failover-with-approval but the plan has no approval policy (add spec.approval, or use failover)")
		}
		c.durationRange(join(tp, "cooldown"), t.Cooldown, dur(time.Minute), dur(7*24*time.Hour))
	}
	c.unique("trigger", "trigger names", paths, names)
}

var (
	workflowKinds  = []string{string(Activate), string(Deactivate)}
	failurePolices = []string{string(OnFailureAsk), string(OnFailureAbort), string(OnFailureContinue)}
	ungracefulBeh  = []string{string(UngracefulRun), string(UngracefulSkip), string(UngracefulRefuse)}
)

func (c *checker) validateWorkflows() {
	s := &c.p.Spec
	if !c.required("spec.workflows", "one or more workflows") {
		return
	}
	if len(s.Workflows) == 0 {
		c.errorf("spec.workflows", "empty list (one or more workflows)")
	}
	names, namePaths := make([]string, len(s.Workflows)), make([]string, len(s.Workflows))
	keys := make([]string, len(s.Workflows))
	for wi := range s.Workflows {
		w := &s.Workflows[wi]
		wp := wfPath(wi)
		names[wi], namePaths[wi] = w.Name, join(wp, "name")
		if c.required(join(wp, "name"), "a workflow name") {
			c.name(join(wp, "name"), w.Name)
		}
		if c.required(join(wp, "kind"), oneOf(workflowKinds)) && c.enum(join(wp, "kind"), string(w.Kind), workflowKinds) &&
			w.Kind == Deactivate && s.Approach != ActiveActive && c.p.has("spec.approach") {
			c.errorf(join(wp, "kind"), "deactivate workflows are only for active-active plans (activate, in an active-passive plan)")
		}
		regionOK := c.required(join(wp, "region"), "the Region this workflow activates or deactivates") && c.planRegion(join(wp, "region"), w.Region)
		if regionOK && w.Kind != "" {
			keys[wi] = string(w.Kind) + " " + w.Region
		}
		source, sourceOK := c.workflowSource(w, wp, regionOK)
		target := w.Region
		if w.Kind == Deactivate {
			target, source = c.p.SourceRegion(w.Region), w.Region
		}
		if !regionOK {
			target = ""
		}
		c.validateStages(wi, w, target, source, sourceOK)
	}
	c.unique("workflow", "workflow names", namePaths, names)
	kindPaths := make([]string, len(s.Workflows))
	for wi := range kindPaths {
		kindPaths[wi] = join(wfPath(wi), "region")
	}
	c.unique("workflow for", "kind and Region pairs", kindPaths, keys)
}

// workflowSource checks and returns the Region a workflow moves away from;
// ok is false when that is unknown because of a problem already reported.
func (c *checker) workflowSource(w *Workflow, wp string, regionOK bool) (source string, ok bool) {
	sp := join(wp, "source")
	if w.Kind == Deactivate {
		if c.p.has(sp) {
			c.errorf(sp, "source is for activate workflows (remove it; a deactivate workflow moves traffic to the other Regions)")
		}
		return "", true
	}
	if c.p.has(sp) {
		if !c.planRegion(sp, w.Source) {
			return "", false
		}
		if w.Source == w.Region {
			c.errorf(sp, "source is the workflow's own Region %s (another Region of the plan)", w.Region)
			return "", false
		}
		return w.Source, true
	}
	if !regionOK {
		return "", false
	}
	return c.p.SourceRegion(w.Region), true
}

func (c *checker) validateStages(wi int, w *Workflow, target, source string, sourceOK bool) {
	wp := wfPath(wi)
	if c.required(join(wp, "stages"), "one or more stages, run in order") && len(w.Stages) == 0 {
		c.errorf(join(wp, "stages"), "empty list (one or more stages, run in order)")
	}
	var stageNames, stagePaths, stepNames, stepPaths []string
	for si := range w.Stages {
		st := &w.Stages[si]
		sp := stagePath(wi, si)
		stageNames, stagePaths = append(stageNames, st.Name), append(stagePaths, join(sp, "name"))
		if c.required(join(sp, "name"), "a stage name") {
			c.name(join(sp, "name"), st.Name)
		}
		if c.required(join(sp, "steps"), "one or more steps, run in parallel") && len(st.Steps) == 0 {
			c.errorf(join(sp, "steps"), "empty list (one or more steps, run in parallel)")
		}
		for ti := range st.Steps {
			step := &st.Steps[ti]
			tp := stepPath(wi, si, ti)
			stepNames, stepPaths = append(stepNames, step.Name), append(stepPaths, join(tp, "name"))
			c.validateStep(w, step, tp, target, source, sourceOK)
		}
	}
	c.unique("stage", "stage names in a workflow", stagePaths, stageNames)
	c.unique("step", "step names in a workflow", stepPaths, stepNames)
}

func (c *checker) validateStep(w *Workflow, st *Step, tp, target, source string, sourceOK bool) {
	if c.required(join(tp, "name"), "a step name") {
		c.name(join(tp, "name"), st.Name)
	}
	if !c.required(join(tp, "block"), oneOf(BlockNames())) {
		return
	}
	spec, ok := LookupBlock(st.Block)
	if !ok {
		return // reported while decoding
	}
	if c.p.has(join(tp, "timeout")) {
		c.blockTimeout(join(tp, "timeout"), st.Timeout, spec)
	}
	if r := st.Retry; r != nil {
		rp := join(tp, "retry")
		c.intRange(join(rp, "attempts"), r.Attempts, 0, 10, "")
		c.durationRange(join(rp, "interval"), r.Interval, dur(time.Second), dur(time.Hour))
		if c.p.has(join(rp, "backoffRate")) && (r.BackoffRate < 1 || r.BackoffRate > 10) {
			c.errorf(join(rp, "backoffRate"), "%g is out of range (1 to 10)", r.BackoffRate)
		}
	}
	c.enum(join(tp, "onFailure"), string(st.OnFailure), failurePolices)
	if u := st.Ungraceful; u != nil {
		c.enum(join(tp, "ungraceful.behavior"), string(u.Behavior), ungracefulBeh)
		if c.p.has(join(tp, "ungraceful.timeout")) {
			c.blockTimeout(join(tp, "ungraceful.timeout"), u.Timeout, spec)
		}
	}
	if st.With == nil {
		return
	}
	st.With.validate(&stepCtx{checker: c, path: join(tp, "with"), stepPath: tp, wf: w, step: st, target: target, source: source, sourceBad: !sourceOK})
}

func (c *checker) blockTimeout(path string, d Duration, spec BlockSpec) {
	if d < spec.MinTimeout {
		c.errorf(path, "%s is shorter than the %s block's minimum (at least %s)", d, spec.Name, spec.MinTimeout)
	} else if d > dur(7*24*time.Hour) {
		c.errorf(path, "%s is too long (at most 168h)", d)
	}
}

// applyDefaults fills in every optional field of a valid plan, so that the
// canonical form states the plan's full behaviour.
func (p *Plan) applyDefaults() {
	s := &p.Spec
	if s.Regions == nil {
		s.Regions = []string{}
	}
	if s.Triggers == nil {
		s.Triggers = []Trigger{}
	}
	if s.DependsOn == nil {
		s.DependsOn = []string{}
	}
	if a := s.Approval; a != nil {
		if !p.has("spec.approval.quorum") {
			a.Quorum = 1
		}
		if !p.has("spec.approval.timeout") {
			a.Timeout = dur(30 * time.Minute)
		}
		if a.FallbackApprovers == nil {
			a.FallbackApprovers = []string{}
		}
	}
	for i := range s.Triggers {
		t := &s.Triggers[i]
		if !p.has(join(index("spec.triggers", i), "cooldown")) {
			t.Cooldown = dur(time.Hour)
		}
	}
	c := &checker{p: p, diags: &Diagnostics{}}
	for wi := range s.Workflows {
		w := &s.Workflows[wi]
		if w.Kind == Activate && w.Source == "" {
			w.Source = p.SourceRegion(w.Region)
		}
		for si := range w.Stages {
			for ti := range w.Stages[si].Steps {
				st := &w.Stages[si].Steps[ti]
				tp := stepPath(wi, si, ti)
				spec, _ := LookupBlock(st.Block)
				if !p.has(join(tp, "timeout")) {
					st.Timeout = spec.DefaultTimeout
					if st.Block == "approval" && s.Approval != nil {
						st.Timeout = s.Approval.Timeout
					}
				}
				if st.Retry == nil {
					st.Retry = &Retry{}
				}
				if !p.has(join(tp, "retry.attempts")) {
					st.Retry.Attempts = 2
				}
				if !p.has(join(tp, "retry.interval")) {
					st.Retry.Interval = dur(15 * time.Second)
				}
				if !p.has(join(tp, "retry.backoffRate")) {
					st.Retry.BackoffRate = 2
				}
				if st.OnFailure == "" {
					st.OnFailure = OnFailureAsk
				}
				if st.Ungraceful == nil {
					st.Ungraceful = &Ungraceful{}
				}
				if st.Ungraceful.Behavior == "" {
					st.Ungraceful.Behavior = UngracefulRun
				}
				if !p.has(join(tp, "ungraceful.timeout")) {
					st.Ungraceful.Timeout = st.Timeout
				}
				if st.With != nil {
					target, source := p.StepRegions(w)
					st.With.setDefaults(&stepCtx{checker: c, path: join(tp, "with"), stepPath: tp, wf: w, step: st, target: target, source: source})
				}
			}
		}
	}
}

// ValidateSet checks what only a set of plans can show: duplicate plan
// names, dependencies (spec.dependsOn and plan steps) on plans outside the
// set, and dependency cycles. It returns a *Diagnostics or nil.
func ValidateSet(plans []*Plan) error {
	diags := &Diagnostics{}
	byName := map[string]*Plan{}
	var names []string
	for _, p := range plans {
		if p == nil || p.Metadata.Name == "" {
			continue
		}
		if first, ok := byName[p.Metadata.Name]; ok {
			c := &checker{p: p, diags: diags}
			pos := first.Pos("metadata.name")
			c.errorf("metadata.name", "duplicate plan name %q (first in %s:%d; plan names must be unique)", p.Metadata.Name, first.File(), pos.Line)
			continue
		}
		byName[p.Metadata.Name] = p
		names = append(names, p.Metadata.Name)
	}
	slices.Sort(names)
	type edge struct {
		to   string
		path string
	}
	edges := map[string][]edge{}
	for _, name := range names {
		p := byName[name]
		c := &checker{p: p, diags: diags}
		seen := map[string]bool{}
		add := func(path, to string) {
			if to == "" || to == name || seen[to] {
				return // self-dependencies are reported by each plan's own validation
			}
			seen[to] = true
			if _, ok := byName[to]; !ok {
				if hint := didYouMean(to, names); hint != "" {
					c.errorf(path, "unknown plan %q (%s)", to, hint)
				} else {
					c.errorf(path, "unknown plan %q (validate it in the same set; plans in this set: %s)", to, strings.Join(names, ", "))
				}
				return
			}
			edges[name] = append(edges[name], edge{to, path})
		}
		for i, d := range p.Spec.DependsOn {
			add(index("spec.dependsOn", i), d)
		}
		for _, ref := range p.Steps() {
			if rp, ok := ref.Step.With.(*RunPlan); ok && rp.Plan != name {
				add(join(ref.Path, "with.plan"), rp.Plan)
			}
		}
	}
	// Depth-first search; each cycle is reported once, at the edge that
	// closes it, in the plan whose name sorts first in the cycle.
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var visit func(string)
	visit = func(n string) {
		color[n] = grey
		stack = append(stack, n)
		for _, e := range edges[n] {
			switch color[e.to] {
			case white:
				visit(e.to)
			case grey:
				i := slices.Index(stack, e.to)
				cycle := append(slices.Clone(stack[i:]), e.to)
				c := &checker{p: byName[n], diags: diags}
				c.errorf(e.path, "dependency cycle %s (plans must not depend on each other in a loop)", strings.Join(cycle, " → "))
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
	}
	for _, n := range names {
		if color[n] == white {
			visit(n)
		}
	}
	return diags.err()
}

// DependencyOrder returns the plans of a valid set ordered so that every
// plan comes after the plans it depends on (ties by name).
func DependencyOrder(plans []*Plan) ([]*Plan, error) {
	if err := ValidateSet(plans); err != nil {
		return nil, err
	}
	byName := map[string]*Plan{}
	for _, p := range plans {
		byName[p.Metadata.Name] = p
	}
	names := sortedKeys(byName)
	done := map[string]bool{}
	var out []*Plan
	var visit func(string)
	visit = func(n string) {
		if done[n] {
			return
		}
		done[n] = true
		deps := slices.Clone(byName[n].Spec.DependsOn)
		slices.Sort(deps)
		for _, d := range deps {
			visit(d)
		}
		out = append(out, byName[n])
	}
	for _, n := range names {
		visit(n)
	}
	return out, nil
}

// String names the plan and its version, for logs.
func (p *Plan) String() string {
	return fmt.Sprintf("%s@%s", p.Metadata.Name, p.Metadata.Version)
}
