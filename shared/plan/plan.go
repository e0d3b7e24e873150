package plan

// APIVersion and KindRecoveryPlan identify a plan document.
const (
	APIVersion       = "switchyard.dev/v1"
	KindRecoveryPlan = "RecoveryPlan"
)

// Approach is how a plan's Regions serve traffic.
type Approach string

// The approaches a plan may take.
const (
	// ActivePassive: one Region (the primary) serves; the others stand by.
	ActivePassive Approach = "active-passive"
	// ActiveActive: every Region serves; recovery deactivates a Region.
	ActiveActive Approach = "active-active"
)

// TriggerAction is what a trigger does once all its conditions have held.
type TriggerAction string

// The trigger actions, from the least to the most drastic.
const (
	ActionEvaluate             TriggerAction = "evaluate"
	ActionNotify               TriggerAction = "notify"
	ActionFailoverWithApproval TriggerAction = "failover-with-approval"
	ActionFailover             TriggerAction = "failover"
)

// AlarmState is the state a trigger condition waits for: red is ALARM,
// green is OK.
type AlarmState string

// The alarm states a condition may name.
const (
	Red   AlarmState = "red"
	Green AlarmState = "green"
)

// WorkflowKind says whether a workflow brings a Region into service or takes
// it out.
type WorkflowKind string

// The workflow kinds. Deactivate exists only in active-active plans.
const (
	Activate   WorkflowKind = "activate"
	Deactivate WorkflowKind = "deactivate"
)

// FailurePolicy is what happens when a step has failed after its retries.
type FailurePolicy string

// The failure policies.
const (
	// OnFailureAsk pauses the execution for an operator decision (retry,
	// skip, switch to ungraceful, abort).
	OnFailureAsk FailurePolicy = "ask"
	// OnFailureAbort stops the execution.
	OnFailureAbort FailurePolicy = "abort"
	// OnFailureContinue records the failure and goes on.
	OnFailureContinue FailurePolicy = "continue"
)

// UngracefulBehavior is what a step does when the execution runs in
// ungraceful mode (the Region being left is impaired or unreachable).
type UngracefulBehavior string

// The ungraceful behaviours.
const (
	// UngracefulRun runs the block's ungraceful variant (for example an
	// Aurora failover with data loss instead of a switchover).
	UngracefulRun UngracefulBehavior = "run"
	// UngracefulSkip skips the step.
	UngracefulSkip UngracefulBehavior = "skip"
	// UngracefulRefuse pauses for an operator decision instead of running.
	UngracefulRefuse UngracefulBehavior = "refuse"
)

// Plan is one recovery plan. Values returned by Parse are validated and have
// their defaults applied.
type Plan struct {
	APIVersion string   `yaml:"apiVersion" json:"apiVersion"`
	Kind       string   `yaml:"kind" json:"kind"`
	Metadata   Metadata `yaml:"metadata" json:"metadata"`
	Spec       Spec     `yaml:"spec" json:"spec"`

	src source
}

// source remembers where a plan came from, for messages.
type source struct {
	file string
	pos  map[string]Pos  // field path -> position of its value
	bad  map[string]bool // field paths already reported while decoding
	node Pos             // position of the document
}

// File is the file the plan was read from.
func (p *Plan) File() string { return p.src.file }

// Pos returns the position of the value at a field path such as
// "spec.workflows[0].stages[1]", or of its nearest enclosing field.
func (p *Plan) Pos(path string) Pos {
	for {
		if pos, ok := p.src.pos[path]; ok {
			return pos
		}
		i := max(-1, lastSep(path))
		if i < 0 {
			return p.src.node
		}
		path = path[:i]
	}
}

// has reports whether the document set the field at path (to a non-null
// value).
func (p *Plan) has(path string) bool {
	_, ok := p.src.pos[path]
	return ok
}

// reported reports whether path, or a field enclosing it, already has a
// decoding problem, so validation does not pile a second message on it.
func (p *Plan) reported(path string) bool {
	for {
		if p.src.bad[path] {
			return true
		}
		i := lastSep(path)
		if i < 0 {
			return false
		}
		path = path[:i]
	}
}

func lastSep(path string) int {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '.' || path[i] == '[' {
			return i
		}
	}
	return -1
}

// Metadata identifies a plan and its version.
type Metadata struct {
	Name        string            `yaml:"name" json:"name"`
	Description string            `yaml:"description" json:"description,omitempty"`
	Owner       string            `yaml:"owner" json:"owner"`
	Version     string            `yaml:"version" json:"version"`
	Labels      map[string]string `yaml:"labels" json:"labels,omitempty"`
}

// Spec is what a plan recovers and how.
type Spec struct {
	Approach   Approach   `yaml:"approach" json:"approach"`
	Regions    []string   `yaml:"regions" json:"regions"`
	Primary    string     `yaml:"primary" json:"primary,omitempty"`
	Objectives Objectives `yaml:"objectives" json:"objectives"`
	Approval   *Approval  `yaml:"approval" json:"approval,omitempty"`
	Triggers   []Trigger  `yaml:"triggers" json:"triggers"`
	Workflows  []Workflow `yaml:"workflows" json:"workflows"`
	DependsOn  []string   `yaml:"dependsOn" json:"dependsOn"`
}

// Objectives are the recovery time and recovery point objectives.
type Objectives struct {
	RTO Duration `yaml:"rto" json:"rto"`
	RPO Duration `yaml:"rpo" json:"rpo"`
}

// Approval is who may approve a recovery, how many of them, and for how
// long the execution waits.
type Approval struct {
	Slack             *SlackApproval `yaml:"slack" json:"slack,omitempty"`
	Quorum            int            `yaml:"quorum" json:"quorum"`
	Timeout           Duration       `yaml:"timeout" json:"timeout"`
	FallbackApprovers []string       `yaml:"fallbackApprovers" json:"fallbackApprovers"`
}

// SlackApproval is the Slack channel approval requests are posted to and
// the allow-list of approvers: user IDs (U…, W…) and user-group IDs (S…).
type SlackApproval struct {
	Channel   string   `yaml:"channel" json:"channel"`
	Approvers []string `yaml:"approvers" json:"approvers"`
}

// Trigger starts (or proposes) a recovery when all its conditions hold.
type Trigger struct {
	Name        string        `yaml:"name" json:"name"`
	Description string        `yaml:"description" json:"description,omitempty"`
	Conditions  []Condition   `yaml:"conditions" json:"conditions"`
	Action      TriggerAction `yaml:"action" json:"action"`
	Target      string        `yaml:"target" json:"target"`
	Cooldown    Duration      `yaml:"cooldown" json:"cooldown"`
}

// Condition is a CloudWatch alarm held in a state for a duration.
type Condition struct {
	Alarm string     `yaml:"alarm" json:"alarm"`
	State AlarmState `yaml:"state" json:"state"`
	For   Duration   `yaml:"for" json:"for"`
}

// Workflow activates or deactivates one Region: stages in order, the steps
// of a stage in parallel.
type Workflow struct {
	Name   string       `yaml:"name" json:"name"`
	Kind   WorkflowKind `yaml:"kind" json:"kind"`
	Region string       `yaml:"region" json:"region"`
	// Source is the Region traffic and writes move away from. It defaults to
	// the primary (or, with two Regions, the other Region).
	Source string  `yaml:"source" json:"source,omitempty"`
	Stages []Stage `yaml:"stages" json:"stages"`
}

// Stage is a group of steps that run in parallel.
type Stage struct {
	Name  string `yaml:"name" json:"name"`
	Steps []Step `yaml:"steps" json:"steps"`
}

// Step runs one execution block.
type Step struct {
	Name        string        `yaml:"name" json:"name"`
	Description string        `yaml:"description" json:"description,omitempty"`
	Block       string        `yaml:"block" json:"block"`
	Timeout     Duration      `yaml:"timeout" json:"timeout"`
	Retry       *Retry        `yaml:"retry" json:"retry"`
	OnFailure   FailurePolicy `yaml:"onFailure" json:"onFailure"`
	Ungraceful  *Ungraceful   `yaml:"ungraceful" json:"ungraceful"`
	// With is the block's typed configuration (*ECSScale for ecs-scale, …).
	With Config `yaml:"with" json:"with"`
}

// Retry is how often and how fast a failed step is retried before its
// failure policy applies.
type Retry struct {
	Attempts    int      `yaml:"attempts" json:"attempts"`
	Interval    Duration `yaml:"interval" json:"interval"`
	BackoffRate float64  `yaml:"backoffRate" json:"backoffRate"`
}

// Ungraceful is what a step does in ungraceful mode.
type Ungraceful struct {
	Behavior UngracefulBehavior `yaml:"behavior" json:"behavior"`
	// Timeout replaces the step's timeout in ungraceful mode.
	Timeout Duration `yaml:"timeout" json:"timeout"`
}

// StepRef locates a step inside a plan.
type StepRef struct {
	Workflow *Workflow
	Stage    *Stage
	Step     *Step
	// Path is the step's field path, e.g. "spec.workflows[0].stages[1].steps[0]".
	Path string
}

// Steps returns every step of every workflow in document order.
func (p *Plan) Steps() []StepRef {
	var out []StepRef
	for wi := range p.Spec.Workflows {
		w := &p.Spec.Workflows[wi]
		for si := range w.Stages {
			s := &w.Stages[si]
			for ti := range s.Steps {
				out = append(out, StepRef{Workflow: w, Stage: s, Step: &s.Steps[ti], Path: stepPath(wi, si, ti)})
			}
		}
	}
	return out
}

// Workflow returns the workflow of the given kind for region, or nil.
func (p *Plan) Workflow(kind WorkflowKind, region string) *Workflow {
	for i := range p.Spec.Workflows {
		if w := &p.Spec.Workflows[i]; w.Kind == kind && w.Region == region {
			return w
		}
	}
	return nil
}

// SourceRegion is the Region a failover into target moves away from: the
// primary for an active-passive plan (when target is not the primary),
// otherwise the only other Region of a two-Region plan. It returns "" when
// that is ambiguous; workflows then name their source explicitly.
func (p *Plan) SourceRegion(target string) string {
	if p.Spec.Approach == ActivePassive && p.Spec.Primary != "" && target != p.Spec.Primary {
		return p.Spec.Primary
	}
	if len(p.Spec.Regions) == 2 {
		for _, r := range p.Spec.Regions {
			if r != target {
				return r
			}
		}
	}
	return ""
}

// StepRegions returns the Region a workflow moves into (its target, where
// the execution runs) and the Region it moves away from. An activate
// workflow moves into its own Region, away from its source; a deactivate
// workflow moves away from its own Region, into the other Region of a
// two-Region plan ("" with more Regions).
func (p *Plan) StepRegions(w *Workflow) (target, source string) {
	if w.Kind == Deactivate {
		return p.SourceRegion(w.Region), w.Region
	}
	source = w.Source
	if source == "" {
		source = p.SourceRegion(w.Region)
	}
	return w.Region, source
}
