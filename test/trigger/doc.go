// Package trigger holds the end-to-end acceptance tests of the trigger path:
// the sample events of events/samples drive the trigger function over a
// simulated two-Region AWS built from the example plans, with readiness
// evaluated on that world.
package trigger
