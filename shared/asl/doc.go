// Package asl is Switchyard's local AWS Step Functions engine. It parses and
// validates Amazon States Language definitions (JSONPath query language),
// executes them with Step Functions semantics — input/output processing,
// Retry/Catch, Parallel and inline Map, Wait on an injectable clock, Lambda
// tasks dispatched in process through aws-lambda-go's own handler, task tokens,
// nested state machines — and exposes the executions through methods shaped
// like the aws-sdk-go-v2 sfn client (StartExecution, DescribeExecution,
// GetExecutionHistory, SendTaskSuccess, …), so the drill, the tests and the
// local server drive real definitions exactly as they would drive AWS.
//
// Run it on a clock.Virtual and minutes of Wait states, retries and timeouts
// pass in milliseconds. Callers outside the clock (tests, the local server)
// hold the clock around what they do at "the current instant" (see
// clock.Virtual.Hold); to answer task tokens they use WithTokenWatch, which
// delivers each token with the clock held until the answer has been sent.
//
// Semantics chosen where the documents leave room: path lookups that select
// nothing (InputPath, Parameters "x.$", OutputPath, ItemsPath, Choice
// Variable) fail with States.Runtime, which neither Retry nor Catch handle, as in AWS;
// intrinsic-function failures raise the catchable States.IntrinsicFailure of
// the specification; a failed Parallel branch or Map iteration fails the
// state with the branch's own error; one state transition is counted per
// state entered plus one per retry.
package asl
