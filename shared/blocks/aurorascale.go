package blocks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// auroraScale makes the target Aurora cluster as large as the source
// (graceful mode only: it reads the source cluster). match
// instance-class: every target instance gets the class of the source's
// writer instance (ModifyDBInstance, ApplyImmediately; one instance at a
// time); serverless-capacity: the target's Serverless v2 range is raised to
// the source's (never lowered); all: both. Done when the target shows the
// sizes with no modification pending. In ungraceful mode, or when the
// source Region refuses connections, it would need the source sizes
// recorded by readiness, which are not available to blocks yet: it
// completes without resizing, with resized=false and the reason in its
// outputs (throttling and other API errors stay errors).
type auroraScale struct{ *deps }

type clusterSize struct {
	class        string // writer (first) instance class
	svMin, svMax float64
	instances    []rdstypes.DBInstance
}

func (b *auroraScale) size(ctx context.Context, region, cluster string) (clusterSize, error) {
	op := fmt.Sprintf("describing Aurora cluster %s in %s", arnName(cluster), region)
	cl, err := b.clients.RDS(region).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(cluster)})
	if err != nil {
		return clusterSize{}, errclass.Classify(op, err)
	}
	if len(cl.DBClusters) == 0 {
		return clusterSize{}, &errclass.Terminal{Op: op, Err: errors.New("not found")}
	}
	var s clusterSize
	c := cl.DBClusters[0]
	if sv := c.ServerlessV2ScalingConfiguration; sv != nil {
		s.svMin, s.svMax = aws.ToFloat64(sv.MinCapacity), aws.ToFloat64(sv.MaxCapacity)
	}
	writer := ""
	for _, m := range c.DBClusterMembers {
		if aws.ToBool(m.IsClusterWriter) {
			writer = aws.ToString(m.DBInstanceIdentifier)
		}
	}
	in, err := b.clients.RDS(region).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{
		Filters: []rdstypes.Filter{{Name: aws.String("db-cluster-id"), Values: []string{cluster}}}})
	if err != nil {
		return clusterSize{}, errclass.Classify(op, err)
	}
	s.instances = in.DBInstances
	for _, i := range in.DBInstances {
		if s.class == "" || aws.ToString(i.DBInstanceIdentifier) == writer {
			s.class = aws.ToString(i.DBInstanceClass)
		}
	}
	return s, nil
}

func (b *auroraScale) Start(ctx context.Context, req Request) (Progress, error) {
	cfg, err := configOf[*plan.AuroraScale](req)
	if err != nil {
		return Progress{}, err
	}
	// Sizes recorded by readiness are not available to blocks yet: when
	// the source cannot be read the target keeps its size and the outputs
	// say so, rather than holding up the recovery.
	leave := func(reason string) (Progress, error) {
		return Progress{Done: true, Outputs: map[string]any{"resized": false, "reason": reason},
			Message: fmt.Sprintf("%s left at its size: %s", arnName(cfg.Target), reason)}, nil
	}
	if req.Mode == Ungraceful {
		return leave("ungraceful mode: the source Region is not called and no recorded source size is available")
	}
	src, err := b.size(ctx, req.Source, cfg.Source)
	if err != nil {
		if errclass.IsRetryable(err) && errorCode(err) == "" {
			// A connection failure: the source Region is unreachable.
			return leave("the source Region " + req.Source + " does not answer: " + err.Error())
		}
		return Progress{}, err
	}
	dst, err := b.size(ctx, req.Target, cfg.Target)
	if err != nil {
		return Progress{}, err
	}
	match := cfg.Match
	if match == "" {
		match = "all"
	}
	pending := 0
	if match != "instance-class" && src.svMax > 0 && (dst.svMax < src.svMax || dst.svMin < src.svMin) {
		if _, err := b.clients.RDS(req.Target).ModifyDBCluster(ctx, &rds.ModifyDBClusterInput{DBClusterIdentifier: aws.String(cfg.Target), ApplyImmediately: aws.Bool(true),
			ServerlessV2ScalingConfiguration: &rdstypes.ServerlessV2ScalingConfiguration{MinCapacity: aws.Float64(max(src.svMin, dst.svMin)), MaxCapacity: aws.Float64(max(src.svMax, dst.svMax))}}); err != nil {
			return Progress{}, errclass.Classify("raising the Serverless v2 capacity of "+arnName(cfg.Target), err)
		}
		pending++
	}
	if match != "serverless-capacity" && src.class != "" && src.class != "db.serverless" {
		modifying := false
		for _, i := range dst.instances {
			if aws.ToString(i.DBInstanceStatus) == "modifying" || i.PendingModifiedValues != nil && i.PendingModifiedValues.DBInstanceClass != nil {
				modifying = true
			}
		}
		for _, i := range dst.instances {
			if aws.ToString(i.DBInstanceClass) == src.class {
				continue
			}
			pending++
			if modifying {
				break
			}
			if _, err := b.clients.RDS(req.Target).ModifyDBInstance(ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: i.DBInstanceIdentifier,
				DBInstanceClass: aws.String(src.class), ApplyImmediately: aws.Bool(true)}); err != nil {
				return Progress{}, errclass.Classify(fmt.Sprintf("changing %s to %s", aws.ToString(i.DBInstanceIdentifier), src.class), err)
			}
			break
		}
	}
	out := map[string]any{"instanceClass": src.class, "serverlessMax": src.svMax}
	if pending == 0 {
		return Progress{Done: true, Outputs: out, Message: fmt.Sprintf("%s matches %s", arnName(cfg.Target), arnName(cfg.Source))}, nil
	}
	return Progress{PollAfter: time.Minute, Outputs: out, Message: fmt.Sprintf("%d change(s) to %s in progress", pending, arnName(cfg.Target))}, nil
}

func (b *auroraScale) Poll(ctx context.Context, req Request) (Progress, error) {
	return b.Start(ctx, req)
}

// Check: both clusters exist; a smaller target is a warning.
func (b *auroraScale) Check(ctx context.Context, req Request) ([]Finding, error) {
	cfg, err := configOf[*plan.AuroraScale](req)
	if err != nil {
		return nil, err
	}
	dst, err := b.size(ctx, req.Target, cfg.Target)
	if err != nil {
		return []Finding{{Severity: "error", Resource: cfg.Target, Check: "aurora-scale/target", Message: err.Error()}}, nil
	}
	src, err := b.size(ctx, req.Source, cfg.Source)
	if err != nil {
		return []Finding{{Severity: "warning", Resource: cfg.Source, Check: "aurora-scale/source", Message: err.Error()}}, nil
	}
	if src.class != dst.class || src.svMax > dst.svMax {
		return []Finding{{Severity: "warning", Resource: cfg.Target, Check: "aurora-scale/size",
			Message: fmt.Sprintf("target %s (%s, max %g ACU) is smaller than source %s (%s, max %g ACU); the step will resize it", arnName(cfg.Target), dst.class, dst.svMax, arnName(cfg.Source), src.class, src.svMax)}}, nil
	}
	return nil, nil
}
