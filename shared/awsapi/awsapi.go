package awsapi

import (
	"context"

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
)

// RDS is the part of Amazon RDS Switchyard uses (Aurora global databases).
type RDS interface {
	DescribeGlobalClusters(ctx context.Context, in *rds.DescribeGlobalClustersInput, opts ...func(*rds.Options)) (*rds.DescribeGlobalClustersOutput, error)
	SwitchoverGlobalCluster(ctx context.Context, in *rds.SwitchoverGlobalClusterInput, opts ...func(*rds.Options)) (*rds.SwitchoverGlobalClusterOutput, error)
	FailoverGlobalCluster(ctx context.Context, in *rds.FailoverGlobalClusterInput, opts ...func(*rds.Options)) (*rds.FailoverGlobalClusterOutput, error)
	DescribeDBClusters(ctx context.Context, in *rds.DescribeDBClustersInput, opts ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, opts ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	ModifyDBCluster(ctx context.Context, in *rds.ModifyDBClusterInput, opts ...func(*rds.Options)) (*rds.ModifyDBClusterOutput, error)
	ModifyDBInstance(ctx context.Context, in *rds.ModifyDBInstanceInput, opts ...func(*rds.Options)) (*rds.ModifyDBInstanceOutput, error)
}

// ECS is the part of Amazon ECS Switchyard uses.
type ECS interface {
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, opts ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, opts ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error)
	DescribeClusters(ctx context.Context, in *ecs.DescribeClustersInput, opts ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
}

// AutoScaling is the part of EC2 Auto Scaling Switchyard uses.
type AutoScaling interface {
	DescribeAutoScalingGroups(ctx context.Context, in *autoscaling.DescribeAutoScalingGroupsInput, opts ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error)
	UpdateAutoScalingGroup(ctx context.Context, in *autoscaling.UpdateAutoScalingGroupInput, opts ...func(*autoscaling.Options)) (*autoscaling.UpdateAutoScalingGroupOutput, error)
	SetDesiredCapacity(ctx context.Context, in *autoscaling.SetDesiredCapacityInput, opts ...func(*autoscaling.Options)) (*autoscaling.SetDesiredCapacityOutput, error)
}

// EKS is the part of Amazon EKS Switchyard uses (managed node groups).
type EKS interface {
	DescribeNodegroup(ctx context.Context, in *eks.DescribeNodegroupInput, opts ...func(*eks.Options)) (*eks.DescribeNodegroupOutput, error)
	UpdateNodegroupConfig(ctx context.Context, in *eks.UpdateNodegroupConfigInput, opts ...func(*eks.Options)) (*eks.UpdateNodegroupConfigOutput, error)
}

// ARC is the Route 53 ARC cluster data plane, bound to one of a cluster's
// Regional endpoints.
type ARC interface {
	GetRoutingControlState(ctx context.Context, in *route53recoverycluster.GetRoutingControlStateInput, opts ...func(*route53recoverycluster.Options)) (*route53recoverycluster.GetRoutingControlStateOutput, error)
	UpdateRoutingControlState(ctx context.Context, in *route53recoverycluster.UpdateRoutingControlStateInput, opts ...func(*route53recoverycluster.Options)) (*route53recoverycluster.UpdateRoutingControlStateOutput, error)
	UpdateRoutingControlStates(ctx context.Context, in *route53recoverycluster.UpdateRoutingControlStatesInput, opts ...func(*route53recoverycluster.Options)) (*route53recoverycluster.UpdateRoutingControlStatesOutput, error)
	ListRoutingControls(ctx context.Context, in *route53recoverycluster.ListRoutingControlsInput, opts ...func(*route53recoverycluster.Options)) (*route53recoverycluster.ListRoutingControlsOutput, error)
}

// Route53 is the part of Amazon Route 53 Switchyard uses. Record changes are
// control-plane calls homed in us-east-1; health-check status reads are not
// needed during recovery but help readiness.
type Route53 interface {
	GetHealthCheckStatus(ctx context.Context, in *route53.GetHealthCheckStatusInput, opts ...func(*route53.Options)) (*route53.GetHealthCheckStatusOutput, error)
	ChangeResourceRecordSets(ctx context.Context, in *route53.ChangeResourceRecordSetsInput, opts ...func(*route53.Options)) (*route53.ChangeResourceRecordSetsOutput, error)
	GetChange(ctx context.Context, in *route53.GetChangeInput, opts ...func(*route53.Options)) (*route53.GetChangeOutput, error)
	ListResourceRecordSets(ctx context.Context, in *route53.ListResourceRecordSetsInput, opts ...func(*route53.Options)) (*route53.ListResourceRecordSetsOutput, error)
}

// CloudWatch is the part of Amazon CloudWatch Switchyard uses.
type CloudWatch interface {
	DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
	SetAlarmState(ctx context.Context, in *cloudwatch.SetAlarmStateInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.SetAlarmStateOutput, error)
	PutMetricData(ctx context.Context, in *cloudwatch.PutMetricDataInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error)
	GetMetricStatistics(ctx context.Context, in *cloudwatch.GetMetricStatisticsInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricStatisticsOutput, error)
	GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

// Lambda is the part of AWS Lambda Switchyard uses: Invoke (the lambda
// block) and the event-source-mapping calls (the event-source-mapping
// block). GetEventSourceMapping of an unknown UUID fails with
// *lambdatypes.ResourceNotFoundException; UpdateEventSourceMapping of a
// mapping that is still changing state fails with
// *lambdatypes.ResourceInUseException. Both are control-plane calls.
type Lambda interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, opts ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
	GetEventSourceMapping(ctx context.Context, in *lambda.GetEventSourceMappingInput, opts ...func(*lambda.Options)) (*lambda.GetEventSourceMappingOutput, error)
	UpdateEventSourceMapping(ctx context.Context, in *lambda.UpdateEventSourceMappingInput, opts ...func(*lambda.Options)) (*lambda.UpdateEventSourceMappingOutput, error)
}

// SSM is the part of AWS Systems Manager Parameter Store Switchyard uses:
// the fence block's write-fence parameter. GetParameter of a missing
// parameter fails with *ssmtypes.ParameterNotFound; PutParameter with
// Overwrite set is idempotent.
type SSM interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	PutParameter(ctx context.Context, in *ssm.PutParameterInput, opts ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
}

// DynamoDB is the part of Amazon DynamoDB Switchyard uses: the fence
// block's write-fence item (data plane only). GetItem of a missing item
// succeeds with a nil Item; a missing table fails with
// *dynamodbtypes.ResourceNotFoundException.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// SecretsManager is the part of AWS Secrets Manager Switchyard uses.
type SecretsManager interface {
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// IAM is the part of AWS IAM Switchyard uses (readiness: policy simulation).
type IAM interface {
	SimulatePrincipalPolicy(ctx context.Context, in *iam.SimulatePrincipalPolicyInput, opts ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error)
}

// S3 is the part of Amazon S3 Switchyard uses: the STOP pattern's flag object
// (data plane only).
type S3 interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// ARCEndpoint is one of an ARC cluster's five Regional data-plane endpoints.
type ARCEndpoint struct {
	URL    string
	Region string
}

// Clients makes service clients for a Region. Implementations cache clients
// and are safe for concurrent use. Global services (Route 53, IAM) have no
// Region parameter; their calls go to the partition's home Region.
type Clients interface {
	RDS(region string) RDS
	ECS(region string) ECS
	AutoScaling(region string) AutoScaling
	EKS(region string) EKS
	// ARC binds a data-plane client to one cluster endpoint; callers rotate
	// through the cluster's endpoints when one fails.
	ARC(endpoint ARCEndpoint) ARC
	Route53() Route53
	CloudWatch(region string) CloudWatch
	Lambda(region string) Lambda
	SecretsManager(region string) SecretsManager
	IAM() IAM
	S3(region string) S3
	SSM(region string) SSM
	DynamoDB(region string) DynamoDB
}

var (
	_ RDS            = (*rds.Client)(nil)
	_ ECS            = (*ecs.Client)(nil)
	_ AutoScaling    = (*autoscaling.Client)(nil)
	_ EKS            = (*eks.Client)(nil)
	_ ARC            = (*route53recoverycluster.Client)(nil)
	_ Route53        = (*route53.Client)(nil)
	_ CloudWatch     = (*cloudwatch.Client)(nil)
	_ Lambda         = (*lambda.Client)(nil)
	_ SecretsManager = (*secretsmanager.Client)(nil)
	_ IAM            = (*iam.Client)(nil)
	_ S3             = (*s3.Client)(nil)
	_ SSM            = (*ssm.Client)(nil)
	_ DynamoDB       = (*dynamodb.Client)(nil)
)
