package executor

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/errclass"
)

// PutEventsAPI is the EventBridge call the publisher makes.
type PutEventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

var _ PutEventsAPI = (*eventbridge.Client)(nil)

// EventBridge publishes events to an event bus with PutEvents.
type EventBridge struct {
	API PutEventsAPI
	Bus string
}

var _ Publisher = EventBridge{}

// Publish sends one event (a full envelope, as the local bus takes it).
func (e EventBridge) Publish(ctx context.Context, event []byte) error {
	raw, err := awsevent.DecodeEnvelope(event)
	if err != nil {
		return fmt.Errorf("publishing: %w", err)
	}
	detail := string(raw.Detail)
	out, err := e.API.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: &e.Bus, Source: &raw.Source, DetailType: &raw.DetailType, Detail: &detail,
		Resources: raw.Resources, Time: &raw.Time,
	}}})
	if err != nil {
		return errclass.Classify("putting "+raw.DetailType+" on "+e.Bus, err)
	}
	if out.FailedEntryCount > 0 && len(out.Entries) > 0 && out.Entries[0].ErrorCode != nil {
		return &errclass.Retryable{Op: fmt.Sprintf("putting %s on %s: %s", raw.DetailType, e.Bus, *out.Entries[0].ErrorCode)}
	}
	return nil
}
