// Package localstart starts the trigger function's executions on the local
// runtime (shared/runtime: the real execute-plan state machine and handlers
// on the local Step Functions engine) over a simulated world, one control
// plane per target Region, as Step Functions would in each Region. It is
// what `switchyard events send` and the trigger acceptance tests start
// with; the Lambda uses trigger.SFNStarter. It lives apart from package
// trigger so that the trigger Lambda does not link the local engine.
package localstart
