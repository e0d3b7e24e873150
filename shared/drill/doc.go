// Package drill runs a recovery plan end to end on the simulated two-Region
// AWS: it builds the world from the plan, raises the plan's trigger alarm (or
// starts directly), runs the real execute-plan state machine with the real
// handlers on a shared clock, answers the approval, prints live progress and
// produces the result and report (JSON, and HTML with a Gantt chart) with the
// achieved RTO and RPO and the plan's critical path on that world.
//
// It drills the workflow execute-plan would run for the target
// (executor.ResolveWorkflow): for an active-active plan the deactivate
// workflow of the Region left, so traffic starts in both Regions and must
// end only in the target; "one writer" there means all traffic, hence all
// writes to its multi-Region tables, in the target (Invariants).
//
// `switchyard drill` and the fault-matrix tests in test/drill call Run.
package drill
