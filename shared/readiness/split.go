package readiness

import "github.com/switchyard-dev/switchyard/shared/awsapi"

// SplitClients reads the plans' resources (Aurora, ECS, Auto Scaling,
// Route 53, ARC) through Plan, the clients of the plan execution role the
// readiness and trigger functions assume (its permissions are derived from
// the plans), and makes the control plane's own reads through Own, the
// function's role: CloudWatch alarms and metrics (trigger conditions,
// replication lag), Secrets Manager DescribeSecret on the control plane's
// secrets, and IAM policy simulation of the plan role. Either may be the
// same client set.
type SplitClients struct {
	Plan, Own awsapi.Clients
}

var _ Clients = SplitClients{}

// RDS implements Clients with Plan.
func (c SplitClients) RDS(region string) awsapi.RDS { return c.Plan.RDS(region) }

// ECS implements Clients with Plan.
func (c SplitClients) ECS(region string) awsapi.ECS { return c.Plan.ECS(region) }

// AutoScaling implements Clients with Plan.
func (c SplitClients) AutoScaling(region string) awsapi.AutoScaling {
	return c.Plan.AutoScaling(region)
}

// Route53 implements Clients with Plan.
func (c SplitClients) Route53() awsapi.Route53 { return c.Plan.Route53() }

// ARC implements Clients with Plan.
func (c SplitClients) ARC(ep awsapi.ARCEndpoint) awsapi.ARC { return c.Plan.ARC(ep) }

// CloudWatch implements Clients with Own.
func (c SplitClients) CloudWatch(region string) awsapi.CloudWatch { return c.Own.CloudWatch(region) }

// SecretsManager implements Clients with Own.
func (c SplitClients) SecretsManager(region string) awsapi.SecretsManager {
	return c.Own.SecretsManager(region)
}

// IAM implements Clients with Own.
func (c SplitClients) IAM() awsapi.IAM { return c.Own.IAM() }
