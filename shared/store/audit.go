package store

import (
	"context"
	"encoding/json"
	"time"
)

// AuditRecord is one entry of an execution's append-only audit log.
type AuditRecord struct {
	// Execution is the execution the record belongs to.
	Execution string
	// Seq is the record's position, 1, 2, 3, … without gaps; assigned by the
	// store.
	Seq int64
	// Time is when it happened (set by the store when zero).
	Time time.Time
	// Actor is who did it (a user, "system", a function name).
	Actor string
	// Action is what happened, e.g. "step.started", "approval.voted".
	Action string
	// Detail is free-form JSON (optional).
	Detail json.RawMessage
	// Key makes an append idempotent (optional): a second append with the
	// same Key to the same execution returns the first record.
	Key string
}

// Audit is the append-only audit log of executions.
type Audit interface {
	// AppendAudit appends a record, assigning the next sequence number
	// atomically: concurrent appends get distinct, gap-free numbers, and no
	// record is ever overwritten. With a Key, appending again returns the
	// record stored under that Key instead of appending. Execution and Action
	// are required (ErrInvalid).
	AppendAudit(ctx context.Context, r AuditRecord) (AuditRecord, error)
	// ListAudit returns the records with Seq > afterSeq in order, at most
	// limit of them (0: all).
	ListAudit(ctx context.Context, execution string, afterSeq int64, limit int) ([]AuditRecord, error)
}
