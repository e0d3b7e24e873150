package drill

import (
	"encoding/json"
	"time"
)

// Result is the outcome of one drill: what `switchyard drill --json` prints
// and report.json holds. Times are AWS (simulated) times; durations are in
// seconds so the JSON reads without a unit convention.
type Result struct {
	// Status is the execute-plan execution's final status (SUCCEEDED,
	// FAILED, TIMED_OUT, ABORTED); for a dependency group, SUCCEEDED only if
	// every plan succeeded.
	Status string `json:"status"`
	// ExecutionID is the execute-plan execution ID (for a group: the last
	// plan run; every run is in Plans).
	ExecutionID string `json:"executionId"`
	// ExecutionArn is its Step Functions ARN on the local engine.
	ExecutionArn string `json:"executionArn"`
	// Plan is the plan drilled (for a group: the last one).
	Plan string `json:"plan"`
	// Workflow is the workflow the execution ran (for an active-active
	// plan, the deactivate workflow of the Region left: see
	// executor.ResolveWorkflow).
	Workflow string `json:"workflow"`
	// Target is the Region failed over to; Source the Region left.
	Target string `json:"target"`
	Source string `json:"source,omitempty"`
	// Mode is the mode the drill started in; FinalMode the mode it ended in
	// (an operator decision may switch graceful to ungraceful).
	Mode      string `json:"mode"`
	FinalMode string `json:"finalMode"`
	// StartedBy says how the execution started: "trigger <name>" when the
	// plan has a trigger towards the target (the alarm raised and held), or
	// "drill" when it started directly.
	StartedBy string `json:"startedBy"`
	// TriggerPath says how the trigger was exercised (see Run).
	TriggerPath string `json:"triggerPath,omitempty"`
	// AlarmAt is when the trigger alarm was raised (or the execution was
	// started, without a trigger): the origin of the RTO. StartedAt and
	// EndedAt bound the execution; ServedAt is when the target started
	// serving traffic, as the simulator records it.
	AlarmAt   time.Time `json:"alarmAt"`
	StartedAt time.Time `json:"startedAt"`
	EndedAt   time.Time `json:"endedAt"`
	ServedAt  time.Time `json:"servedAt,omitzero"`
	// RTOSeconds is AlarmAt → ServedAt, where ServedAt is when the target
	// served the application as the simulator records it: clients sent
	// there (all of them for an active-passive plan or an active-active
	// plan's deactivate workflow, after the DNS TTL), its
	// application healthy and, when the plan moves an Aurora global
	// database, the end of the switchover or failover into it (it can
	// write). 0 when the target never served (see Served).
	// RTOObjectiveSeconds is the plan's objective.
	RTOSeconds          float64 `json:"rtoSeconds"`
	RTOObjectiveSeconds float64 `json:"rtoObjectiveSeconds"`
	RTOMet              bool    `json:"rtoMet"`
	// Served reports whether the target served traffic at the end.
	Served bool `json:"served"`
	// RPOSeconds is the data loss the simulator recorded for this run's
	// failovers (0 for a switchover); RPOObjectiveSeconds the plan's.
	RPOSeconds          float64 `json:"rpoSeconds"`
	RPOObjectiveSeconds float64 `json:"rpoObjectiveSeconds"`
	RPOMet              bool    `json:"rpoMet"`
	// CriticalPathSeconds is the lower bound of RTOSeconds for this plan on
	// this world (see CriticalPath), and CriticalPath its parts.
	CriticalPathSeconds float64       `json:"criticalPathSeconds"`
	CriticalPath        []PathSegment `json:"criticalPath"`
	// Overhead is RTOSeconds / CriticalPathSeconds: what orchestration
	// added (1.0 is none). 0 when either is 0.
	Overhead float64 `json:"overhead"`
	// HistoryEvents and StateTransitions are the execute-plan execution's
	// Step Functions counters (parent only); ChildHistoryEventsMax is the
	// largest run-step child's history.
	HistoryEvents         int `json:"historyEvents"`
	StateTransitions      int `json:"stateTransitions"`
	ChildHistoryEventsMax int `json:"childHistoryEventsMax,omitempty"`
	// Steps is every step of the workflow in plan order.
	Steps []StepResult `json:"steps"`
	// FailedContinued names the steps that failed (or timed out) under
	// onFailure: continue in a run that succeeded without them.
	FailedContinued []string `json:"failedContinued,omitempty"`
	// Approvals are the approvals and operator decisions asked and how they
	// were answered.
	Approvals []ApprovalResult `json:"approvals"`
	// Faults are the faults injected into the world.
	Faults []string `json:"faults"`
	// Invariants are the checks made on the world after the run.
	Invariants Invariants `json:"invariants"`
	// Error and Cause describe a failed execution.
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
	// WallSeconds is how long the drill took on the wall clock.
	WallSeconds float64 `json:"wallSeconds"`
	// Plans holds one result per plan for a dependency group (in the order
	// they ran); empty for a single plan.
	Plans []*Result `json:"plans,omitempty"`
}

// StepResult is one step of the run.
type StepResult struct {
	Name  string `json:"name"`
	Block string `json:"block"`
	Stage string `json:"stage"`
	// StageIndex is the stage's position in the workflow (0-based).
	StageIndex int    `json:"stageIndex"`
	Status     string `json:"status"`
	// StartedAt and EndedAt bound the step from its first attempt's start
	// to its end (zero when it never ran or has not ended).
	StartedAt time.Time `json:"startedAt,omitzero"`
	EndedAt   time.Time `json:"endedAt,omitzero"`
	Attempts  int       `json:"attempts"`
	Error     string    `json:"error,omitempty"`
	// Continued marks a step that failed (Status FAILED or TIMED_OUT) and
	// that the run went on without (onFailure: continue): failed-continued.
	Continued bool `json:"continued,omitempty"`
	// Output is the block's recorded output (desired counts, writer Region,
	// rpoSeconds, …).
	Output json.RawMessage `json:"output,omitempty"`
}

// ApprovalResult is one approval or operator decision.
type ApprovalResult struct {
	Kind      string    `json:"kind"`
	Step      string    `json:"step,omitempty"`
	Status    string    `json:"status"`
	Answer    string    `json:"answer,omitempty"`
	DecidedBy string    `json:"decidedBy,omitempty"`
	Approvers []string  `json:"approvers,omitempty"`
	AskedAt   time.Time `json:"askedAt"`
	DecidedAt time.Time `json:"decidedAt,omitzero"`
	// WaitSeconds is AskedAt → DecidedAt.
	WaitSeconds float64 `json:"waitSeconds"`
}

// Invariants are the safety properties checked after every run.
type Invariants struct {
	// Writers are the Regions that take writes, exactly one expected:
	// WritersFrom "aurora-global" when the plan moves an Aurora global
	// database (the Regions whose writer accepts writes); "traffic" for the
	// deactivate workflow of an active-active plan without one, whose data
	// is in multi-Region tables (DynamoDB global tables) written wherever
	// traffic goes: one writer means all traffic, hence all writes, in the
	// target. Empty WritersFrom: no writer to check.
	Writers     []string `json:"writers"`
	WritersFrom string   `json:"writersFrom,omitempty"`
	// Traffic is where clients are sent.
	Traffic []string `json:"traffic"`
	// LockReleased: the plan lock is free.
	LockReleased bool `json:"lockReleased"`
	// AuditComplete: every step transition recorded in the store has its
	// audit record (see CheckAudit).
	AuditComplete bool `json:"auditComplete"`
	// Problems lists every violated invariant in words; empty when all hold.
	Problems []string `json:"problems"`
}

// seconds converts a duration to float seconds rounded to milliseconds.
func seconds(d time.Duration) float64 {
	return float64(d.Round(time.Millisecond)) / float64(time.Second)
}
