// Package executor holds the handlers behind the execute-plan and run-step
// state machines: Executor (begin, preflight, postcheck, finish, fail,
// stepError, decision, and cleanup of executions that ended without reaching
// finish or fail) and StepRunner (start, poll, subscribe, and OnAWSEvent,
// which answers subscriptions when an RDS global-cluster event arrives).
//
// An execution runs one workflow of its plan from its target Region, the
// Region traffic moves into: ResolveWorkflow states which (for an
// active-active plan, "move all traffic to target" runs the deactivate
// workflow of the Region left; an input "workflow" names one explicitly).
// StepError states which errors use a step's retry policy; a step failed
// under onFailure: continue is reported as failed-continued
// (FailedContinued), never failing the post-checks.
//
// The store holds the truth; the state machines carry only a small Run
// summary. Every action is idempotent per (execution, step, attempt): step
// transitions are written once per (attempt, seq), audit records carry keys,
// and the plan lock's fencing epoch is checked before every block call.
package executor
