package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
)

func describeAPI(t *testing.T, w *World, region string) (running, pending, desired int32, events []string) {
	t.Helper()
	out, err := w.ECS(region).DescribeServices(t.Context(), &ecs.DescribeServicesInput{Cluster: aws.String("payments"), Services: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	s := out.Services[0]
	for _, e := range s.Events {
		events = append(events, aws.ToString(e.Message))
	}
	return s.RunningCount, s.PendingCount, s.DesiredCount, events
}

func TestECSScaleUp(t *testing.T) {
	tests := []struct {
		name        string
		fault       string
		maxTasks    int32
		wantRunning int32
		wantBlocked bool
	}{
		{"full capacity", "", 0, 10, false},
		{"capacity shortfall 60%", "capacity:region=us-west-2,service=ecs,percent=60", 0, 6, true},
		{"quota of 8 tasks", "", 8, 8, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, clk := newTestWorld(t)
			if err := w.AddECSService(ECSServiceSpec{Region: west, Cluster: "payments", Service: "api", Desired: 2, MaxTasks: tc.maxTasks, MinHealthy: 5}); err != nil {
				t.Fatal(err)
			}
			if tc.fault != "" {
				if _, err := w.InjectSpec(tc.fault); err != nil {
					t.Fatal(err)
				}
			}
			start := clk.Now()
			if _, err := w.ECS(west).UpdateService(t.Context(), &ecs.UpdateServiceInput{Cluster: aws.String("payments"), Service: aws.String("api"), DesiredCount: aws.Int32(10)}); err != nil {
				t.Fatal(err)
			}
			clk.Advance(w.Durations().ECSTaskStart - time.Second)
			if r, p, _, _ := describeAPI(t, w, west); r != 2 || p != 8 {
				t.Fatalf("before start-up: running %d pending %d, want 2 and 8", r, p)
			}
			clk.Advance(time.Second + 30*time.Second) // observed late: state is derived from the clock
			r, p, d, ev := describeAPI(t, w, west)
			if r != tc.wantRunning || d != 10 || p != 10-tc.wantRunning {
				t.Fatalf("after start-up: running %d pending %d desired %d, want %d running", r, p, d, tc.wantRunning)
			}
			if blocked := len(ev) > 0 && strings.Contains(ev[0], "unable to place a task"); blocked != tc.wantBlocked {
				t.Fatalf("placement events %v, want blocked=%v", ev, tc.wantBlocked)
			}
			h := healthOfRegion(w, west)
			if !h.Healthy || !h.HealthySince.Equal(start.Add(w.Durations().ECSTaskStart)) {
				t.Fatalf("health = %+v, want healthy since task start-up", h)
			}
		})
	}
}

func healthOfRegion(w *World, r string) RegionHealth {
	for _, h := range w.Health() {
		if h.Region == r {
			return h
		}
	}
	return RegionHealth{}
}

func TestECSErrorsAndScaleIn(t *testing.T) {
	w, _ := newTestWorld(t)
	if err := w.AddECSService(ECSServiceSpec{Region: west, Cluster: "payments", Service: "api", Desired: 4}); err != nil {
		t.Fatal(err)
	}
	c := w.ECS(west)
	if _, err := c.UpdateService(t.Context(), &ecs.UpdateServiceInput{Cluster: aws.String("nope"), Service: aws.String("api"), DesiredCount: aws.Int32(1)}); !isCode(err, "ClusterNotFoundException") {
		t.Fatalf("unknown cluster: %v", err)
	}
	if _, err := c.UpdateService(t.Context(), &ecs.UpdateServiceInput{Cluster: aws.String("payments"), Service: aws.String("web"), DesiredCount: aws.Int32(1)}); !isCode(err, "ServiceNotFoundException") {
		t.Fatalf("unknown service: %v", err)
	}
	out, err := c.DescribeServices(t.Context(), &ecs.DescribeServicesInput{Cluster: aws.String("payments"), Services: []string{"api", "web"}})
	if err != nil || len(out.Services) != 1 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "MISSING" {
		t.Fatalf("describe with a missing service: %v %+v", err, out)
	}
	if _, err := c.UpdateService(t.Context(), &ecs.UpdateServiceInput{Cluster: aws.String("payments"), Service: aws.String("api"), DesiredCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if r, _, _, _ := describeAPI(t, w, west); r != 1 {
		t.Fatalf("scale-in is immediate: running %d, want 1", r)
	}
	cl, err := c.DescribeClusters(t.Context(), &ecs.DescribeClustersInput{Clusters: []string{"payments"}})
	if err != nil || cl.Clusters[0].RunningTasksCount != 1 || cl.Clusters[0].ActiveServicesCount != 1 {
		t.Fatalf("clusters: %v %+v", err, cl)
	}
}

func TestASG(t *testing.T) {
	w, clk := newTestWorld(t)
	if err := w.AddASG(ASGSpec{Region: west, Name: "web", Min: 1, Max: 10, Desired: 2}); err != nil {
		t.Fatal(err)
	}
	c := w.AutoScaling(west)
	_, err := c.SetDesiredCapacity(t.Context(), &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(12)})
	if !isCode(err, "ValidationError") || !strings.Contains(err.Error(), "above max value 10") {
		t.Fatalf("above max: %v", err)
	}
	if _, err := c.SetDesiredCapacity(t.Context(), &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("nope"), DesiredCapacity: aws.Int32(1)}); !isCode(err, "ValidationError") {
		t.Fatalf("unknown group: %v", err)
	}
	if _, err := c.UpdateAutoScalingGroup(t.Context(), &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), MaxSize: aws.Int32(20), DesiredCapacity: aws.Int32(12)}); err != nil {
		t.Fatal(err)
	}
	inService := func() (n int) {
		out, err := c.DescribeAutoScalingGroups(t.Context(), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"web"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range out.AutoScalingGroups[0].Instances {
			if i.LifecycleState == astypes.LifecycleStateInService {
				n++
			}
		}
		return n
	}
	if n := inService(); n != 2 {
		t.Fatalf("InService before warm-up = %d, want 2", n)
	}
	clk.Advance(w.Durations().InstanceWarmup)
	if n := inService(); n != 12 {
		t.Fatalf("InService after warm-up = %d, want 12", n)
	}
}

func TestEKSNodegroup(t *testing.T) {
	w, clk := newTestWorld(t)
	if err := w.AddNodegroup(NodegroupSpec{Region: west, Cluster: "k", Name: "ng", Min: 1, Max: 5, Desired: 1}); err != nil {
		t.Fatal(err)
	}
	c := w.EKS(west)
	_, err := c.UpdateNodegroupConfig(t.Context(), &eks.UpdateNodegroupConfigInput{ClusterName: aws.String("k"), NodegroupName: aws.String("ng"),
		ScalingConfig: &ekstypes.NodegroupScalingConfig{DesiredSize: aws.Int32(9)}})
	if !isCode(err, "InvalidParameterException") {
		t.Fatalf("desired above max: %v", err)
	}
	up, err := c.UpdateNodegroupConfig(t.Context(), &eks.UpdateNodegroupConfigInput{ClusterName: aws.String("k"), NodegroupName: aws.String("ng"),
		ScalingConfig: &ekstypes.NodegroupScalingConfig{DesiredSize: aws.Int32(4)}})
	if err != nil || up.Update.Status != ekstypes.UpdateStatusInProgress {
		t.Fatalf("update: %v %+v", err, up)
	}
	ng, _ := c.DescribeNodegroup(t.Context(), &eks.DescribeNodegroupInput{ClusterName: aws.String("k"), NodegroupName: aws.String("ng")})
	if ng.Nodegroup.Status != ekstypes.NodegroupStatusUpdating || aws.ToInt32(ng.Nodegroup.ScalingConfig.DesiredSize) != 4 {
		t.Fatalf("nodegroup = %+v", ng.Nodegroup)
	}
	clk.Advance(w.Durations().NodeWarmup)
	if n, _ := w.ReadyNodes(west, "k", "ng"); n != 4 {
		t.Fatalf("ready nodes = %d, want 4", n)
	}
	if _, err := c.DescribeNodegroup(t.Context(), &eks.DescribeNodegroupInput{ClusterName: aws.String("k"), NodegroupName: aws.String("x")}); !isCode(err, "ResourceNotFoundException") {
		t.Fatalf("unknown nodegroup: %v", err)
	}
}
