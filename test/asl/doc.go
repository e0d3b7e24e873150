// Package asl holds the Amazon States Language conformance corpus (cases/) and
// the tests that run it: through `switchyard asl run` (the Go engine), through
// the independent npm engine aws-local-stepfunctions (differential.mjs), and a
// well-formedness check of the corpus itself. See README.md for the case format.
package asl
