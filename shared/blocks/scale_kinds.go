package blocks

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// ecsKind scales an ECS service (UpdateService desiredCount); the source's
// peak is ECS/ContainerInsights RunningTaskCount.
type ecsKind struct{}

func (ecsKind) name() string { return "ecs-scale" }

func (ecsKind) spec(req Request) (scaleSpec, error) {
	c, err := configOf[*plan.ECSScale](req)
	if err != nil {
		return scaleSpec{}, err
	}
	return scaleSpecOf("ecs-scale", arnName(c.Target.Cluster)+"/"+c.Target.Service, arnName(c.Source.Cluster)+"/"+c.Source.Service,
		c.Percent, c.UngracefulMinPercent, c.Lookback), nil
}

func (ecsKind) metric(req Request) (string, string, map[string]string) {
	c := req.Step.With.(*plan.ECSScale)
	return "ECS/ContainerInsights", "RunningTaskCount", map[string]string{"ClusterName": arnName(c.Source.Cluster), "ServiceName": c.Source.Service}
}

func (ecsKind) ref(req Request, source bool) (region string, svc plan.ECSService) {
	c := req.Step.With.(*plan.ECSScale)
	if source {
		return req.Source, c.Source
	}
	return req.Target, c.Target
}

func (k ecsKind) observe(ctx context.Context, d *deps, req Request, source bool) (fleetView, error) {
	region, svc := k.ref(req, source)
	op := fmt.Sprintf("describing ECS service %s/%s in %s", arnName(svc.Cluster), svc.Service, region)
	out, err := d.clients.ECS(region).DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(svc.Cluster), Services: []string{svc.Service}})
	if err != nil {
		return fleetView{}, errclass.Classify(op, err)
	}
	for _, s := range out.Services {
		if aws.ToString(s.ServiceName) == arnName(svc.Service) && aws.ToString(s.Status) != "INACTIVE" {
			return fleetView{desired: s.DesiredCount, running: s.RunningCount, runningKnown: true}, nil
		}
	}
	return fleetView{}, &errclass.Terminal{Op: op, Err: &missingErr{what: "service " + svc.Service}}
}

func (k ecsKind) setDesired(ctx context.Context, d *deps, req Request, _ fleetView, n int32) error {
	region, svc := k.ref(req, false)
	_, err := d.clients.ECS(region).UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String(svc.Cluster), Service: aws.String(svc.Service), DesiredCount: aws.Int32(n)})
	return errclass.Classify(fmt.Sprintf("setting ECS service %s/%s in %s to %d tasks", arnName(svc.Cluster), svc.Service, region, n), err)
}

// asgKind scales an Auto Scaling group (UpdateAutoScalingGroup, raising
// MaxSize when needed); the source's peak is AWS/AutoScaling
// GroupInServiceInstances (group metrics collection must be enabled).
type asgKind struct{}

func (asgKind) name() string { return "asg-scale" }

func (asgKind) spec(req Request) (scaleSpec, error) {
	c, err := configOf[*plan.ASGScale](req)
	if err != nil {
		return scaleSpec{}, err
	}
	return scaleSpecOf("asg-scale", asgName(c.Target.Name), asgName(c.Source.Name), c.Percent, c.UngracefulMinPercent, c.Lookback), nil
}

// asgName is a group's name from its name or ARN
// (…:autoScalingGroupName/NAME).
func asgName(s string) string {
	if i := strings.Index(s, "autoScalingGroupName/"); i >= 0 {
		return s[i+len("autoScalingGroupName/"):]
	}
	return s
}

func (asgKind) metric(req Request) (string, string, map[string]string) {
	c := req.Step.With.(*plan.ASGScale)
	return "AWS/AutoScaling", "GroupInServiceInstances", map[string]string{"AutoScalingGroupName": asgName(c.Source.Name)}
}

func (asgKind) ref(req Request, source bool) (string, string) {
	c := req.Step.With.(*plan.ASGScale)
	if source {
		return req.Source, asgName(c.Source.Name)
	}
	return req.Target, asgName(c.Target.Name)
}

func (k asgKind) observe(ctx context.Context, d *deps, req Request, source bool) (fleetView, error) {
	region, name := k.ref(req, source)
	op := fmt.Sprintf("describing Auto Scaling group %s in %s", name, region)
	out, err := d.clients.AutoScaling(region).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		return fleetView{}, errclass.Classify(op, err)
	}
	for _, g := range out.AutoScalingGroups {
		if aws.ToString(g.AutoScalingGroupName) != name {
			continue
		}
		v := fleetView{desired: aws.ToInt32(g.DesiredCapacity), max: aws.ToInt32(g.MaxSize), runningKnown: true}
		for _, in := range g.Instances {
			if in.LifecycleState == astypes.LifecycleStateInService && aws.ToString(in.HealthStatus) != "Unhealthy" {
				v.running++
			}
		}
		return v, nil
	}
	return fleetView{}, &errclass.Terminal{Op: op, Err: &missingErr{what: "Auto Scaling group " + name}}
}

func (k asgKind) setDesired(ctx context.Context, d *deps, req Request, v fleetView, n int32) error {
	region, name := k.ref(req, false)
	in := &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String(name), DesiredCapacity: aws.Int32(n)}
	if v.max > 0 && n > v.max {
		in.MaxSize = aws.Int32(n)
	}
	_, err := d.clients.AutoScaling(region).UpdateAutoScalingGroup(ctx, in)
	return errclass.Classify(fmt.Sprintf("setting Auto Scaling group %s in %s to %d instances", name, region, n), err)
}

// eksKind scales an EKS managed node group (UpdateNodegroupConfig). The
// plan names the cluster and a "deployment"; with no Kubernetes client,
// Switchyard scales the managed node group of that name. EKS does not
// report Ready nodes, so the step is Done when the group is ACTIVE at (or
// above) the desired size, and the ungraceful minimum percent cannot apply.
// The source's peak is ContainerInsights cluster_node_count (per cluster).
type eksKind struct{}

func (eksKind) name() string { return "eks-scale" }

func (eksKind) spec(req Request) (scaleSpec, error) {
	c, err := configOf[*plan.EKSScale](req)
	if err != nil {
		return scaleSpec{}, err
	}
	return scaleSpecOf("eks-scale", arnName(c.Target.Cluster)+"/"+c.Target.Deployment, arnName(c.Source.Cluster)+"/"+c.Source.Deployment,
		c.Percent, c.UngracefulMinPercent, c.Lookback), nil
}

func (eksKind) metric(req Request) (string, string, map[string]string) {
	c := req.Step.With.(*plan.EKSScale)
	return "ContainerInsights", "cluster_node_count", map[string]string{"ClusterName": arnName(c.Source.Cluster)}
}

func (eksKind) ref(req Request, source bool) (string, plan.EKSDeployment) {
	c := req.Step.With.(*plan.EKSScale)
	if source {
		return req.Source, c.Source
	}
	return req.Target, c.Target
}

func (k eksKind) observe(ctx context.Context, d *deps, req Request, source bool) (fleetView, error) {
	region, ref := k.ref(req, source)
	op := fmt.Sprintf("describing EKS node group %s/%s in %s", arnName(ref.Cluster), ref.Deployment, region)
	out, err := d.clients.EKS(region).DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(arnName(ref.Cluster)), NodegroupName: aws.String(ref.Deployment)})
	if err != nil {
		return fleetView{}, errclass.Classify(op, err)
	}
	ng := out.Nodegroup
	if ng == nil || ng.ScalingConfig == nil {
		return fleetView{}, &errclass.Terminal{Op: op, Err: &missingErr{what: "node group " + ref.Deployment}}
	}
	v := fleetView{desired: aws.ToInt32(ng.ScalingConfig.DesiredSize), max: aws.ToInt32(ng.ScalingConfig.MaxSize)}
	if ng.Status == ekstypes.NodegroupStatusActive {
		v.running = v.desired
	}
	return v, nil
}

func (k eksKind) setDesired(ctx context.Context, d *deps, req Request, v fleetView, n int32) error {
	region, ref := k.ref(req, false)
	sc := &ekstypes.NodegroupScalingConfig{DesiredSize: aws.Int32(n)}
	if v.max > 0 && n > v.max {
		sc.MaxSize = aws.Int32(n)
	}
	_, err := d.clients.EKS(region).UpdateNodegroupConfig(ctx, &eks.UpdateNodegroupConfigInput{ClusterName: aws.String(arnName(ref.Cluster)),
		NodegroupName: aws.String(ref.Deployment), ScalingConfig: sc})
	return errclass.Classify(fmt.Sprintf("setting EKS node group %s/%s in %s to %d nodes", arnName(ref.Cluster), ref.Deployment, region, n), err)
}
