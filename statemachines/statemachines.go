// Package statemachines embeds the Step Functions definitions, the single
// source of truth that the CDK app deploys and the local runtime runs, so the
// switchyard binary carries exactly the definitions it was built with.
package statemachines

import "embed"

// FS holds every *.asl.json definition and substitutions.json (the names of
// the ${Substitution} placeholders the CDK app and the local runtime fill).
//
//go:embed *.asl.json substitutions.json
var FS embed.FS
