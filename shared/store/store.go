package store

// Store is everything Switchyard persists in one Region. Implementations are
// safe for concurrent use by many goroutines and processes: every state
// change is a conditional write, so concurrent callers observe the outcomes
// documented on each method (exactly one lock holder, exactly one quorum
// completion, gap-free audit sequences, at most one trigger fire).
type Store interface {
	Plans
	Executions
	Steps
	Audit
	Approvals
	Locks
	Readiness
	Triggers
	Routing
}
