// Package approval records approval requests and operator decisions (the
// waitForTaskToken tasks of execute-plan and run-step) and answers them:
// Handle stores the task token under a short opaque id, audits the request
// and emits "Approval Requested" (never the token); Answer and Decide record
// votes and complete the token through the Step Functions API. Slack and the
// HTTP API build on these functions.
package approval
