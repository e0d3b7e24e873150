// Package runtime is Switchyard's control plane in one process, for the
// drill, `switchyard dev serve` and end-to-end tests: the local Step
// Functions engine running the real statemachines/*.asl.json with the real
// executor, step and approval handlers in process, the store, and the local
// event bus wired as EventBridge rules would be (RDS global-cluster events →
// the step runner; execution status changes → cleanup).
package runtime
