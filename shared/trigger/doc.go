// Package trigger is the trigger function: it maps CloudWatch alarm state
// changes (and Aurora global-database events) to the plans and triggers that
// name them, tracks since when each condition has held, and acts only when
// every condition of a trigger has held for its duration, the cooldown has
// ended and the target Region is ready. Every decision, including the
// decision not to act, is an audit record and a Trigger Decision event.
//
// Hold deadlines: a trigger whose conditions hold but not yet long enough is
// re-checked at the deadline. Locally (simulator, drill, dev serve) a Waker
// backed by the shared clock calls Recheck at that instant. In AWS a Lambda
// cannot keep a timer, so the trigger function also receives the readiness
// schedule's Scheduled Event (every 5 minutes by default) and re-checks every
// trigger then: a trigger fires at most one schedule period after its
// deadline. That is the documented trade-off; a one-time EventBridge
// Scheduler schedule per deadline would make it exact.
//
// Storms: repeated deliveries and flapping are absorbed by remembering, per
// alarm, the timestamp of the last state applied (older or equal events are
// duplicates), and by compare-and-set writes of the trigger state
// (store.Triggers), so concurrent deliveries cannot both fire. The
// execution's client token is derived from the plan, trigger, target and the
// instant the conditions started holding, so both Regions seeing the same
// alarms start the same (idempotent) execution.
package trigger
