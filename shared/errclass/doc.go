// Package errclass holds Switchyard's error classes: the error types whose Go
// type names Step Functions sees as errorType and matches in Retry and Catch.
//
// aws-lambda-go names a handler's error after the outermost error's Go type
// (pointer stripped), so a fmt.Errorf wrap would arrive as "wrapError" and
// match nothing. Handlers therefore build errors from these classes and pass
// them through Boundary before returning them to the Lambda runtime. Every
// name used in an ErrorEquals list under statemachines/ must be one of Names()
// or a States.* error; a test enforces it.
package errclass
