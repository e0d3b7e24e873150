// Package plan is the recovery-plan model: the Go types a plan document
// decodes into, the typed configuration of every execution block, and the
// validator that reports every problem of a plan (or a set of plans) at once
// as FILE:LINE:COL: field.path: message.
//
// A plan is YAML or JSON, one or more documents per file. Parse and ParseFile
// decode and validate each document; ValidateSet adds the checks that need
// the whole set (duplicate names, unknown dependencies, dependency cycles).
// A valid plan has its defaults applied, a canonical JSON form and a content
// fingerprint that identifies its version in every Region.
package plan
