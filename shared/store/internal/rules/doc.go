// Package rules holds the state transitions of every store entity as pure
// functions of (stored state, request, now). Both store implementations
// read, apply a rule, and write back under their own atomicity (a mutex in
// memory, a conditional write in DynamoDB), so they cannot disagree on
// semantics.
package rules
