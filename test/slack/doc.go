// Package slack holds the end-to-end tests of Slack approvals: real signed
// HTTP requests against the interactivity handler, a fake Slack Web API,
// and the in-memory store.
package slack
