package plan

import (
	"slices"
	"time"
)

// Config is the typed configuration of an execution block: a step's `with`.
// Each block has its own Config type (*ECSScale, *AuroraGlobal, …) with its
// own validation and defaults.
type Config interface {
	// BlockName is the block this configuration belongs to.
	BlockName() string
	// Summary is a one-line, human-readable account of what the step does.
	Summary() string
	validate(s *stepCtx)
	setDefaults(s *stepCtx)
}

// BlockSpec describes an execution block: its limits and the AWS actions it
// calls (the CDK app derives the execution role's IAM policy from them).
type BlockSpec struct {
	Name    string
	Summary string
	// MinTimeout is the shortest step timeout the block accepts;
	// DefaultTimeout applies when a step sets none.
	MinTimeout     Duration
	DefaultTimeout Duration
	// ControlPlane is true when the block depends on a control-plane API
	// that may be impaired during a regional event (Route 53 record changes
	// are homed in us-east-1); such blocks are opt-in and flagged by
	// readiness.
	ControlPlane bool
	// UngracefulVariant says what the block does in ungraceful mode.
	UngracefulVariant string
	// Actions are the IAM actions the block's handler calls.
	Actions []string
	// New returns an empty configuration of the block's type.
	New func() Config
}

func dur(d time.Duration) Duration { return Duration(d) }

var blockSpecs = []BlockSpec{
	{
		Name: "approval", Summary: "Slack / API / CLI approval with quorum and timeout",
		MinTimeout: dur(time.Minute), DefaultTimeout: dur(30 * time.Minute),
		UngracefulVariant: "same as graceful",
		Actions:           []string{"states:SendTaskSuccess", "states:SendTaskFailure", "secretsmanager:GetSecretValue"},
		New:               func() Config { return &ApprovalStep{} },
	},
	{
		Name: "ecs-scale", Summary: "scale ECS services in the target to a percentage of the source's peak",
		MinTimeout: dur(5 * time.Minute), DefaultTimeout: dur(20 * time.Minute),
		UngracefulVariant: "proceeds once ungracefulMinPercent is reached; the source's peak comes from metrics only",
		Actions:           []string{"ecs:DescribeServices", "ecs:UpdateService", "cloudwatch:GetMetricData"},
		New:               func() Config { return &ECSScale{} },
	},
	{
		Name: "asg-scale", Summary: "scale EC2 Auto Scaling groups in the target to a percentage of the source's peak",
		MinTimeout: dur(5 * time.Minute), DefaultTimeout: dur(20 * time.Minute),
		UngracefulVariant: "proceeds once ungracefulMinPercent is reached",
		Actions:           []string{"autoscaling:DescribeAutoScalingGroups", "autoscaling:UpdateAutoScalingGroup", "cloudwatch:GetMetricData"},
		New:               func() Config { return &ASGScale{} },
	},
	{
		Name: "eks-scale", Summary: "scale EKS deployments in the target to a percentage of the source's peak",
		MinTimeout: dur(5 * time.Minute), DefaultTimeout: dur(20 * time.Minute),
		UngracefulVariant: "proceeds once ungracefulMinPercent is reached",
		Actions:           []string{"eks:DescribeCluster", "cloudwatch:GetMetricData"},
		New:               func() Config { return &EKSScale{} },
	},
	{
		Name: "aurora-global", Summary: "move the Aurora global database writer to the target Region",
		MinTimeout: dur(5 * time.Minute), DefaultTimeout: dur(30 * time.Minute),
		UngracefulVariant: "failover with AllowDataLoss, recording the replication lag accepted (refused when the plan's RPO is 0)",
		Actions:           []string{"rds:DescribeGlobalClusters", "rds:DescribeDBClusters", "rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster"},
		New:               func() Config { return &AuroraGlobal{} },
	},
	{
		Name: "aurora-scale", Summary: "match the target Aurora cluster's instance class / serverless capacity to the source",
		MinTimeout: dur(10 * time.Minute), DefaultTimeout: dur(45 * time.Minute),
		UngracefulVariant: "uses the source sizes recorded by readiness",
		Actions:           []string{"rds:DescribeDBClusters", "rds:DescribeDBInstances", "rds:ModifyDBCluster", "rds:ModifyDBInstance"},
		New:               func() Config { return &AuroraScale{} },
	},
	{
		Name: "arc-routing-control", Summary: "set ARC routing-control states through the cluster data plane",
		MinTimeout: dur(time.Minute), DefaultTimeout: dur(5 * time.Minute),
		UngracefulVariant: "same as graceful (data plane only)",
		Actions:           []string{"route53-recovery-cluster:GetRoutingControlState", "route53-recovery-cluster:UpdateRoutingControlState", "route53-recovery-cluster:UpdateRoutingControlStates", "route53-recovery-control-config:DescribeCluster"},
		New:               func() Config { return &ARCRoutingControl{} },
	},
	{
		Name: "stop-signal", Summary: "STOP pattern: publish (or withdraw) the standby-takes-over signal in the target Region",
		MinTimeout: dur(time.Minute), DefaultTimeout: dur(5 * time.Minute),
		UngracefulVariant: "same as graceful (data plane only)",
		Actions:           []string{"s3:PutObject", "s3:GetObject", "s3:DeleteObject"},
		New:               func() Config { return &StopSignal{} },
	},
	{
		Name: "route53-record", Summary: "change Route 53 record weights (control plane; opt-in)",
		MinTimeout: dur(2 * time.Minute), DefaultTimeout: dur(10 * time.Minute), ControlPlane: true,
		UngracefulVariant: "same as graceful; fails if the Route 53 control plane is impaired",
		Actions:           []string{"route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets", "route53:GetChange"},
		New:               func() Config { return &Route53Record{} },
	},
	{
		Name: "fence", Summary: "set an application write-fence flag (disable writes in the old Region if reachable)",
		MinTimeout: dur(30 * time.Second), DefaultTimeout: dur(2 * time.Minute),
		UngracefulVariant: "best effort: an unreachable Region is recorded, not fatal, unless mustSucceed",
		Actions:           []string{"ssm:GetParameter", "ssm:PutParameter", "dynamodb:GetItem", "dynamodb:UpdateItem"},
		New:               func() Config { return &Fence{} },
	},
	{
		Name: "lambda", Summary: "invoke a custom Lambda function in a chosen Region",
		MinTimeout: dur(10 * time.Second), DefaultTimeout: dur(5 * time.Minute),
		UngracefulVariant: "same as graceful",
		Actions:           []string{"lambda:InvokeFunction"},
		New:               func() Config { return &Lambda{} },
	},
	{
		Name: "http-check", Summary: "synthetic HTTP check of an endpoint from the target Region",
		MinTimeout: dur(30 * time.Second), DefaultTimeout: dur(5 * time.Minute),
		UngracefulVariant: "same as graceful",
		New:               func() Config { return &HTTPCheck{} },
	},
	{
		Name: "alarm-wait", Summary: "wait until CloudWatch alarms in the target Region are green",
		MinTimeout: dur(time.Minute), DefaultTimeout: dur(15 * time.Minute),
		UngracefulVariant: "same as graceful",
		Actions:           []string{"cloudwatch:DescribeAlarms"},
		New:               func() Config { return &AlarmWait{} },
	},
	{
		Name: "event-source-mapping", Summary: "enable or disable Lambda event source mappings",
		MinTimeout: dur(30 * time.Second), DefaultTimeout: dur(5 * time.Minute),
		UngracefulVariant: "same as graceful; mappings in an unreachable Region are recorded, not fatal",
		Actions:           []string{"lambda:GetEventSourceMapping", "lambda:UpdateEventSourceMapping"},
		New:               func() Config { return &EventSourceMapping{} },
	},
	{
		Name: "plan", Summary: "run another plan's workflow (nested plan / dependency group)",
		MinTimeout: dur(5 * time.Minute), DefaultTimeout: dur(2 * time.Hour),
		UngracefulVariant: "runs the other plan in ungraceful mode too",
		Actions:           []string{"states:StartExecution", "states:DescribeExecution"},
		New:               func() Config { return &RunPlan{} },
	},
}

// Blocks returns the description of every execution block, in the order of
// DESIGN.md's table. The slice is a copy.
func Blocks() []BlockSpec {
	out := slices.Clone(blockSpecs)
	for i := range out {
		out[i].Actions = slices.Clone(out[i].Actions)
	}
	return out
}

// LookupBlock returns the block called name.
func LookupBlock(name string) (BlockSpec, bool) {
	for _, b := range blockSpecs {
		if b.Name == name {
			return b, true
		}
	}
	return BlockSpec{}, false
}

// BlockNames returns every block name, in table order.
func BlockNames() []string {
	names := make([]string, len(blockSpecs))
	for i, b := range blockSpecs {
		names[i] = b.Name
	}
	return names
}

// stepCtx is what a block's validation sees: the plan (through the
// checker), the workflow and step, and the path of the step's `with`.
type stepCtx struct {
	*checker
	path     string // "...steps[i].with"
	stepPath string // "...steps[i]"
	wf       *Workflow
	step     *Step
	target   string // the Region the workflow moves into ("" when several)
	source   string // the Region it moves away from ("" when unknown)
	// sourceBad is true when the source is unknown because of a problem
	// reported elsewhere (a bad workflow source or region).
	sourceBad bool
}

// resourceRegion is the Region rule for a resource in the target: the target
// Region, or any Region of the plan when the target is not a single Region.
func (s *stepCtx) resourceRegion() string {
	if s.target == "" {
		return "*"
	}
	return s.target
}

// f is the path of a field of the block configuration.
func (s *stepCtx) f(name string) string { return join(s.path, name) }
