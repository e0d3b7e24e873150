// Package static holds the static checks on every state machine definition in
// statemachines/ and in the ASL conformance corpus (test/asl/cases): schema
// validity through the pinned npm asl-validator, and structural checks done in
// Go on the raw JSON (transition targets, reachability, States.ALL placement,
// ${Substitution} names), independent of the engine in shared/asl.
package static
