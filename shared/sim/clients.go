package sim

import (
	"github.com/switchyard-dev/switchyard/shared/awsapi"
)

// Compile-time proof that the simulated clients are drop-in for the
// interfaces the blocks, readiness and the drill use.
var (
	_ awsapi.RDS            = (*RDSClient)(nil)
	_ awsapi.ECS            = (*ECSClient)(nil)
	_ awsapi.AutoScaling    = (*AutoScalingClient)(nil)
	_ awsapi.EKS            = (*EKSClient)(nil)
	_ awsapi.ARC            = (*ARCClient)(nil)
	_ awsapi.Route53        = (*Route53Client)(nil)
	_ awsapi.CloudWatch     = (*CloudWatchClient)(nil)
	_ awsapi.Lambda         = (*LambdaClient)(nil)
	_ awsapi.SecretsManager = (*SecretsManagerClient)(nil)
	_ awsapi.IAM            = (*IAMClient)(nil)
	_ awsapi.S3             = (*S3Client)(nil)
	_ awsapi.SSM            = (*SSMClient)(nil)
	_ awsapi.DynamoDB       = (*DynamoDBClient)(nil)
	_ awsapi.Clients        = (*ClientSet)(nil)
)

// ClientSet is the world as an awsapi.Clients factory. Clients are cheap
// views of the world, so none is cached.
type ClientSet struct {
	w *World
}

// Clients returns the world as the awsapi.Clients the execution blocks,
// readiness and the drill take.
func (w *World) Clients() awsapi.Clients { return &ClientSet{w: w} }

// RDS implements awsapi.Clients.
func (c *ClientSet) RDS(region string) awsapi.RDS { return c.w.RDS(region) }

// ECS implements awsapi.Clients.
func (c *ClientSet) ECS(region string) awsapi.ECS { return c.w.ECS(region) }

// AutoScaling implements awsapi.Clients.
func (c *ClientSet) AutoScaling(region string) awsapi.AutoScaling { return c.w.AutoScaling(region) }

// EKS implements awsapi.Clients.
func (c *ClientSet) EKS(region string) awsapi.EKS { return c.w.EKS(region) }

// ARC implements awsapi.Clients: the client of the cluster endpoint with
// ep.URL. An endpoint the world does not know yields a client whose every
// call fails like a refused connection (IsUnreachable), so callers rotate
// to the next endpoint as they would in AWS.
func (c *ClientSet) ARC(ep awsapi.ARCEndpoint) awsapi.ARC {
	cl, err := c.w.ARCByURL(ep.URL)
	if err != nil {
		return &ARCClient{w: c.w, index: -1, endpoint: ARCEndpoint{URL: ep.URL, Region: ep.Region}, unknown: true}
	}
	return cl
}

// Route53 implements awsapi.Clients.
func (c *ClientSet) Route53() awsapi.Route53 { return c.w.Route53() }

// CloudWatch implements awsapi.Clients.
func (c *ClientSet) CloudWatch(region string) awsapi.CloudWatch { return c.w.CloudWatch(region) }

// Lambda implements awsapi.Clients.
func (c *ClientSet) Lambda(region string) awsapi.Lambda { return c.w.Lambda(region) }

// SecretsManager implements awsapi.Clients.
func (c *ClientSet) SecretsManager(region string) awsapi.SecretsManager {
	return c.w.SecretsManager(region)
}

// IAM implements awsapi.Clients.
func (c *ClientSet) IAM() awsapi.IAM { return c.w.IAM() }

// S3 implements awsapi.Clients.
func (c *ClientSet) S3(region string) awsapi.S3 { return c.w.S3(region) }

// SSM implements awsapi.Clients.
func (c *ClientSet) SSM(region string) awsapi.SSM { return c.w.SSM(region) }

// DynamoDB implements awsapi.Clients.
func (c *ClientSet) DynamoDB(region string) awsapi.DynamoDB { return c.w.DynamoDB(region) }
