package awsapi

import (
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53recoverycluster"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// SDK is the production Clients: real aws-sdk-go-v2 clients built from one
// base configuration, one per service and Region, created on first use.
type SDK struct {
	cfg aws.Config
	mu  sync.Mutex
	m   map[string]any
}

var _ Clients = (*SDK)(nil)

// ForRole returns cfg with credentials of roleArn, assumed through STS with
// session name session and refreshed as they expire; an empty roleArn
// returns cfg unchanged. The functions use it for the plan execution role,
// which holds the permissions on the plans' resources.
func ForRole(cfg aws.Config, roleArn, session string) aws.Config {
	if roleArn == "" {
		return cfg
	}
	rc := cfg.Copy()
	rc.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), roleArn, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = session
	}))
	return rc
}

// NewSDK returns a factory over cfg (credentials, retryer, HTTP client).
func NewSDK(cfg aws.Config) *SDK { return &SDK{cfg: cfg, m: map[string]any{}} }

// cached returns the client stored under key, building it once.
func cached[T any](s *SDK, key string, build func() T) T {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.m[key]; ok {
		return c.(T)
	}
	c := build()
	s.m[key] = c
	return c
}

func (s *SDK) regional(region string) aws.Config {
	cfg := s.cfg.Copy()
	cfg.Region = region
	return cfg
}

// RDS implements Clients.
func (s *SDK) RDS(region string) RDS {
	return cached(s, "rds/"+region, func() RDS { return rds.NewFromConfig(s.regional(region)) })
}

// ECS implements Clients.
func (s *SDK) ECS(region string) ECS {
	return cached(s, "ecs/"+region, func() ECS { return ecs.NewFromConfig(s.regional(region)) })
}

// AutoScaling implements Clients.
func (s *SDK) AutoScaling(region string) AutoScaling {
	return cached(s, "autoscaling/"+region, func() AutoScaling { return autoscaling.NewFromConfig(s.regional(region)) })
}

// EKS implements Clients.
func (s *SDK) EKS(region string) EKS {
	return cached(s, "eks/"+region, func() EKS { return eks.NewFromConfig(s.regional(region)) })
}

// ARC implements Clients: the client talks to exactly the given endpoint.
func (s *SDK) ARC(ep ARCEndpoint) ARC {
	return cached(s, "arc/"+ep.Region+"/"+ep.URL, func() ARC {
		return route53recoverycluster.NewFromConfig(s.regional(ep.Region), func(o *route53recoverycluster.Options) {
			o.BaseEndpoint = aws.String(ep.URL)
		})
	})
}

// Route53 implements Clients (a global service; the SDK routes it).
func (s *SDK) Route53() Route53 {
	return cached(s, "route53", func() Route53 { return route53.NewFromConfig(s.regional("us-east-1")) })
}

// CloudWatch implements Clients.
func (s *SDK) CloudWatch(region string) CloudWatch {
	return cached(s, "cloudwatch/"+region, func() CloudWatch { return cloudwatch.NewFromConfig(s.regional(region)) })
}

// Lambda implements Clients.
func (s *SDK) Lambda(region string) Lambda {
	return cached(s, "lambda/"+region, func() Lambda { return lambda.NewFromConfig(s.regional(region)) })
}

// SecretsManager implements Clients.
func (s *SDK) SecretsManager(region string) SecretsManager {
	return cached(s, "secretsmanager/"+region, func() SecretsManager { return secretsmanager.NewFromConfig(s.regional(region)) })
}

// IAM implements Clients (a global service).
func (s *SDK) IAM() IAM {
	return cached(s, "iam", func() IAM { return iam.NewFromConfig(s.regional("us-east-1")) })
}

// S3 implements Clients.
func (s *SDK) S3(region string) S3 {
	return cached(s, "s3/"+region, func() S3 { return s3.NewFromConfig(s.regional(region)) })
}

// SSM implements Clients.
func (s *SDK) SSM(region string) SSM {
	return cached(s, "ssm/"+region, func() SSM { return ssm.NewFromConfig(s.regional(region)) })
}

// DynamoDB implements Clients.
func (s *SDK) DynamoDB(region string) DynamoDB {
	return cached(s, "dynamodb/"+region, func() DynamoDB { return dynamodb.NewFromConfig(s.regional(region)) })
}
