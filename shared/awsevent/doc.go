// Package awsevent holds the Go types of the EventBridge events Switchyard
// consumes and emits: CloudWatch alarm state changes, RDS global-cluster
// events, scheduled events, and Switchyard's own events. A Registry parses a
// raw event into its typed form by source and detail-type, the way
// karpenter's interruption parsers do.
//
// Every sample in events/samples decodes into its type and encodes back to
// the same JSON; the tests hold the types to that.
package awsevent
