package awsevent

import "time"

// SourceSwitchyard is the source of Switchyard's own events. Their JSON
// Schemas are in events/schemas/.
const SourceSwitchyard = "switchyard"

// Detail-types of Switchyard's own events.
const (
	DetailTypeExecutionStatusChange = "Execution Status Change"
	DetailTypeStepStatusChange      = "Step Status Change"
	DetailTypeReadinessChanged      = "Readiness Changed"
	DetailTypeTriggerDecision       = "Trigger Decision"
	DetailTypeApprovalRequested     = "Approval Requested"
)

// Execution statuses (ExecutionStatusChangeDetail.Status).
const (
	ExecutionPending            = "PENDING"
	ExecutionRunning            = "RUNNING"
	ExecutionWaitingForApproval = "WAITING_FOR_APPROVAL"
	ExecutionWaitingForDecision = "WAITING_FOR_DECISION"
	ExecutionSucceeded          = "SUCCEEDED"
	ExecutionFailed             = "FAILED"
	ExecutionAborted            = "ABORTED"
	ExecutionTimedOut           = "TIMED_OUT"
)

// Step statuses (StepStatusChangeDetail.Status).
const (
	StepPending            = "PENDING"
	StepRunning            = "RUNNING"
	StepWaiting            = "WAITING"
	StepRetrying           = "RETRYING"
	StepWaitingForDecision = "WAITING_FOR_DECISION"
	StepSucceeded          = "SUCCEEDED"
	StepFailed             = "FAILED"
	StepSkipped            = "SKIPPED"
)

// Trigger decisions (TriggerDecisionDetail.Decision). Every decision is
// emitted, including the ones that do nothing.
const (
	DecisionStarted   = "started"   // an execution was started (failover or failover-with-approval)
	DecisionNotified  = "notified"  // the readiness and suggested action were posted
	DecisionEvaluated = "evaluated" // readiness was run now
	DecisionHeld      = "held"      // conditions have not held for their duration yet
	DecisionCooldown  = "cooldown"  // the trigger fired recently
	DecisionDuplicate = "duplicate" // the same event or state was already handled
	DecisionNotReady  = "not-ready" // the target is not ready; nothing started
	DecisionBlocked   = "blocked"   // a guard (e.g. replication lag above RPO) blocks the action
	DecisionIgnored   = "ignored"   // the event concerns no trigger's condition
)

// ExecutionStatusChange is a Switchyard "Execution Status Change" event.
type ExecutionStatusChange = Event[ExecutionStatusChangeDetail]

// ExecutionStatusChangeDetail reports an execution's new status.
type ExecutionStatusChangeDetail struct {
	Plan           string    `json:"plan"`
	PlanVersion    string    `json:"planVersion"`
	ExecutionID    string    `json:"executionId"`
	SourceRegion   string    `json:"sourceRegion,omitempty"`
	TargetRegion   string    `json:"targetRegion"`
	Mode           string    `json:"mode"`
	Status         string    `json:"status"`
	PreviousStatus string    `json:"previousStatus,omitempty"`
	StartedBy      string    `json:"startedBy,omitempty"`
	StartedAt      time.Time `json:"startedAt"`
	Reason         string    `json:"reason,omitempty"`
	// RTOSeconds and RPOSeconds are set on terminal statuses.
	RTOSeconds *float64 `json:"rtoSeconds,omitempty"`
	RPOSeconds *float64 `json:"rpoSeconds,omitempty"`
}

// StepStatusChange is a Switchyard "Step Status Change" event.
type StepStatusChange = Event[StepStatusChangeDetail]

// StepStatusChangeDetail reports a step's new status.
type StepStatusChangeDetail struct {
	Plan           string     `json:"plan"`
	ExecutionID    string     `json:"executionId"`
	Stage          int        `json:"stage"`
	StageName      string     `json:"stageName,omitempty"`
	Step           string     `json:"step"`
	Block          string     `json:"block"`
	Region         string     `json:"region"`
	Status         string     `json:"status"`
	PreviousStatus string     `json:"previousStatus,omitempty"`
	Attempt        int        `json:"attempt"`
	Message        string     `json:"message,omitempty"`
	Error          *StepError `json:"error,omitempty"`
}

// StepError is the error class and message of a failed step.
type StepError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// ReadinessChanged is a Switchyard "Readiness Changed" event.
type ReadinessChanged = Event[ReadinessChangedDetail]

// ReadinessChangedDetail reports that a plan's readiness changed.
type ReadinessChangedDetail struct {
	Plan          string    `json:"plan"`
	PlanVersion   string    `json:"planVersion"`
	Region        string    `json:"region"`
	TargetRegion  string    `json:"targetRegion"`
	Ready         bool      `json:"ready"`
	PreviousReady *bool     `json:"previousReady,omitempty"`
	ReportID      string    `json:"reportId"`
	EvaluatedAt   time.Time `json:"evaluatedAt"`
	Counts        Counts    `json:"counts"`
	// Findings are the most severe findings first, at most 50; the full
	// report is in the store under ReportID.
	Findings []Finding `json:"findings,omitempty"`
}

// Counts counts findings by severity.
type Counts struct {
	Critical int `json:"critical"`
	Warning  int `json:"warning"`
	Info     int `json:"info"`
}

// Finding is one readiness finding.
type Finding struct {
	Severity string `json:"severity"`
	Check    string `json:"check"`
	Resource string `json:"resource,omitempty"`
	Message  string `json:"message"`
}

// TriggerDecision is a Switchyard "Trigger Decision" event.
type TriggerDecision = Event[TriggerDecisionDetail]

// TriggerDecisionDetail records what the trigger function decided and why.
type TriggerDecisionDetail struct {
	Plan         string      `json:"plan"`
	Trigger      string      `json:"trigger"`
	Action       string      `json:"action"`
	Decision     string      `json:"decision"`
	Reason       string      `json:"reason"`
	TargetRegion string      `json:"targetRegion"`
	SourceEvent  *EventRef   `json:"sourceEvent,omitempty"`
	Conditions   []Condition `json:"conditions,omitempty"`
	ExecutionID  string      `json:"executionId,omitempty"`
	DecidedAt    time.Time   `json:"decidedAt"`
}

// EventRef identifies the event a decision was made on.
type EventRef struct {
	ID         string `json:"id"`
	Source     string `json:"source"`
	DetailType string `json:"detailType"`
	Region     string `json:"region,omitempty"`
}

// Condition is the state of one trigger condition at decision time.
type Condition struct {
	Alarm           string     `json:"alarm"`
	Region          string     `json:"region,omitempty"`
	Want            string     `json:"want"`
	State           string     `json:"state"`
	Since           *time.Time `json:"since,omitempty"`
	HeldSeconds     *float64   `json:"heldSeconds,omitempty"`
	RequiredSeconds *float64   `json:"requiredSeconds,omitempty"`
	Held            bool       `json:"held"`
}

// ApprovalRequested is a Switchyard "Approval Requested" event.
type ApprovalRequested = Event[ApprovalRequestedDetail]

// ApprovalRequestedDetail announces that an execution waits for approval.
// It never carries the task token: ApprovalID is a short opaque id.
type ApprovalRequestedDetail struct {
	Plan              string            `json:"plan"`
	ExecutionID       string            `json:"executionId"`
	ApprovalID        string            `json:"approvalId"`
	TargetRegion      string            `json:"targetRegion"`
	Mode              string            `json:"mode"`
	RequestedAt       time.Time         `json:"requestedAt"`
	ExpiresAt         time.Time         `json:"expiresAt"`
	Quorum            int               `json:"quorum"`
	Approvers         []string          `json:"approvers"`
	Channel           string            `json:"channel,omitempty"`
	Readiness         *ReadinessSummary `json:"readiness,omitempty"`
	RPOAtStakeSeconds *float64          `json:"rpoAtStakeSeconds,omitempty"`
	Reason            string            `json:"reason,omitempty"`
}

// ReadinessSummary is the readiness shown with an approval request.
type ReadinessSummary struct {
	Ready   bool   `json:"ready"`
	Summary string `json:"summary"`
}
