package controlplane

import "time"

// TableAccess is how much of the Region's table a function may touch.
type TableAccess int

// Table access levels.
const (
	TableNone TableAccess = iota
	TableRead
	TableReadWrite
)

// Access lists what a function may call besides writing its own logs and
// traces. The stack turns each field into a scoped grant.
type Access struct {
	// Table is the function's access to the Region's table (and its key).
	Table TableAccess
	// PutEvents lets it publish to the Region's Switchyard bus.
	PutEvents bool
	// StartExecutions names state machines (statemachines/<name>.asl.json)
	// it may start, describe and stop executions of.
	StartExecutions []string
	// TaskResponses names state machines whose task tokens it may complete
	// (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat).
	TaskResponses []string
	// SlackSigningSecret and SlackBotToken let it read those secrets.
	SlackSigningSecret bool
	SlackBotToken      bool
	// AssumePlanRole lets it assume the Region's plan execution role, which
	// holds the permissions the plans' actions need.
	AssumePlanRole bool
	// SimulatePlanRole lets it run IAM policy simulation on the plan role
	// (readiness checks that the role can do what the plans will ask).
	SimulatePlanRole bool
	// ReadAlarms lets it describe the CloudWatch alarms the plans name
	// (trigger conditions and alarm-wait steps, by ARN) and read metrics
	// (GetMetricData: replication lag against the RPO).
	ReadAlarms bool
	// DescribeSecrets lets it check that this Region's control-plane
	// secrets exist (secretsmanager:DescribeSecret only, never the value).
	DescribeSecrets bool
	// ReadPeerTables lets it read the plan versions in the other configured
	// Regions' tables (see RegionStack.PeerTables).
	ReadPeerTables bool
}

// FunctionSettings are one function's deployment settings.
type FunctionSettings struct {
	// Description becomes the function's description.
	Description string
	// MemoryMiB is the memory size (default 256).
	MemoryMiB int
	// Timeout is the function timeout (default 30 s).
	Timeout time.Duration
	// ReservedConcurrency, when non-zero, caps concurrent executions. Set it
	// only where the cap guards a dependency, and say which in a comment.
	ReservedConcurrency int
	// Access is what the function may call.
	Access Access
}

// Defaults for FunctionSettings fields left zero.
const (
	DefaultMemoryMiB = 256
	DefaultTimeout   = 30 * time.Second
)

// State machine names (their files' base names) the settings refer to.
const (
	executePlan = "execute-plan"
	runStep     = "run-step"
)

// functionSettings has one entry per function under functions/. A function
// directory without an entry fails synth (see LoadSources), so a new function
// cannot ship with unreviewed permissions. Entries whose function has not
// landed yet are allowed: they are skipped until functions/<name>/main.go
// exists.
var functionSettings = map[string]FunctionSettings{
	"executor": {
		Description: "execute-plan's own tasks: validate the input, take and release the plan lock, preflight readiness, report.",
		Timeout:     60 * time.Second,
		Access: Access{
			Table:          TableReadWrite,
			PutEvents:      true,
			AssumePlanRole: true,
		},
	},
	"step": {
		Description: "run-step's block handler: starts a step's execution block, observes its progress, verifies the outcome.",
		Timeout:     2 * time.Minute,
		Access: Access{
			Table:          TableReadWrite,
			PutEvents:      true,
			AssumePlanRole: true,
		},
	},
	"trigger": {
		Description: "Maps alarm and RDS events to plans and triggers, applies hold times, cooldowns and de-duplication, and acts per policy.",
		Timeout:     60 * time.Second,
		// Guards Step Functions StartExecution and the per-trigger state items
		// from alarm storms: EventBridge retries throttled deliveries, and the
		// de-duplication makes a later delivery of the same event harmless.
		ReservedConcurrency: 5,
		Access: Access{
			Table:           TableReadWrite,
			PutEvents:       true,
			StartExecutions: []string{executePlan},
			// RDS global-cluster events complete the steps waiting for them.
			TaskResponses: []string{runStep},
			// The trigger re-evaluates the target's readiness before acting:
			// it reads the plans' resources through the plan role and makes
			// the control plane's own reads (alarms, lag, secrets, policy
			// simulation, peer plan versions) under its own role.
			AssumePlanRole:   true,
			SimulatePlanRole: true,
			ReadAlarms:       true,
			DescribeSecrets:  true,
			ReadPeerTables:   true,
		},
	},
	"readiness": {
		Description: "Evaluates each plan's readiness in this Region, stores the report, emits Readiness Changed and a metric per plan.",
		MemoryMiB:   512,
		Timeout:     5 * time.Minute,
		// Guards the Describe* rate limits of the services the plans name
		// (shared with the applications themselves): one scheduled run plus
		// one on-demand run at a time is enough.
		ReservedConcurrency: 2,
		Access: Access{
			Table:            TableReadWrite,
			PutEvents:        true,
			SlackBotToken:    true,
			AssumePlanRole:   true,
			SimulatePlanRole: true,
			ReadAlarms:       true,
			DescribeSecrets:  true,
			ReadPeerTables:   true,
		},
	},
	"approval": {
		Description: "The waitForTaskToken task of execute-plan: stores the token under an opaque id and posts the Slack approval request.",
		Access: Access{
			Table:         TableReadWrite,
			PutEvents:     true,
			SlackBotToken: true,
		},
	},
	"slack": {
		Description: "Slack interactivity endpoint: verifies signatures, authorizes approvers, completes task tokens.",
		Timeout:     10 * time.Second,
		// Guards the table and Slack's API from a flood on the public endpoint:
		// unsigned requests are rejected cheaply, but each still costs an
		// invocation. Legitimate traffic is a handful of clicks per incident.
		ReservedConcurrency: 10,
		Access: Access{
			Table:              TableReadWrite,
			PutEvents:          true,
			TaskResponses:      []string{executePlan, runStep},
			SlackSigningSecret: true,
			SlackBotToken:      true,
		},
	},
	"api": {
		Description: "HTTP API (IAM-authorized): start, watch and steer executions; list plans and readiness.",
		Access: Access{
			Table:           TableReadWrite,
			PutEvents:       true,
			StartExecutions: []string{executePlan},
			TaskResponses:   []string{executePlan, runStep},
			SlackBotToken:   true,
		},
	},
}

// FunctionSettingsFor returns the settings of the named function, with
// defaults applied, and whether the table has an entry for it.
func FunctionSettingsFor(name string) (FunctionSettings, bool) {
	s, ok := functionSettings[name]
	if !ok {
		return FunctionSettings{}, false
	}
	if s.MemoryMiB == 0 {
		s.MemoryMiB = DefaultMemoryMiB
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	return s, true
}

// FunctionNames lists every function the settings table knows, sorted.
func FunctionNames() []string { return sortedKeys(functionSettings) }

// Bus says which event bus a rule listens on.
type Bus int

// Buses.
const (
	// DefaultBus is the account's default bus, where AWS services (CloudWatch
	// alarms, RDS) publish.
	DefaultBus Bus = iota
	// SwitchyardBus is the Region's bus for Switchyard's own events.
	SwitchyardBus
)

// RuleTarget says where a rule in events/rules/ delivers.
type RuleTarget struct {
	// Functions are the target functions' names; a function that has not
	// landed in functions/ yet is left out of the targets. None: no target
	// in AWS (the rule is where consumers attach theirs).
	Functions []string
	// Bus is the bus the rule listens on.
	Bus Bus
}

// DefaultRuleTarget applies to every rule file not listed in ruleTargets: AWS
// service events on the default bus go to the trigger function (DESIGN.md,
// flow 1).
var DefaultRuleTarget = RuleTarget{Functions: []string{"trigger"}, Bus: DefaultBus}

// ruleTargets overrides DefaultRuleTarget per rule file (base name without
// .json). Rules on Switchyard's own events belong on SwitchyardBus.
var ruleTargets = map[string]RuleTarget{
	// Switchyard's own events (execution, step, readiness, trigger decision,
	// approval requested) stay on the Region's bus. Nothing in the control
	// plane consumes them yet; this rule is where notifiers and archives
	// attach.
	"switchyard-events": {Bus: SwitchyardBus},
	// Global-cluster switchover/failover events: the trigger detects a
	// failover nobody started; the step function completes aurora-global
	// steps waiting for the event (event-driven completion).
	"rds-global-cluster-events": {Functions: []string{"trigger", "step"}, Bus: DefaultBus},
	// Replication-lag alarms re-run readiness (lag above the RPO blocks an
	// automatic failover); the trigger also sees them through
	// cloudwatch-alarm-state-change.
	"replication-lag-alarm": {Functions: []string{"readiness"}, Bus: DefaultBus},
	// An execute-plan execution that ended FAILED, TIMED_OUT or ABORTED
	// without reaching its own cleanup: the executor releases the lock.
	"execution-status-change": {Functions: []string{"executor"}, Bus: DefaultBus},
}

// scheduleTargets maps each schedule in events/schedules/ (base name) to the
// functions it invokes (like RuleTarget.Functions; one not landed yet is
// left out). A schedule file without an entry fails LoadSources.
var scheduleTargets = map[string][]string{
	// The readiness schedule evaluates every plan, and drives the trigger's
	// RecheckAll: a condition held past its duration fires at the next tick
	// even when no new alarm event arrives (hold deadlines).
	readinessSchedule: {readinessFunction, triggerFunction},
}

// RuleTargetFor returns the target of the rule named name.
func RuleTargetFor(name string) RuleTarget {
	if t, ok := ruleTargets[name]; ok {
		return t
	}
	return DefaultRuleTarget
}

// readinessFunction is the scheduled readiness evaluator; apiFunction and
// slackFunction back the HTTP API and the Slack endpoint.
const (
	readinessSchedule = "readiness"
	readinessFunction = "readiness"
	triggerFunction   = "trigger"
	apiFunction       = "api"
	slackFunction     = "slack"
)
