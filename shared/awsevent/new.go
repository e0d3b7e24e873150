package awsevent

import (
	"crypto/rand"
	"fmt"
	"time"
)

// Detail is implemented by the detail types of Switchyard's own events.
type Detail interface {
	// DetailType is the event's detail-type.
	DetailType() string
}

// DetailType implements Detail.
func (ExecutionStatusChangeDetail) DetailType() string { return DetailTypeExecutionStatusChange }

// DetailType implements Detail.
func (StepStatusChangeDetail) DetailType() string { return DetailTypeStepStatusChange }

// DetailType implements Detail.
func (ReadinessChangedDetail) DetailType() string { return DetailTypeReadinessChanged }

// DetailType implements Detail.
func (TriggerDecisionDetail) DetailType() string { return DetailTypeTriggerDecision }

// DetailType implements Detail.
func (ApprovalRequestedDetail) DetailType() string { return DetailTypeApprovalRequested }

// NewSwitchyardEvent wraps detail in the envelope EventBridge would deliver
// it in: version "0", a fresh id, source "switchyard", the time truncated to
// the second. resources may be nil (encoded as []).
func NewSwitchyardEvent[D Detail](account, region string, at time.Time, resources []string, detail D) Event[D] {
	if resources == nil {
		resources = []string{}
	}
	return Event[D]{
		Header: Header{
			Version:    "0",
			ID:         NewID(),
			DetailType: detail.DetailType(),
			Source:     SourceSwitchyard,
			Account:    account,
			Time:       at.UTC().Truncate(time.Second),
			Region:     region,
			Resources:  resources,
		},
		Detail: detail,
	}
}

// NewID returns a random (version 4) UUID, the form of EventBridge event ids.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
