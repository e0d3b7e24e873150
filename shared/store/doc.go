// Package store is Switchyard's persistence contract: plans and their
// versions, executions, steps, the append-only audit log, approvals, plan
// locks, readiness reports, trigger state and routing state, all kept in one
// Region (every Region has its own copy; nothing here reaches across Regions).
//
// Store composes small role interfaces so that each caller depends only on
// what it uses. Two implementations satisfy it: store/memory (drills, tests,
// the local engine) and store/dynamo (the Region's DynamoDB table, laid out by
// the constants in schema.go). store/storetest is the one contract suite both
// must pass.
//
// Error contract, common to every method:
//   - a missing (or expired) item is ErrNotFound, never a zero value with a
//     nil error; listings return an empty slice instead;
//   - a lost race or a refused state change is ErrConflict, or one of the
//     errors that match it with errors.Is (ErrStale, ErrLockLost,
//     *LockHeldError, *NotPendingError, *CoolingDownError);
//   - malformed input is ErrInvalid, with a message naming the field.
//
// Times are stored in UTC. An item whose expiry has passed is treated as
// absent even before DynamoDB's TTL sweeper deletes it.
package store
