// Package blocks implements Switchyard's execution blocks: the idempotent
// units a recovery plan's steps are made of (aurora-global, ecs-scale,
// arc-routing-control, stop-signal, …). The step function dispatches to them;
// the local runtime, the drill and the tests call exactly the same code.
package blocks
