package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// Factory returns a new, empty store that reads the time from clk. It is
// called once per contract test; cleanup goes through t.Cleanup.
type Factory func(t *testing.T, clk clock.Clock) store.Store

// Start is the time every contract test's clock starts at.
var Start = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// Contention is how many goroutines the race tests run at once.
const Contention = 12

// env is what each contract test gets.
type env struct {
	s   store.Store
	clk *Clock
}

// Run runs the whole contract suite against the stores newStore builds.
func Run(t *testing.T, newStore Factory) {
	tests := []struct {
		name string
		run  func(*testing.T, env)
	}{
		{"Plans", testPlans},
		{"PlanInvalid", testPlanInvalid},
		{"Executions", testExecutions},
		{"ExecutionClientToken", testExecutionClientToken},
		{"ExecutionConcurrentToken", testExecutionConcurrentToken},
		{"ExecutionList", testExecutionList},
		{"ExecutionInvalid", testExecutionInvalid},
		{"Steps", testSteps},
		{"StepOrdering", testStepOrdering},
		{"Audit", testAudit},
		{"AuditKey", testAuditKey},
		{"AuditConcurrent", testAuditConcurrent},
		{"AuditConcurrentKey", testAuditConcurrentKey},
		{"ApprovalCreate", testApprovalCreate},
		{"ApprovalVotes", testApprovalVotes},
		{"ApprovalDecision", testApprovalDecision},
		{"ApprovalConcurrentVotes", testApprovalConcurrentVotes},
		{"ApprovalExpiry", testApprovalExpiry},
		{"Locks", testLocks},
		{"LockExpiry", testLockExpiry},
		{"LockContention", testLockContention},
		{"Readiness", testReadiness},
		{"Triggers", testTriggers},
		{"TriggerConcurrentFire", testTriggerConcurrentFire},
		{"Routing", testRouting},
		{"NotFound", testNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := NewClock(Start)
			tc.run(t, env{s: newStore(t, clk), clk: clk})
		})
	}
}

// must returns v, failing the test if err is not nil: must(f())(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		noErr(t, err)
		return v
	}
}

// noErr fails the test if err is not nil.
func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantErr fails the test unless errors.Is(err, target).
func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want one matching %v", err, target)
	}
}

// fingerprint is a plan version for doc.
func fingerprint(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// race runs f(i) for i in [0, n) at once and waits for all.
func race(n int, f func(i int)) {
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			f(i)
		}()
	}
	start.Done()
	done.Wait()
}
