package drill

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/eks"

	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

// recordedPeaks are the sources' peak capacities read from the source
// Region's CloudWatch before the drill's faults, as the scheduled readiness
// evaluation records them in production. The *-scale blocks fall back on
// them in ungraceful mode, when the source Region must not be called.
type recordedPeaks map[string]int32 // block/step → peak

var _ blocks.PeakHints = recordedPeaks(nil)

// SourcePeak implements blocks.PeakHints.
func (r recordedPeaks) SourcePeak(_ context.Context, block, step string) (int32, bool) {
	n, ok := r[block+"/"+step]
	return n, ok
}

// recordPeaks reads the peak of every scaling step's source over its
// look-back window (the metrics the blocks read: ECS Container Insights
// RunningTaskCount, Auto Scaling GroupInServiceInstances, Container
// Insights cluster_node_count); where the world has no such metrics (the
// simulator records none for EKS node groups), the source's current desired
// size, as the blocks themselves fall back on in graceful mode. A step whose
// source can be read neither way is left out.
func recordPeaks(ctx context.Context, w *sim.World, plans []*plan.Plan, flows map[string]*plan.Workflow) recordedPeaks {
	out := recordedPeaks{}
	for _, p := range plans {
		wf := flows[p.Metadata.Name]
		if wf == nil {
			continue
		}
		_, source := p.StepRegions(wf)
		if source == "" {
			continue
		}
		for _, st := range wf.Stages {
			for _, step := range st.Steps {
				var ns, name string
				var dims map[string]string
				var lookback time.Duration
				switch c := step.With.(type) {
				case *plan.ECSScale:
					ns, name, lookback = "ECS/ContainerInsights", "RunningTaskCount", time.Duration(c.Lookback)
					dims = map[string]string{"ClusterName": arnTail(c.Source.Cluster, "cluster"), "ServiceName": c.Source.Service}
				case *plan.ASGScale:
					ns, name, lookback = "AWS/AutoScaling", "GroupInServiceInstances", time.Duration(c.Lookback)
					group := c.Source.Name
					if _, after, ok := strings.Cut(group, "autoScalingGroupName/"); ok {
						group = after
					}
					dims = map[string]string{"AutoScalingGroupName": group}
				case *plan.EKSScale:
					ns, name, lookback = "ContainerInsights", "cluster_node_count", time.Duration(c.Lookback)
					dims = map[string]string{"ClusterName": arnTail(c.Source.Cluster, "cluster")}
				default:
					continue
				}
				if peak, ok := metricMax(ctx, w.CloudWatch(source), ns, name, dims, w.Clock().Now(), lookback); ok {
					out[step.Block+"/"+step.Name] = int32(peak + 0.5)
				} else if n, ok := currentSize(ctx, w, source, step.With); ok {
					out[step.Block+"/"+step.Name] = n
				}
			}
		}
	}
	return out
}

func metricMax(ctx context.Context, cw *sim.CloudWatchClient, ns, name string, dims map[string]string, now time.Time, window time.Duration) (float64, bool) {
	if window <= 0 {
		window = 24 * time.Hour
	}
	var ds []cwtypes.Dimension
	for k, v := range dims {
		ds = append(ds, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(v)})
	}
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(now.Add(-window)), EndTime: aws.Time(now),
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("peak"), ReturnData: aws.Bool(true),
			MetricStat: &cwtypes.MetricStat{Metric: &cwtypes.Metric{Namespace: aws.String(ns), MetricName: aws.String(name), Dimensions: ds},
				Period: aws.Int32(300), Stat: aws.String("Maximum")}}}}
	peak, ok := 0.0, false
	for {
		out, err := cw.GetMetricData(ctx, in)
		if err != nil {
			return 0, false
		}
		for _, r := range out.MetricDataResults {
			for _, v := range r.Values {
				if !ok || v > peak {
					peak, ok = v, true
				}
			}
		}
		if out.NextToken == nil {
			return peak, ok
		}
		in.NextToken = out.NextToken
	}
}

// currentSize is the desired size of a scaling step's source fleet.
func currentSize(ctx context.Context, w *sim.World, region string, cfg plan.Config) (int32, bool) {
	c := w.Clients()
	switch cfg := cfg.(type) {
	case *plan.ECSScale:
		out, err := c.ECS(region).DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(arnTail(cfg.Source.Cluster, "cluster")), Services: []string{cfg.Source.Service}})
		if err == nil && len(out.Services) == 1 {
			return out.Services[0].DesiredCount, true
		}
	case *plan.ASGScale:
		group := cfg.Source.Name
		if _, after, ok := strings.Cut(group, "autoScalingGroupName/"); ok {
			group = after
		}
		out, err := c.AutoScaling(region).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{group}})
		if err == nil && len(out.AutoScalingGroups) == 1 && out.AutoScalingGroups[0].DesiredCapacity != nil {
			return *out.AutoScalingGroups[0].DesiredCapacity, true
		}
	case *plan.EKSScale:
		out, err := c.EKS(region).DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(arnTail(cfg.Source.Cluster, "cluster")), NodegroupName: aws.String(cfg.Source.Deployment)})
		if err == nil && out.Nodegroup != nil && out.Nodegroup.ScalingConfig != nil && out.Nodegroup.ScalingConfig.DesiredSize != nil {
			return *out.Nodegroup.ScalingConfig.DesiredSize, true
		}
	}
	return 0, false
}
