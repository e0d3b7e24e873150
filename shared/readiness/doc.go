// Package readiness evaluates whether a recovery plan could run now into a
// target Region: resources exist and are in the expected role and state,
// replication lag is within the RPO, the target has capacity headroom,
// routing controls and health checks are present, secrets exist in the
// target, the execution role may call every action, the same plan version is
// deployed in every Region, control-plane steps are opted into, and Slack is
// reachable. Evaluation is read-only, batched, concurrent and rate-limited
// per API. The readiness function, the trigger function, the CLI and the
// drill all call Evaluator.Evaluate.
package readiness
