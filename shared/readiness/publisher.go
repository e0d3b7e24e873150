package readiness

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// EventBridgeAPI is the part of EventBridge the publisher calls.
type EventBridgeAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

var _ EventBridgeAPI = (*eventbridge.Client)(nil)

// EventBridgePublisher publishes Switchyard's own events (complete
// envelopes, as awsevent.NewSwitchyardEvent builds them) to a bus with
// PutEvents: source, detail-type, resources and detail are kept; EventBridge
// assigns the id and time.
type EventBridgePublisher struct {
	Client EventBridgeAPI
	Bus    string
}

var _ Publisher = EventBridgePublisher{}

// Publish implements Publisher.
func (p EventBridgePublisher) Publish(ctx context.Context, event []byte) error {
	var env struct {
		Source     string          `json:"source"`
		DetailType string          `json:"detail-type"`
		Resources  []string        `json:"resources"`
		Detail     json.RawMessage `json:"detail"`
	}
	if err := json.Unmarshal(event, &env); err != nil {
		return fmt.Errorf("publishing an event: not an event envelope: %w", err)
	}
	out, err := p.Client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String(p.Bus), Source: aws.String(env.Source), DetailType: aws.String(env.DetailType),
		Resources: env.Resources, Detail: aws.String(string(env.Detail))}}})
	if err != nil {
		return fmt.Errorf("publishing %s to %s: %w", env.DetailType, p.Bus, err)
	}
	if out.FailedEntryCount > 0 && len(out.Entries) > 0 {
		e := out.Entries[0]
		return fmt.Errorf("publishing %s to %s: %s: %s", env.DetailType, p.Bus, aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage))
	}
	return nil
}
