// Package slackapp is Switchyard's Slack side: the Block Kit messages that ask
// for an approval or an operator decision, the Poster that posts and updates
// them, the resolution of user groups to authorize approvers, and the
// interactivity Handler that verifies, authorizes and records button clicks.
//
// Task tokens never reach Slack: buttons carry only the approval's short
// opaque id, and the token stays in the store.
package slackapp
