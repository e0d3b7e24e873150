package sim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECSServiceSpec describes an ECS service.
type ECSServiceSpec struct {
	Region  string
	Cluster string
	Service string
	// Desired is the initial desired count; its tasks are running already.
	Desired int32
	// MaxTasks is a quota: at most this many tasks run (0 = no quota).
	MaxTasks int32
	// MinHealthy is the running count at which the app in the Region counts
	// as healthy (default 1).
	MinHealthy int32
	// PeakTasks, when > 0, seeds 24 h of RunningTaskCount and CPUUtilization
	// history whose peak is PeakTasks tasks.
	PeakTasks int32
}

type ecsService struct {
	region, cluster, name, arn string
	fleet                      fleet
}

func (w *World) ecsClusterARN(region, cluster string) string {
	return fmt.Sprintf("arn:aws:ecs:%s:%s:cluster/%s", region, w.account, cluster)
}

// AddECSService adds an ECS service (and its cluster, if new).
func (w *World) AddECSService(spec ECSServiceSpec) error {
	return w.mutate(func(now time.Time) error {
		if err := w.checkRegion(spec.Region); err != nil {
			return fmt.Errorf("ECS service %s/%s: %w", spec.Cluster, spec.Service, err)
		}
		if spec.Cluster == "" || spec.Service == "" {
			return fmt.Errorf("ECS service in %s: Cluster and Service are required (got %q, %q)", spec.Region, spec.Cluster, spec.Service)
		}
		key := spec.Region + "/" + spec.Cluster + "/" + spec.Service
		if _, ok := w.ecs[key]; ok {
			return fmt.Errorf("ECS service %s/%s in %s: %w", spec.Cluster, spec.Service, spec.Region, ErrDuplicate)
		}
		w.ecsClusters[spec.Region+"/"+spec.Cluster] = true
		s := &ecsService{region: spec.Region, cluster: spec.Cluster, name: spec.Service,
			arn: fmt.Sprintf("arn:aws:ecs:%s:%s:service/%s/%s", spec.Region, w.account, spec.Cluster, spec.Service),
			fleet: fleet{desired: spec.Desired, running: spec.Desired, startup: w.d.ECSTaskStart, quota: spec.MaxTasks,
				minHealthy: spec.MinHealthy, lastAdvance: now}}
		s.fleet.updateHealth(now)
		w.ecs[key] = s
		if spec.PeakTasks > 0 {
			dims := map[string]string{"ClusterName": spec.Cluster, "ServiceName": spec.Service}
			w.seedDiurnal(now, spec.Region, "ECS/ContainerInsights", "RunningTaskCount", dims, float64(spec.PeakTasks), true)
			w.seedDiurnal(now, spec.Region, "AWS/ECS", "CPUUtilization", dims, 70, false)
		}
		return nil
	})
}

// ECSClient is a Region's simulated ECS API.
type ECSClient struct {
	w      *World
	region string
}

// ECS returns the ECS client for region.
func (w *World) ECS(region string) *ECSClient { return &ECSClient{w: w, region: region} }

// lastSegment turns an ARN or name into the name.
func lastSegment(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

func (c *ECSClient) cluster(ref *string) (string, error) {
	name := "default"
	if ref != nil && *ref != "" {
		name = lastSegment(*ref)
	}
	if !c.w.ecsClusters[c.region+"/"+name] {
		return "", &ecstypes.ClusterNotFoundException{Message: aws.String("Cluster not found.")}
	}
	return name, nil
}

func (c *ECSClient) snapshot(s *ecsService, now time.Time) ecstypes.Service {
	f := &s.fleet
	pending := f.desired - f.running
	rollout := ecstypes.DeploymentRolloutStateCompleted
	if pending > 0 {
		rollout = ecstypes.DeploymentRolloutStateInProgress
	}
	out := ecstypes.Service{ServiceName: aws.String(s.name), ServiceArn: aws.String(s.arn),
		ClusterArn: aws.String(c.w.ecsClusterARN(s.region, s.cluster)), Status: aws.String("ACTIVE"),
		DesiredCount: f.desired, RunningCount: f.running, PendingCount: pending, LaunchType: ecstypes.LaunchTypeFargate,
		SchedulingStrategy: ecstypes.SchedulingStrategyReplica,
		Deployments: []ecstypes.Deployment{{Id: aws.String("ecs-svc/" + s.name), Status: aws.String("PRIMARY"),
			DesiredCount: f.desired, RunningCount: f.running, PendingCount: pending, RolloutState: rollout}}}
	if f.blocked {
		out.Events = []ecstypes.ServiceEvent{{CreatedAt: aws.Time(now), Id: aws.String(fmt.Sprintf("sim-%d", c.w.newID())),
			Message: aws.String(fmt.Sprintf("(service %s) was unable to place a task. Reason: Capacity is unavailable at this time. Please try again later or in a different availability zone.", s.name))}}
	}
	return out
}

// DescribeServices describes services of a cluster; unknown ones come back
// as Failures with reason MISSING.
func (c *ECSClient) DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	if in == nil {
		in = &ecs.DescribeServicesInput{}
	}
	out := &ecs.DescribeServicesOutput{}
	err := c.w.do(ctx, svcECS, "DescribeServices", c.region, func(now time.Time) error {
		cl, err := c.cluster(in.Cluster)
		if err != nil {
			return err
		}
		if len(in.Services) == 0 || len(in.Services) > 10 {
			return &ecstypes.InvalidParameterException{Message: aws.String("services must contain between 1 and 10 names or ARNs.")}
		}
		for _, ref := range in.Services {
			s := c.w.ecs[c.region+"/"+cl+"/"+lastSegment(ref)]
			if s == nil {
				out.Failures = append(out.Failures, ecstypes.Failure{Arn: aws.String(ref), Reason: aws.String("MISSING")})
				continue
			}
			out.Services = append(out.Services, c.snapshot(s, now))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateService sets a service's desired count (other fields are ignored).
// New tasks run after Durations.ECSTaskStart, as capacity allows.
func (c *ECSClient) UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, _ ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error) {
	if in == nil {
		in = &ecs.UpdateServiceInput{}
	}
	out := &ecs.UpdateServiceOutput{}
	err := c.w.do(ctx, svcECS, "UpdateService", c.region, func(now time.Time) error {
		cl, err := c.cluster(in.Cluster)
		if err != nil {
			return err
		}
		if in.Service == nil {
			return &ecstypes.InvalidParameterException{Message: aws.String("service is required.")}
		}
		s := c.w.ecs[c.region+"/"+cl+"/"+lastSegment(*in.Service)]
		if s == nil {
			return &ecstypes.ServiceNotFoundException{Message: aws.String("Service not found.")}
		}
		if in.DesiredCount != nil {
			if *in.DesiredCount < 0 {
				return &ecstypes.InvalidParameterException{Message: aws.String("desiredCount must be >= 0.")}
			}
			s.fleet.setDesired(now, *in.DesiredCount)
			s.fleet.advance(now, c.w.capacityPercent(c.region, "ecs"))
		}
		snap := c.snapshot(s, now)
		out.Service = &snap
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeClusters describes clusters; unknown ones come back as Failures.
func (c *ECSClient) DescribeClusters(ctx context.Context, in *ecs.DescribeClustersInput, _ ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error) {
	if in == nil {
		in = &ecs.DescribeClustersInput{}
	}
	out := &ecs.DescribeClustersOutput{}
	err := c.w.do(ctx, svcECS, "DescribeClusters", c.region, func(time.Time) error {
		refs := in.Clusters
		if len(refs) == 0 {
			refs = []string{"default"}
		}
		for _, ref := range refs {
			name := lastSegment(ref)
			if !c.w.ecsClusters[c.region+"/"+name] {
				out.Failures = append(out.Failures, ecstypes.Failure{Arn: aws.String(c.w.ecsClusterARN(c.region, name)), Reason: aws.String("MISSING")})
				continue
			}
			cl := ecstypes.Cluster{ClusterName: aws.String(name), ClusterArn: aws.String(c.w.ecsClusterARN(c.region, name)), Status: aws.String("ACTIVE")}
			for _, k := range sortedKeys(c.w.ecs) {
				s := c.w.ecs[k]
				if s.region == c.region && s.cluster == name {
					cl.ActiveServicesCount++
					cl.RunningTasksCount += s.fleet.running
					cl.PendingTasksCount += s.fleet.desired - s.fleet.running
				}
			}
			out.Clusters = append(out.Clusters, cl)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
