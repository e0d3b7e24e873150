// Package lambdaenv names the environment variables Switchyard's functions
// read, so the CDK app that sets them and the functions that read them share
// one definition.
package lambdaenv

import (
	"fmt"
	"sort"
	"strings"
)

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
	// ExecutionRoleArn is the ARN of the Region's plan execution role: the
	// role execute-plan's steps act with. Readiness simulates its
	// permissions (iam:SimulatePrincipalPolicy) and reads the plans'
	// resources by assuming it.
	ExecutionRoleArn = "SWITCHYARD_EXECUTION_ROLE_ARN"
	// PeerTables lists the other Regions' Switchyard tables, which readiness
	// reads to check that every Region holds the same plan version. Format:
	// comma-separated REGION=TABLE pairs, sorted by Region, no spaces, e.g.
	//
	//	us-west-2=Switchyard,eu-west-1=Switchyard
	//
	// See ParsePeerTables and FormatPeerTables.
	PeerTables = "SWITCHYARD_PEER_TABLES"
)

// FormatPeerTables renders tables (Region → table name) in the PeerTables
// format, sorted by Region.
func FormatPeerTables(tables map[string]string) string {
	regions := make([]string, 0, len(tables))
	for r := range tables {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	parts := make([]string, len(regions))
	for i, r := range regions {
		parts[i] = r + "=" + tables[r]
	}
	return strings.Join(parts, ",")
}

// ParsePeerTables parses a PeerTables value into Region → table name. An
// empty value is an empty map. A pair without "=", with an empty side, or a
// Region given twice is an error naming it.
func ParsePeerTables(v string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(v) == "" {
		return out, nil
	}
	for i, kv := range strings.Split(v, ",") {
		kv = strings.TrimSpace(kv)
		r, table, ok := strings.Cut(kv, "=")
		if !ok || r == "" || table == "" {
			return nil, fmt.Errorf("%s: pair %d %q: want REGION=TABLE (e.g. us-west-2=Switchyard)", PeerTables, i+1, kv)
		}
		if _, dup := out[r]; dup {
			return nil, fmt.Errorf("%s: Region %s is listed twice", PeerTables, r)
		}
		out[r] = table
	}
	return out, nil
}
