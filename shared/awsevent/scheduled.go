package awsevent

// Scheduled event constants.
const (
	// SourceEvents is the source of events EventBridge itself emits.
	SourceEvents = "aws.events"
	// DetailTypeScheduledEvent is the detail-type a schedule rule sends to
	// its targets.
	DetailTypeScheduledEvent = "Scheduled Event"
)

// ScheduledEvent is what an EventBridge schedule rule delivers to its
// targets: resources holds the rule's ARN, detail is empty.
type ScheduledEvent = Event[ScheduledEventDetail]

// ScheduledEventDetail is the (always empty) detail of a scheduled event.
type ScheduledEventDetail struct{}
