package controlplane

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/switchyard-dev/switchyard/shared/plan"
)

// This file derives the plan execution role's permissions from the plans
// (issue 7 item 1, IAM): for every step of every workflow that executes in
// the stack's Region (the Region it moves into: DESIGN.md principle 1), the
// block's actions from plan.Blocks(), scoped to the ARNs the step names.
// Resource formats and resource-level support follow the Service
// Authorization Reference ("Actions, resources, and condition keys for
// <service>"), one page per service, cited where a wildcard remains.

// Reasons for the wildcards IAM imposes. Each becomes the comment a reviewer
// reads here and the reason of the cdk-nag suppression.
const (
	reasonGetMetricData = "cloudwatch:GetMetricData lists no resource type in the Service Authorization Reference " +
		"(Actions, resources, and condition keys for Amazon CloudWatch), so IAM accepts only \"*\"; " +
		"it reads the source's peak load to size the target."
	reasonDescribeASGs = "autoscaling:DescribeAutoScalingGroups lists no resource type in the Service Authorization Reference " +
		"(Actions, resources, and condition keys for Amazon EC2 Auto Scaling), so IAM accepts only \"*\"."
	reasonASGByName = "The plan names the Auto Scaling group by name; its ARN also holds a group id unknown at synth, " +
		"so the id is a wildcard and the group name is exact (Service Authorization Reference, Amazon EC2 Auto Scaling: autoScalingGroup resource)."
	reasonDBInstances = "aurora-scale resizes the instances of the cluster the plan names; their identifiers are read from the " +
		"cluster's DBClusterMembers at run time, so the db resource is scoped to the Region and account of that cluster only " +
		"(Service Authorization Reference, Amazon RDS: db resource)."
	reasonRoute53Change = "route53:GetChange polls the change that ChangeResourceRecordSets returned; change ids are unknown at synth " +
		"(Service Authorization Reference, Amazon Route 53: change resource, arn:aws:route53:::change/*)."
	reasonNestedExecutions = "A plan step starts this Region's execute-plan state machine; the execution names it then describes are " +
		"generated at run time, so they are a wildcard under that one state machine (Service Authorization Reference, AWS Step Functions: execution resource)."
)

// Statement ids of the plan execution role, one per (block, permission).
// Tests assert on them; renaming one is harmless (IAM ignores Sids).
const (
	sidMetrics              = "MetricsRead"
	sidECSUpdateService     = "EcsScaleUpdateService"
	sidECSDescribeServices  = "EcsScaleDescribeServices"
	sidASGUpdate            = "AsgScaleUpdateGroup"
	sidASGDescribe          = "AsgScaleDescribeGroups"
	sidEKSDescribeCluster   = "EksScaleDescribeCluster"
	sidRDSSwitchover        = "AuroraGlobalSwitchover"
	sidRDSFailover          = "AuroraGlobalFailover"
	sidRDSDescribeGlobal    = "AuroraGlobalDescribeGlobalCluster"
	sidRDSDescribeClusters  = "AuroraDescribeClusters"
	sidRDSModifyCluster     = "AuroraScaleModifyCluster"
	sidRDSDescribeInstances = "AuroraScaleDescribeInstances"
	sidRDSModifyInstances   = "AuroraScaleModifyInstances"
	sidARCRoutingControls   = "ArcRoutingControlState"
	sidARCDescribeCluster   = "ArcDescribeCluster"
	sidStopPublish          = "StopSignalPublish"
	sidStopWithdraw         = "StopSignalWithdraw"
	sidRoute53Records       = "Route53RecordChange"
	sidRoute53GetChange     = "Route53GetChange"
	sidFenceSSM             = "FenceSsmParameter"
	sidFenceDynamoDB        = "FenceDynamoDbItem"
	sidLambdaInvoke         = "LambdaInvoke"
	sidAlarmsDescribe       = "AlarmWaitDescribeAlarms"
	sidEventSourceMappings  = "EventSourceMappings"
	sidNestedPlanStart      = "NestedPlanStart"
	sidNestedPlanDescribe   = "NestedPlanDescribe"
)

// delegatedBlocks are blocks whose actions the plan execution role does not
// carry, with the reason. A block must be here or in deriveStep's switch:
// PlanPermissionsFor fails synth on any other, so a new block cannot ship
// without a reviewed IAM mapping.
var delegatedBlocks = map[string]string{
	// The approval task is the approval function's (execute-plan's
	// waitForTaskToken task), completed by the slack and api functions: each
	// holds exactly those grants under its own role (settings.go), scoped to
	// this Region's state machines and Slack secret.
	"approval": "carried out by the approval, slack and api functions under their own roles",
	// Runs from the Lambda function itself over HTTPS: no AWS call.
	"http-check": "makes no AWS call",
}

// PlanPermissionsFor derives the permissions of region's plan execution role
// from the plans: the workflows that execute in region (activate workflows
// of region; deactivate workflows that move into region) and, for each of
// their steps, the block's actions scoped to the ARNs the step names.
// Resources named only by name (Auto Scaling groups, event source mapping
// UUIDs) are in account; prefix names this Region's own state machines.
// Statements are merged by id and sorted, so the result is deterministic.
func PlanPermissionsFor(set *PlanSet, region, account, prefix string) (PlanPermissions, error) {
	d := &deriver{
		region: region, account: account, prefix: prefix,
		partition: cmp.Or(plan.Partition(region), "aws"),
		stmts:     map[string]*PlanStatement{},
	}
	if set == nil {
		return nil, nil
	}
	var errs []string
	for _, dp := range set.Plans {
		p := dp.Plan
		for _, ref := range p.Steps() {
			if !executesIn(p, ref.Workflow, region) {
				continue
			}
			if err := d.step(ref); err != nil {
				pos := p.Pos(ref.Path)
				errs = append(errs, fmt.Sprintf("%s:%d:%d: %s: %v", p.File(), pos.Line, pos.Col, ref.Path, err))
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("deriving the %s plan execution role from the plans:\n%s", region, strings.Join(errs, "\n"))
	}
	out := make(PlanPermissions, 0, len(d.stmts))
	for _, sid := range sortedKeys(d.stmts) {
		st := d.stmts[sid]
		slices.Sort(st.Actions)
		slices.Sort(st.Resources)
		out = append(out, *st)
	}
	return out, nil
}

// executesIn reports whether workflow w of p runs in region: it runs in the
// Region it moves into. A deactivate workflow of a plan with more than two
// Regions has no single target; any other Region of the plan may run it.
func executesIn(p *plan.Plan, w *plan.Workflow, region string) bool {
	target, _ := p.StepRegions(w)
	if target != "" {
		return target == region
	}
	return w.Kind == plan.Deactivate && w.Region != region && slices.Contains(p.Spec.Regions, region)
}

type deriver struct {
	region, account, prefix, partition string
	stmts                              map[string]*PlanStatement
	block                              plan.BlockSpec
}

// add grants actions (each must be one of the block's actions in
// plan.Blocks()) on resources, under statement sid.
func (d *deriver) add(sid, reason string, actions []string, resources ...string) error {
	for _, a := range actions {
		if !slices.Contains(d.block.Actions, a) {
			return fmt.Errorf("block %s: action %s is not one of its actions in plan.Blocks() (%s)", d.block.Name, a, strings.Join(d.block.Actions, ", "))
		}
	}
	st, ok := d.stmts[sid]
	if !ok {
		st = &PlanStatement{Sid: sid, Reason: reason}
		d.stmts[sid] = st
	}
	for _, a := range actions {
		if !slices.Contains(st.Actions, a) {
			st.Actions = append(st.Actions, a)
		}
	}
	for _, r := range resources {
		if r != "" && !slices.Contains(st.Resources, r) {
			st.Resources = append(st.Resources, r)
		}
	}
	return nil
}

func (d *deriver) step(ref plan.StepRef) error {
	st := ref.Step
	spec, ok := plan.LookupBlock(st.Block)
	if !ok {
		return fmt.Errorf("unknown block %q", st.Block)
	}
	d.block = spec
	if _, ok := delegatedBlocks[st.Block]; ok {
		return nil
	}
	switch c := st.With.(type) {
	case *plan.ECSScale:
		return first(
			d.add(sidECSUpdateService, "", []string{"ecs:UpdateService"}, ecsServiceARN(c.Target)),
			// Observing the source's running count is part of sizing.
			d.add(sidECSDescribeServices, "", []string{"ecs:DescribeServices"}, ecsServiceARN(c.Target), ecsServiceARN(c.Source)),
			d.add(sidMetrics, reasonGetMetricData, []string{"cloudwatch:GetMetricData"}, "*"),
		)
	case *plan.ASGScale:
		return first(
			d.add(sidASGUpdate, reasonASGByName, []string{"autoscaling:UpdateAutoScalingGroup"}, d.asgARN(c.Target.Name)),
			d.add(sidASGDescribe, reasonDescribeASGs, []string{"autoscaling:DescribeAutoScalingGroups"}, "*"),
			d.add(sidMetrics, reasonGetMetricData, []string{"cloudwatch:GetMetricData"}, "*"),
		)
	case *plan.EKSScale:
		return first(
			d.add(sidEKSDescribeCluster, "", []string{"eks:DescribeCluster"}, c.Target.Cluster, c.Source.Cluster),
			d.add(sidMetrics, reasonGetMetricData, []string{"cloudwatch:GetMetricData"}, "*"),
		)
	case *plan.AuroraGlobal:
		// Switchover and failover authorize on the global cluster and on the
		// member clusters (both are required resource types).
		res := append([]string{c.GlobalCluster}, mapValues(c.Members)...)
		errs := []error{
			d.add(sidRDSSwitchover, "", []string{"rds:SwitchoverGlobalCluster"}, res...),
			d.add(sidRDSDescribeGlobal, "", []string{"rds:DescribeGlobalClusters"}, c.GlobalCluster),
			d.add(sidRDSDescribeClusters, "", []string{"rds:DescribeDBClusters"}, mapValues(c.Members)...),
		}
		// A step that refuses or skips ungraceful mode never fails over with
		// data loss: the role cannot either.
		if st.Ungraceful == nil || st.Ungraceful.Behavior == "" || st.Ungraceful.Behavior == plan.UngracefulRun {
			errs = append(errs, d.add(sidRDSFailover, "", []string{"rds:FailoverGlobalCluster"}, res...))
		}
		return first(errs...)
	case *plan.AuroraScale:
		return first(
			d.add(sidRDSDescribeClusters, "", []string{"rds:DescribeDBClusters"}, c.Target, c.Source),
			d.add(sidRDSModifyCluster, "", []string{"rds:ModifyDBCluster"}, c.Target),
			d.add(sidRDSDescribeInstances, reasonDBInstances, []string{"rds:DescribeDBInstances"}, dbInstancesOf(c.Target), dbInstancesOf(c.Source)),
			d.add(sidRDSModifyInstances, reasonDBInstances, []string{"rds:ModifyDBInstance"}, dbInstancesOf(c.Target)),
		)
	case *plan.ARCRoutingControl:
		controls := make([]string, len(c.States))
		for i, s := range c.States {
			controls[i] = s.RoutingControl
		}
		return first(
			d.add(sidARCRoutingControls, "", []string{
				"route53-recovery-cluster:GetRoutingControlState",
				"route53-recovery-cluster:UpdateRoutingControlState",
				"route53-recovery-cluster:UpdateRoutingControlStates",
			}, controls...),
			d.add(sidARCDescribeCluster, "", []string{"route53-recovery-control-config:DescribeCluster"}, c.Cluster),
		)
	case *plan.StopSignal:
		object := fmt.Sprintf("arn:%s:s3:::%s/%s", d.partition, c.Bucket, c.Key)
		if c.Signal == "withdraw" {
			return d.add(sidStopWithdraw, "", []string{"s3:DeleteObject", "s3:GetObject"}, object)
		}
		return d.add(sidStopPublish, "", []string{"s3:GetObject", "s3:PutObject"}, object)
	case *plan.Route53Record:
		return first(
			d.add(sidRoute53Records, "", []string{"route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"},
				fmt.Sprintf("arn:%s:route53:::hostedzone/%s", d.partition, c.HostedZoneID)),
			d.add(sidRoute53GetChange, reasonRoute53Change, []string{"route53:GetChange"}, fmt.Sprintf("arn:%s:route53:::change/*", d.partition)),
		)
	case *plan.Fence:
		if c.DynamoDBItem != nil {
			return d.add(sidFenceDynamoDB, "", []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}, c.DynamoDBItem.Table)
		}
		return d.add(sidFenceSSM, "", []string{"ssm:GetParameter", "ssm:PutParameter"}, c.SSMParameter)
	case *plan.Lambda:
		return d.add(sidLambdaInvoke, "", []string{"lambda:InvokeFunction"}, c.Function)
	case *plan.AlarmWait:
		// DescribeAlarms accepts alarm ARNs (the alarm resource type); only
		// composite alarms need "*", and alarm-wait reads metric alarms by
		// name.
		return d.add(sidAlarmsDescribe, "", []string{"cloudwatch:DescribeAlarms"}, c.Alarms...)
	case *plan.EventSourceMapping:
		arns := make([]string, len(c.Mappings))
		for i, m := range c.Mappings {
			arns[i] = m
			if !strings.HasPrefix(m, "arn:") {
				arns[i] = fmt.Sprintf("arn:%s:lambda:%s:%s:event-source-mapping:%s", d.partition, ref.Workflow.Region, d.account, m)
			}
		}
		return d.add(sidEventSourceMappings, "", []string{"lambda:GetEventSourceMapping", "lambda:UpdateEventSourceMapping"}, arns...)
	case *plan.RunPlan:
		// The nested plan runs in this Region, on this Region's own
		// execute-plan state machine (named, so no cross-stack reference).
		sm := d.prefix + "-" + executePlan
		return first(
			d.add(sidNestedPlanStart, "", []string{"states:StartExecution"},
				fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:%s", d.partition, d.region, d.account, sm)),
			d.add(sidNestedPlanDescribe, reasonNestedExecutions, []string{"states:DescribeExecution"},
				fmt.Sprintf("arn:%s:states:%s:%s:execution:%s:*", d.partition, d.region, d.account, sm)),
		)
	}
	return fmt.Errorf("block %s has no IAM mapping for the plan execution role (add one in infra/controlplane/planperms.go, or list it in delegatedBlocks with the reason)", st.Block)
}

func first(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ecsServiceARN is the service ARN (long format) of s:
// arn:P:ecs:R:A:service/CLUSTER/SERVICE from the cluster ARN
// arn:P:ecs:R:A:cluster/CLUSTER.
func ecsServiceARN(s plan.ECSService) string {
	a, err := plan.ParseARN(s.Cluster)
	if err != nil {
		return ""
	}
	a.Resource = "service/" + a.ResourceID() + "/" + s.Service
	return a.String()
}

// asgARN is the group's ARN when the plan names one, else an ARN with the
// group id wildcarded and the name exact, in the target Region.
func (d *deriver) asgARN(nameOrARN string) string {
	if strings.HasPrefix(nameOrARN, "arn:") {
		return nameOrARN
	}
	return fmt.Sprintf("arn:%s:autoscaling:%s:%s:autoScalingGroup:*:autoScalingGroupName/%s", d.partition, d.region, d.account, nameOrARN)
}

// dbInstancesOf is every DB instance in the Region and account of the DB
// cluster ARN cluster.
func dbInstancesOf(cluster string) string {
	a, err := plan.ParseARN(cluster)
	if err != nil {
		return ""
	}
	a.Resource = "db:*"
	return a.String()
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

// MaxInlinePolicySize is IAM's limit on the total size of a role's inline
// policies, in characters without whitespace (IAM and AWS STS quotas: "Role
// policy size"). The plan execution role's statements are one inline policy.
const MaxInlinePolicySize = 10240

// PolicySize is the size IAM counts for the statements as one policy
// document (JSON without whitespace), so synth can refuse a role that a
// deploy would reject.
func (p PlanPermissions) PolicySize() int {
	type stmt struct {
		Sid      string   `json:"Sid,omitempty"`
		Effect   string   `json:"Effect"`
		Action   []string `json:"Action"`
		Resource []string `json:"Resource"`
	}
	doc := struct {
		Version   string `json:"Version"`
		Statement []stmt `json:"Statement"`
	}{Version: "2012-10-17"}
	for _, st := range p {
		doc.Statement = append(doc.Statement, stmt{Sid: st.Sid, Effect: "Allow", Action: st.Actions, Resource: st.Resources})
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return 0
	}
	return len(b)
}
