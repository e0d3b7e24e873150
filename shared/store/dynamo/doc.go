// Package dynamo is the store.Store on the Region's DynamoDB table, using the
// single-table layout of store/schema.go.
//
// Every state change is a conditional write of one item: a compare-and-set
// on the item's version attribute "v", or attribute_not_exists for items that
// are written once (audit records, idempotency claims, plan versions). Where
// an operation touches two items (a client token and its execution, a task
// token and its approval, a plan version and the plan's latest pointer), the
// first write is the claim or the immutable part and the second is derived
// from it, so a caller that dies in between leaves a state the next caller
// completes (roll-forward) instead of needing TransactWriteItems, which the
// local test server (dynalite) does not implement.
//
// Item layout (pk / sk):
//
//	PLAN#<name>       VERSION#<version>   a plan version (immutable)
//	PLAN#<name>       LATEST              the latest version (gsi1: PLANS / <name>)
//	PLAN#<name>       READINESS#<region>  the latest readiness report
//	PLAN#<name>       TRIGGER#<trigger>   trigger state
//	PLAN#<name>       ROUTING             routing state
//	LOCK#<plan>       LOCK                the plan lock (never expires: it keeps the epoch)
//	EXEC#<id>         EXEC                an execution (gsi1: EXECS#<status> / <plan>#<startedAt>#<id>)
//	EXEC#<id>         STEP#<name>         a step
//	EXEC#<id>         AUDIT#<seq>         an audit record (seq zero-padded to 20 digits)
//	EXEC#<id>         AUDITKEY#<key>      an audit idempotency claim
//	TOKEN#<token>     TOKEN               a client-token claim → execution
//	APPROVAL#<id>     APPROVAL            an approval (gsi1: APPROVALS#<execution> / <createdAt>#<id>; ttl)
//	TASKTOKEN#<hash>  TASKTOKEN           a task-token claim → approval (ttl)
//
// Entity fields live under the map attribute "data"; "v" is the item's
// version and "type" names the entity for people reading the table.
// Reads of single items are strongly consistent; listings through gsi1 are
// eventually consistent, as DynamoDB GSIs are.
package dynamo
