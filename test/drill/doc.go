// Package drilltest is the fault matrix of `switchyard drill`: every example
// plan in both modes, and the faults of issue 4's acceptance (throttling on
// every call, the source Region down, an ECS capacity shortfall, an ARC
// endpoint down, a step failing then succeeding on retry, duplicate
// deliveries), each run end to end through the real execute-plan state
// machine and the real handlers on the simulator, with the invariants
// checked after every run. The tests are in drill_test.go.
package drilltest
