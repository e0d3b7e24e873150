// Package events embeds Switchyard's EventBridge data — rule patterns
// (rules/), schedules (schedules/), sample events (samples/) and the JSON
// Schemas of Switchyard's own events (schemas/) — so the CLI, the local bus
// and the CDK app can use the same files without knowing where the
// repository is. See README.md.
package events

import "embed"

// FS holds rules/*.json, schedules/*.json, samples/*.json and
// schemas/*.json, with those paths.
//
//go:embed rules/*.json schedules/*.json samples/*.json schemas/*.json
var FS embed.FS
