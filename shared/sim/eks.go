package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
)

// NodegroupSpec describes an EKS managed node group.
type NodegroupSpec struct {
	Region  string
	Cluster string
	Name    string
	Min     int32
	Max     int32
	// Desired nodes, already Ready.
	Desired int32
	// MinHealthy Ready nodes for the app to be healthy (default 1).
	MinHealthy int32
}

type nodegroup struct {
	region, cluster, name, arn string
	min, max                   int32
	fleet                      fleet
}

// AddNodegroup adds an EKS managed node group.
func (w *World) AddNodegroup(spec NodegroupSpec) error {
	return w.mutate(func(now time.Time) error {
		if err := w.checkRegion(spec.Region); err != nil {
			return fmt.Errorf("EKS node group %s/%s: %w", spec.Cluster, spec.Name, err)
		}
		if spec.Cluster == "" || spec.Name == "" {
			return fmt.Errorf("EKS node group in %s: Cluster and Name are required", spec.Region)
		}
		if spec.Min < 0 || spec.Min > spec.Desired || spec.Desired > spec.Max {
			return fmt.Errorf("EKS node group %s: need 0 <= Min <= Desired <= Max (got %d, %d, %d)", spec.Name, spec.Min, spec.Desired, spec.Max)
		}
		key := spec.Region + "/" + spec.Cluster + "/" + spec.Name
		if _, ok := w.nodegroups[key]; ok {
			return fmt.Errorf("EKS node group %s/%s in %s: %w", spec.Cluster, spec.Name, spec.Region, ErrDuplicate)
		}
		n := &nodegroup{region: spec.Region, cluster: spec.Cluster, name: spec.Name, min: spec.Min, max: spec.Max,
			arn:   fmt.Sprintf("arn:aws:eks:%s:%s:nodegroup/%s/%s/sim", spec.Region, w.account, spec.Cluster, spec.Name),
			fleet: fleet{desired: spec.Desired, running: spec.Desired, startup: w.d.NodeWarmup, minHealthy: spec.MinHealthy, lastAdvance: now}}
		n.fleet.updateHealth(now)
		w.nodegroups[key] = n
		return nil
	})
}

// EKSClient is a Region's simulated EKS API.
type EKSClient struct {
	w      *World
	region string
}

// EKS returns the EKS client for region.
func (w *World) EKS(region string) *EKSClient { return &EKSClient{w: w, region: region} }

func (c *EKSClient) find(cluster, name *string) (*nodegroup, error) {
	n := c.w.nodegroups[c.region+"/"+aws.ToString(cluster)+"/"+aws.ToString(name)]
	if n == nil {
		return nil, &ekstypes.ResourceNotFoundException{ClusterName: cluster, NodegroupName: name,
			Message: aws.String(fmt.Sprintf("No node group found for name: %s.", aws.ToString(name)))}
	}
	return n, nil
}

func (c *EKSClient) snapshot(n *nodegroup) *ekstypes.Nodegroup {
	st := ekstypes.NodegroupStatusActive
	if n.fleet.running < n.fleet.desired {
		st = ekstypes.NodegroupStatusUpdating
	}
	return &ekstypes.Nodegroup{NodegroupName: aws.String(n.name), ClusterName: aws.String(n.cluster), NodegroupArn: aws.String(n.arn),
		Status: st, InstanceTypes: []string{"m6g.large"}, CapacityType: ekstypes.CapacityTypesOnDemand,
		ScalingConfig: &ekstypes.NodegroupScalingConfig{MinSize: aws.Int32(n.min), MaxSize: aws.Int32(n.max), DesiredSize: aws.Int32(n.fleet.desired)},
		Health:        &ekstypes.NodegroupHealth{}}
}

// ReadyNodes is the number of Ready nodes of a node group (EKS reports it
// only through Kubernetes; drills and tests read it here).
func (w *World) ReadyNodes(region, cluster, name string) (int32, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.settleNow()
	n := w.nodegroups[region+"/"+cluster+"/"+name]
	if n == nil {
		return 0, fmt.Errorf("EKS node group %s/%s in %s not found", cluster, name, region)
	}
	return n.fleet.running, nil
}

// DescribeNodegroup describes a node group; Status is UPDATING while nodes
// warm up.
func (c *EKSClient) DescribeNodegroup(ctx context.Context, in *eks.DescribeNodegroupInput, _ ...func(*eks.Options)) (*eks.DescribeNodegroupOutput, error) {
	if in == nil {
		in = &eks.DescribeNodegroupInput{}
	}
	out := &eks.DescribeNodegroupOutput{}
	err := c.w.do(ctx, svcEKS, "DescribeNodegroup", c.region, func(time.Time) error {
		n, err := c.find(in.ClusterName, in.NodegroupName)
		if err != nil {
			return err
		}
		out.Nodegroup = c.snapshot(n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateNodegroupConfig changes the scaling configuration (other fields are
// ignored). New nodes are Ready after Durations.NodeWarmup.
func (c *EKSClient) UpdateNodegroupConfig(ctx context.Context, in *eks.UpdateNodegroupConfigInput, _ ...func(*eks.Options)) (*eks.UpdateNodegroupConfigOutput, error) {
	if in == nil {
		in = &eks.UpdateNodegroupConfigInput{}
	}
	out := &eks.UpdateNodegroupConfigOutput{}
	err := c.w.do(ctx, svcEKS, "UpdateNodegroupConfig", c.region, func(now time.Time) error {
		n, err := c.find(in.ClusterName, in.NodegroupName)
		if err != nil {
			return err
		}
		lo, hi, want := n.min, n.max, n.fleet.desired
		if sc := in.ScalingConfig; sc != nil {
			if sc.MinSize != nil {
				lo = *sc.MinSize
			}
			if sc.MaxSize != nil {
				hi = *sc.MaxSize
			}
			if sc.DesiredSize != nil {
				want = *sc.DesiredSize
			}
		}
		if lo < 0 || hi < 1 || lo > want || want > hi {
			return &ekstypes.InvalidParameterException{ClusterName: in.ClusterName, NodegroupName: in.NodegroupName,
				Message: aws.String(fmt.Sprintf("Minimum capacity %d can't be greater than desired size %d, and desired size can't be greater than maximum capacity %d.", lo, want, hi))}
		}
		n.min, n.max = lo, hi
		n.fleet.setDesired(now, want)
		n.fleet.advance(now, c.w.capacityPercent(c.region, "eks"))
		out.Update = &ekstypes.Update{Id: aws.String(fmt.Sprintf("sim-update-%06d", c.w.newID())), Status: ekstypes.UpdateStatusInProgress,
			Type: ekstypes.UpdateTypeConfigUpdate, CreatedAt: aws.Time(now)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
