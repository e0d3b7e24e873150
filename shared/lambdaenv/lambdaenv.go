// Package lambdaenv names the environment variables Switchyard's functions
// read, so the CDK app that sets them and the functions that read them share
// one definition.
package lambdaenv

const (
	// TableName is the Region's DynamoDB table.
	TableName = "SWITCHYARD_TABLE"
	// EventBusName is the Region's bus for Switchyard's own events.
	EventBusName = "SWITCHYARD_EVENT_BUS"
	// Region is the Region this copy of the control plane runs in (Lambda also
	// sets AWS_REGION; this one is explicit so tests need not fake it).
	Region = "SWITCHYARD_REGION"
	// ExecutePlanStateMachineArn is the Region's execute-plan state machine.
	ExecutePlanStateMachineArn = "SWITCHYARD_EXECUTE_PLAN_ARN"
	// SlackSigningSecretArn and SlackBotTokenArn name the Region's Secrets
	// Manager secrets; functions read them at cold start, never log them.
	SlackSigningSecretArn = "SWITCHYARD_SLACK_SIGNING_SECRET_ARN"
	SlackBotTokenArn      = "SWITCHYARD_SLACK_BOT_TOKEN_ARN"
	// LogLevel is debug, info (default), warn or error.
	LogLevel = "SWITCHYARD_LOG_LEVEL"
)
