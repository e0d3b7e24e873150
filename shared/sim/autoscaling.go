package sim

import (
	"context"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// ASGSpec describes an Auto Scaling group.
type ASGSpec struct {
	Region string
	Name   string
	Min    int32
	Max    int32
	// Desired instances, already InService.
	Desired int32
	// MinHealthy InService instances for the app to be healthy (default 1).
	MinHealthy int32
	// PeakInstances, when > 0, seeds 24 h of GroupInServiceInstances.
	PeakInstances int32
}

type asg struct {
	region, name, arn string
	min, max          int32
	fleet             fleet
}

// AddASG adds an Auto Scaling group.
func (w *World) AddASG(spec ASGSpec) error {
	return w.mutate(func(now time.Time) error {
		if err := w.checkRegion(spec.Region); err != nil {
			return fmt.Errorf("Auto Scaling group %s: %w", spec.Name, err)
		}
		if spec.Name == "" {
			return fmt.Errorf("Auto Scaling group in %s: Name is empty", spec.Region)
		}
		if spec.Min < 0 || spec.Min > spec.Desired || spec.Desired > spec.Max {
			return fmt.Errorf("Auto Scaling group %s: need 0 <= Min <= Desired <= Max (got %d, %d, %d)", spec.Name, spec.Min, spec.Desired, spec.Max)
		}
		key := spec.Region + "/" + spec.Name
		if _, ok := w.asgs[key]; ok {
			return fmt.Errorf("Auto Scaling group %s in %s: %w", spec.Name, spec.Region, ErrDuplicate)
		}
		a := &asg{region: spec.Region, name: spec.Name, min: spec.Min, max: spec.Max,
			arn:   fmt.Sprintf("arn:aws:autoscaling:%s:%s:autoScalingGroup:%08x:autoScalingGroupName/%s", spec.Region, w.account, crc32.ChecksumIEEE([]byte(spec.Name)), spec.Name),
			fleet: fleet{desired: spec.Desired, running: spec.Desired, startup: w.d.InstanceWarmup, minHealthy: spec.MinHealthy, lastAdvance: now}}
		a.fleet.updateHealth(now)
		w.asgs[key] = a
		if spec.PeakInstances > 0 {
			w.seedDiurnal(now, spec.Region, "AWS/AutoScaling", "GroupInServiceInstances",
				map[string]string{"AutoScalingGroupName": spec.Name}, float64(spec.PeakInstances), true)
		}
		return nil
	})
}

// AutoScalingClient is a Region's simulated Auto Scaling API.
type AutoScalingClient struct {
	w      *World
	region string
}

// AutoScaling returns the Auto Scaling client for region.
func (w *World) AutoScaling(region string) *AutoScalingClient {
	return &AutoScalingClient{w: w, region: region}
}

func validationError(msg string) error { return apiError("ValidationError", msg, faultClient) }

func (c *AutoScalingClient) group(name *string) (*asg, error) {
	if name == nil || *name == "" {
		return nil, validationError("1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy constraint: Member must not be null")
	}
	a := c.w.asgs[c.region+"/"+*name]
	if a == nil {
		return nil, validationError(fmt.Sprintf("AutoScalingGroup name not found - AutoScalingGroup '%s' not found", *name))
	}
	return a, nil
}

func (c *AutoScalingClient) snapshot(a *asg) astypes.AutoScalingGroup {
	f := &a.fleet
	out := astypes.AutoScalingGroup{AutoScalingGroupName: aws.String(a.name), AutoScalingGroupARN: aws.String(a.arn),
		MinSize: aws.Int32(a.min), MaxSize: aws.Int32(a.max), DesiredCapacity: aws.Int32(f.desired),
		DefaultCooldown: aws.Int32(300), HealthCheckType: aws.String("ELB"),
		DefaultInstanceWarmup: aws.Int32(int32(c.w.d.InstanceWarmup / time.Second)),
		AvailabilityZones:     []string{a.region + "a", a.region + "b", a.region + "c"}}
	h := crc32.ChecksumIEEE([]byte(a.region + a.name))
	for k := int32(0); k < f.desired; k++ {
		st := astypes.LifecycleStateInService
		if k >= f.running {
			st = astypes.LifecycleStatePending
		}
		out.Instances = append(out.Instances, astypes.Instance{InstanceId: aws.String(fmt.Sprintf("i-%08x%09d", h, k)),
			LifecycleState: st, HealthStatus: aws.String("Healthy"), AvailabilityZone: aws.String(fmt.Sprintf("%s%c", a.region, 'a'+rune(k%3))),
			ProtectedFromScaleIn: aws.Bool(false), InstanceType: aws.String("m6g.large")})
	}
	return out
}

// DescribeAutoScalingGroups describes the named groups (unknown names are
// left out, as the real API does) or all groups.
func (c *AutoScalingClient) DescribeAutoScalingGroups(ctx context.Context, in *autoscaling.DescribeAutoScalingGroupsInput, _ ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error) {
	if in == nil {
		in = &autoscaling.DescribeAutoScalingGroupsInput{}
	}
	out := &autoscaling.DescribeAutoScalingGroupsOutput{}
	err := c.w.do(ctx, svcAutoScaling, "DescribeAutoScalingGroups", c.region, func(time.Time) error {
		if len(in.AutoScalingGroupNames) > 0 {
			for _, n := range in.AutoScalingGroupNames {
				if a := c.w.asgs[c.region+"/"+n]; a != nil {
					out.AutoScalingGroups = append(out.AutoScalingGroups, c.snapshot(a))
				}
			}
			return nil
		}
		for _, k := range sortedKeys(c.w.asgs) {
			if a := c.w.asgs[k]; a.region == c.region {
				out.AutoScalingGroups = append(out.AutoScalingGroups, c.snapshot(a))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *AutoScalingClient) setDesired(a *asg, now time.Time, n int32) error {
	if n > a.max {
		return validationError(fmt.Sprintf("New SetDesiredCapacity value %d is above max value %d for the AutoScalingGroup.", n, a.max))
	}
	if n < a.min {
		return validationError(fmt.Sprintf("New SetDesiredCapacity value %d is below min value %d for the AutoScalingGroup.", n, a.min))
	}
	a.fleet.setDesired(now, n)
	a.fleet.advance(now, c.w.capacityPercent(c.region, "asg"))
	return nil
}

// UpdateAutoScalingGroup changes MinSize, MaxSize and DesiredCapacity
// (other fields are ignored). New instances are InService after
// Durations.InstanceWarmup, as capacity allows.
func (c *AutoScalingClient) UpdateAutoScalingGroup(ctx context.Context, in *autoscaling.UpdateAutoScalingGroupInput, _ ...func(*autoscaling.Options)) (*autoscaling.UpdateAutoScalingGroupOutput, error) {
	if in == nil {
		in = &autoscaling.UpdateAutoScalingGroupInput{}
	}
	err := c.w.do(ctx, svcAutoScaling, "UpdateAutoScalingGroup", c.region, func(now time.Time) error {
		a, err := c.group(in.AutoScalingGroupName)
		if err != nil {
			return err
		}
		lo, hi, want := a.min, a.max, a.fleet.desired
		if in.MinSize != nil {
			lo = *in.MinSize
		}
		if in.MaxSize != nil {
			hi = *in.MaxSize
		}
		if in.DesiredCapacity != nil {
			want = *in.DesiredCapacity
		}
		if lo > hi {
			return validationError(fmt.Sprintf("Max bound, %d, must be greater than or equal to min bound, %d", hi, lo))
		}
		if in.DesiredCapacity == nil {
			want = min(max(want, lo), hi)
		}
		oldMin, oldMax := a.min, a.max
		a.min, a.max = lo, hi
		if err := c.setDesired(a, now, want); err != nil {
			a.min, a.max = oldMin, oldMax
			return validationError(fmt.Sprintf("Desired capacity:%d must be between the specified min size:%d and max size:%d", want, lo, hi))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &autoscaling.UpdateAutoScalingGroupOutput{}, nil
}

// SetDesiredCapacity sets a group's desired capacity within [min, max].
func (c *AutoScalingClient) SetDesiredCapacity(ctx context.Context, in *autoscaling.SetDesiredCapacityInput, _ ...func(*autoscaling.Options)) (*autoscaling.SetDesiredCapacityOutput, error) {
	if in == nil {
		in = &autoscaling.SetDesiredCapacityInput{}
	}
	err := c.w.do(ctx, svcAutoScaling, "SetDesiredCapacity", c.region, func(now time.Time) error {
		a, err := c.group(in.AutoScalingGroupName)
		if err != nil {
			return err
		}
		if in.DesiredCapacity == nil {
			return validationError("1 validation error detected: Value null at 'desiredCapacity' failed to satisfy constraint: Member must not be null")
		}
		return c.setDesired(a, now, *in.DesiredCapacity)
	})
	if err != nil {
		return nil, err
	}
	return &autoscaling.SetDesiredCapacityOutput{}, nil
}
