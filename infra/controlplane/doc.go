// Package controlplane builds Switchyard's control plane for one AWS Region as
// a CDK stack: the table, the functions found under functions/, the state
// machines under statemachines/, the EventBridge rules under events/rules/,
// the HTTP API and the Slack endpoint, the Slack secrets, the dashboard and
// alarms, the plan execution role derived from the plans
// ([PlanPermissionsFor]), and the delivery of the plans to the Region's table
// ([NewPlanDelivery]). Every Region gets an identical, independent stack that
// references nothing in another Region except the plans' own resources.
//
// Inputs are read and validated first ([LoadSources], [ConfigFromContext],
// [LoadPlans]), so
// every mistake in the repository surfaces as one precise error before any
// construct is built; the constructs themselves then cannot fail on bad input.
package controlplane
