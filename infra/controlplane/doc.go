// Package controlplane builds Switchyard's control plane for one AWS Region as
// a CDK stack: the table, the functions found under functions/, the state
// machines under statemachines/, the EventBridge rules under events/rules/,
// the HTTP API and the Slack endpoint, the Slack secrets, the dashboard and
// alarms, and the plan execution role. Every Region gets an identical,
// independent stack that references nothing in another Region.
//
// Inputs are read and validated first ([LoadSources], [ConfigFromContext]), so
// every mistake in the repository surfaces as one precise error before any
// construct is built; the constructs themselves then cannot fail on bad input.
package controlplane
