// Package devserver is `switchyard dev serve`: the whole control plane of
// one Region in one process — the /v1 HTTP API, the Slack interactivity
// endpoint, the local Step Functions engine running statemachines/ with the
// real handlers, the local event bus and the simulated AWS built from the
// plans — on a scaled clock, so a person or a test can start an execution,
// get the Slack message on a (fake) Slack, click, and watch it finish.
// It is for local use only: callers are identified by a header.
package devserver
