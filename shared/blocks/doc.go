// Package blocks implements Switchyard's execution blocks: the idempotent
// units a recovery plan's steps are made of (aurora-global, ecs-scale,
// arc-routing-control, stop-signal, …). The step function dispatches to them;
// the local runtime, the drill and the tests call exactly the same code.
//
// NewRegistry builds every block over one awsapi.Clients (keyed by Region)
// and the shared clock; the runner looks a block up by step.Block. Every
// block is also a Checker (readiness).
//
// Contract, for every block:
//   - Start observes, compares and acts only on the difference; a Start that
//     finds the goal reached returns Done; a Start repeated while the
//     block's own operation runs reports it in progress without acting
//     again. Poll only observes (and re-asserts a goal someone undid).
//   - No block sleeps: not Done means "look again after PollAfter" (or, with
//     WaitForEvent, when the event named by EventKey arrives).
//   - Done is verified by observation, never assumed from having acted.
//   - Regions are explicit (req.Target, req.Source); in ungraceful mode no
//     block calls the source Region.
//   - Errors are errclass values: Retryable (throttling, 5xx, unreachable
//     endpoints), Terminal (will not get better by retrying; the message
//     says why), Conflict (the resource's state forbids the action now, e.g.
//     a global failover requested by someone else, or an ungraceful failover
//     whose data loss exceeds maxDataLoss: an operator must decide),
//     InvalidInput (the request or configuration is wrong).
//
// The approval and plan steps are not blocks: Registry.Block reports false
// for them and the runner implements them (waitForTaskToken, a nested
// execution).
package blocks
