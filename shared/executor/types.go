package executor

import (
	"encoding/json"
	"time"
)

// Run is the summary of one execution that travels through execute-plan
// and into every run-step child. It stays small: the store holds the truth
// (plan version, mode, steps, audit).
type Run struct {
	// Execution is the execution's name, its id in the store and the lock
	// holder; ExecutionArn its Step Functions ARN.
	Execution    string `json:"execution"`
	ExecutionArn string `json:"executionArn"`
	// Plan and Version name the plan version being carried out.
	Plan    string `json:"plan"`
	Version string `json:"version"`
	// Workflow is the name of the workflow the execution runs (activate,
	// or deactivate for an active-active plan: see ResolveWorkflow); Target
	// is the Region it moves traffic into and runs in, Source the Region it
	// moves traffic away from.
	Workflow string `json:"workflow"`
	Target   string `json:"target"`
	Source   string `json:"source,omitempty"`
	// Epoch is the plan lock's fencing epoch this execution holds.
	Epoch int64 `json:"epoch"`
	// StartedAt is the execution's start time.
	StartedAt time.Time `json:"startedAt"`
}

// StageRef names a stage: its index in the workflow and its name.
type StageRef struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
}

// StepItem is one step as execute-plan's Map iterates over it.
type StepItem struct {
	Name  string `json:"name"`
	Block string `json:"block"`
	// ChildName is the run-step execution's name: unique per execution and
	// step, so a repeated start of the same child is recognised.
	ChildName string `json:"childName"`
}

// StageItem is one stage as execute-plan's outer Map iterates over it.
type StageItem struct {
	Stage StageRef   `json:"stage"`
	Steps []StepItem `json:"steps"`
}

// ApprovalGate is the execution-level approval: required when the plan has
// an approval policy and its workflow has no approval step of its own.
type ApprovalGate struct {
	Required       bool     `json:"required"`
	TimeoutSeconds int64    `json:"timeoutSeconds"`
	Quorum         int      `json:"quorum"`
	Approvers      []string `json:"approvers,omitempty"`
	Channel        string   `json:"channel,omitempty"`
	Message        string   `json:"message,omitempty"`
}

// Begun is what the begin action returns: execute-plan's state from then on.
type Begun struct {
	Run      Run          `json:"run"`
	Approval ApprovalGate `json:"approval"`
	Stages   []StageItem  `json:"stages"`
}

// StatesError is an Error/Cause pair as a Catch's ResultPath records it.
type StatesError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// Input is what execute-plan accepts (from the console, the API, a trigger
// or the CLI). Plan and Target are required: Target is the Region traffic
// moves into, where the execution runs. Workflow optionally names the
// workflow to run; without it ResolveWorkflow picks one (for an
// active-active plan, {"plan": "storefront", "target": "eu-west-1"} runs the
// deactivate workflow of the Region left, moving all traffic to eu-west-1).
type Input struct {
	Plan        string `json:"plan"`
	Target      string `json:"target"`
	Workflow    string `json:"workflow,omitempty"`
	Mode        string `json:"mode,omitempty"`
	Reason      string `json:"reason,omitempty"`
	StartedBy   string `json:"startedBy,omitempty"`
	ClientToken string `json:"clientToken,omitempty"`
}

// Request is one invocation of the executor or step function. Action selects
// the handler; the other fields are what that action's state passes.
type Request struct {
	Action string `json:"action"`
	// begin
	Input         json.RawMessage `json:"input,omitempty"`
	Execution     string          `json:"execution,omitempty"` // Step Functions execution ARN of the caller
	ExecutionName string          `json:"executionName,omitempty"`
	StartTime     string          `json:"startTime,omitempty"`
	// everything after begin
	Run     *Run         `json:"run,omitempty"`
	Stage   *StageRef    `json:"stage,omitempty"`
	Step    *StepItem    `json:"step,omitempty"`
	Attempt int          `json:"attempt,omitempty"`
	Error   *StatesError `json:"error,omitempty"`
	// poll and subscribe: the previous progress state
	State *StepState `json:"state,omitempty"`
	// decision: the operator's answer
	Decision *Decision `json:"decision,omitempty"`
	// Token is a subscribe's task token (never logged).
	Token string `json:"token,omitempty"`
	// An EventBridge event (execution status change, RDS event) arrives with
	// its envelope instead of an action.
	DetailType string          `json:"detail-type,omitempty"`
	Source     string          `json:"source,omitempty"`
	Resources  []string        `json:"resources,omitempty"`
	Account    string          `json:"account,omitempty"`
	Detail     json.RawMessage `json:"detail,omitempty"`
}

// StepState is the runner's record of an attempt in progress, handed back to
// every Poll through the state machine.
type StepState struct {
	// Mode is the execution's mode when the attempt started.
	Mode string `json:"mode"`
	// StartedAt is when the attempt started; Deadline when it times out.
	StartedAt time.Time `json:"startedAt"`
	Deadline  time.Time `json:"deadline"`
	// Polls counts the polls so far (for backoff).
	Polls int `json:"polls"`
	// EventKey is what a subscription waits on.
	EventKey string `json:"eventKey,omitempty"`
	// Block is the block's own state.
	Block json.RawMessage `json:"block,omitempty"`
	// Approval is set for an approval step: what to ask.
	Approval *ApprovalGate `json:"approval,omitempty"`
}

// StepProgress is what start and poll return to run-step.
type StepProgress struct {
	Done             bool      `json:"done"`
	WaitForEvent     bool      `json:"waitForEvent"`
	WaitForApproval  bool      `json:"waitForApproval"`
	PollAfterSeconds int64     `json:"pollAfterSeconds"`
	State            StepState `json:"state"`
	Message          string    `json:"message,omitempty"`
}

// Decision is an operator's answer at a failed step, as the decision task
// returns it.
type Decision struct {
	Action string `json:"action"`
	By     string `json:"by,omitempty"`
	Note   string `json:"note,omitempty"`
}

// The operator's choices at a failed step.
const (
	DecideRetry      = "retry"
	DecideSkip       = "skip"
	DecideUngraceful = "ungraceful"
	DecideAbort      = "abort"
)

// DecisionOptions are the answers an operator decision allows.
var DecisionOptions = []string{DecideRetry, DecideSkip, DecideUngraceful, DecideAbort}

// Next is what stepError and decision return: where run-step goes.
type Next struct {
	// Next is retry, ask, continue, skip, abort or fail.
	Next string `json:"next"`
	// Attempt is the attempt number to start if Next is retry.
	Attempt int `json:"attempt"`
	// WaitSeconds is the pause before that attempt.
	WaitSeconds int64 `json:"waitSeconds"`
	// Error and Approval are set when Next is ask: the failure as the
	// decision request shows it (the failed child's own error, its cause
	// on one line and trimmed to MaxShownCause) and whom to ask (the plan's
	// approvers and channel, with a message naming the step). run-step's
	// Ask operator state passes both to the approval function.
	Error    *StatesError  `json:"error,omitempty"`
	Approval *ApprovalGate `json:"approval,omitempty"`
}

// The routes of Next.
const (
	NextRetry    = "retry"
	NextAsk      = "ask"
	NextContinue = "continue"
	NextSkip     = "skip"
	NextAbort    = "abort"
	NextFail     = "fail"
)
