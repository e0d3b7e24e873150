package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"
)

// ApprovalKind tells an approval (quorum of approvers) from an operator
// decision (one answer among options).
type ApprovalKind string

// The approval kinds.
const (
	KindApproval ApprovalKind = "approval"
	KindDecision ApprovalKind = "decision"
)

// ApprovalStatus is where an approval stands.
type ApprovalStatus string

// The approval statuses; all but pending are final.
const (
	ApprovalPending  ApprovalStatus = "pending"
	ApprovalApproved ApprovalStatus = "approved"
	ApprovalRejected ApprovalStatus = "rejected"
	ApprovalExpired  ApprovalStatus = "expired"
	ApprovalAnswered ApprovalStatus = "answered"
)

// ApprovalRetention is how long an approval stays readable after ExpiresAt
// (as status expired if it was never decided); after that it is gone
// (ErrNotFound) and DynamoDB's TTL deletes it.
const ApprovalRetention = 7 * 24 * time.Hour

// Approval is a pending request for approval or for an operator decision,
// holding the Step Functions task token that answers it.
type Approval struct {
	// ID is a short opaque URL-safe id (≥128 random bits) that Slack
	// payloads and URLs carry instead of the token. Set by CreateApproval
	// when empty.
	ID string
	// Kind is approval or decision.
	Kind ApprovalKind
	// Execution, Plan and Step say what is being approved.
	Execution string
	Plan      string
	Step      string
	// TaskToken is the waitForTaskToken token. Secret: never log it.
	TaskToken string
	// Quorum is how many distinct approvers are needed (approvals; ≥ 1).
	Quorum int
	// Options are the allowed answers of a decision (empty: any answer).
	Options []string
	// Approvers are the distinct users who approved, in voting order.
	Approvers []string
	// Status is pending until decided or expired.
	Status ApprovalStatus
	// Answer is a decision's chosen option; DecidedBy the user whose vote
	// completed (or rejected) it; Note their comment.
	Answer    string
	DecidedBy string
	Note      string
	// Error is what an operator decision is about: the failed step's error
	// ("Name: cause", trimmed), shown in Slack, the API and the CLI. Empty
	// for approvals.
	Error string
	// CreatedAt is set by the store; ExpiresAt is the voting deadline
	// (required); DecidedAt is when it left pending.
	CreatedAt time.Time
	ExpiresAt time.Time
	DecidedAt time.Time
	// Message is the Slack message showing it, once posted.
	Message SlackRef
}

// SlackRef locates a Slack message.
type SlackRef struct {
	// Channel is the channel id.
	Channel string
	// TS is the message timestamp, Slack's message id within the channel.
	TS string
}

// Vote is one user's answer to an approval.
type Vote struct {
	// User is the voter's id (authorization is the caller's job).
	User string
	// Approve approves (true) or rejects (false) an approval; ignored for a
	// decision.
	Approve bool
	// Answer is a decision's chosen option.
	Answer string
	// Note is the voter's comment (optional).
	Note string
}

// VoteResult is what a vote did.
type VoteResult struct {
	// Approval is the approval after the vote.
	Approval Approval
	// Counted is false when the user had already voted (idempotent repeat).
	Counted bool
	// Completed is true for exactly one call per approval: the one whose vote
	// moved it out of pending (quorum reached, rejected or answered).
	Completed bool
}

// Approvals stores approvals and operator decisions.
type Approvals interface {
	// CreateApproval stores a pending approval and returns it with its ID.
	// It is idempotent by TaskToken: a token already stored returns the
	// stored approval with created false. Kind, Execution, TaskToken and
	// ExpiresAt are required, Quorum ≥ 1 for an approval (ErrInvalid).
	CreateApproval(ctx context.Context, a Approval) (stored Approval, created bool, err error)
	// GetApproval returns an approval, or ErrNotFound. A pending approval
	// past ExpiresAt reads as expired.
	GetApproval(ctx context.Context, id string) (Approval, error)
	// ListApprovals returns an execution's approvals, oldest first.
	ListApprovals(ctx context.Context, execution string) ([]Approval, error)
	// SetApprovalMessage records the Slack message showing the approval.
	SetApprovalMessage(ctx context.Context, id string, ref SlackRef) (Approval, error)
	// VoteApproval records a vote. It is idempotent per user: a user who
	// already voted gets Counted false and no change, whatever the status.
	// A new vote requires status pending (else *NotPendingError). An approval
	// completes when Quorum distinct users approved, is rejected by one
	// rejection, and a decision is answered by the first answer (ErrInvalid
	// if not among Options).
	VoteApproval(ctx context.Context, id string, v Vote) (VoteResult, error)
	// ExpireApproval closes a pending approval as expired (say, the execution
	// ended). It reports whether this call changed it; a decided approval is
	// returned unchanged.
	ExpireApproval(ctx context.Context, id string) (a Approval, changed bool, err error)
}

// NewApprovalID returns a fresh approval id: 128 random bits, base64url
// without padding (22 characters).
func NewApprovalID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return base64.RawURLEncoding.EncodeToString(b[:])
}
