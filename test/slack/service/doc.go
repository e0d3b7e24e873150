// Package service tests the Slack and API paths against the real approval
// service (shared/approval): the votes complete the task token exactly
// once, and Slack being down never blocks the API path.
package service
