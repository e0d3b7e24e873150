package blocks

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// auroraPollFallback is how often the runner looks again when no RDS event
// arrives while a global switchover or failover runs.
const auroraPollFallback = 30 * time.Second

// auroraLagWindow is how far back the replication lag metric is read.
const auroraLagWindow = 5 * time.Minute

// auroraGlobal moves an Aurora global database's writer to the target
// Region's member.
//
// Graceful: SwitchoverGlobalCluster (RDS drains the replication lag before
// it moves the writer, so RPO is 0); the source Region must answer first.
// Ungraceful: FailoverGlobalCluster with AllowDataLoss, called only in the
// target Region; the lag read just before the call (the target member's
// AuroraGlobalDBReplicationLag in the target Region's CloudWatch) is
// recorded as Outputs["rpoSeconds"]. When that lag exceeds maxDataLoss, or
// cannot be read, the block refuses with errclass.Conflict so the runner
// asks an operator.
//
// Idempotency: any FailoverState moving the writer to the target member is
// treated as this step's operation in progress (a duplicate or re-invoked
// Start issues nothing); a FailoverState towards another member is a
// Conflict. Done only when DescribeGlobalClusters shows the target member as
// writer with FailoverState cleared. An operation this attempt issued that
// ends with the writer elsewhere (a cancelled switchover) is Terminal.
type auroraGlobal struct{ *deps }

type auroraState struct {
	// Op is the call this attempt made: "switchover" or "failover".
	Op       string    `json:"op,omitempty"`
	IssuedAt time.Time `json:"issuedAt,omitzero"`
	// LagMs is the replication lag accepted by a failover, in ms.
	LagMs *float64 `json:"lagMs,omitempty"`
	// Seen is the kind of operation towards the target observed in
	// progress when this attempt did not issue one itself.
	Seen string `json:"seen,omitempty"`
}

type auroraView struct {
	arn, id      string
	writer       string // member cluster ARN of the writer
	target       *rdstypes.GlobalClusterMember
	failover     *rdstypes.FailoverState
	targetMember string
}

func (b *auroraGlobal) observe(ctx context.Context, region string, cfg *plan.AuroraGlobal, targetARN string) (auroraView, error) {
	out, err := b.clients.RDS(region).DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(arnName(cfg.GlobalCluster))})
	if err != nil {
		return auroraView{}, errclass.Classify(fmt.Sprintf("describing global cluster %s in %s", arnName(cfg.GlobalCluster), region), err)
	}
	if len(out.GlobalClusters) == 0 {
		return auroraView{}, &errclass.Terminal{Op: fmt.Sprintf("describing global cluster %s in %s", arnName(cfg.GlobalCluster), region), Err: errors.New("not found")}
	}
	g := out.GlobalClusters[0]
	// The configured ARN names the cluster in errors and event keys, so
	// the runner can compare it with the plan (it is the same cluster
	// DescribeGlobalClusters returned).
	v := auroraView{arn: cfg.GlobalCluster, id: aws.ToString(g.GlobalClusterIdentifier), failover: g.FailoverState, targetMember: targetARN}
	for i := range g.GlobalClusterMembers {
		m := &g.GlobalClusterMembers[i]
		if aws.ToBool(m.IsWriter) {
			v.writer = aws.ToString(m.DBClusterArn)
		}
		if sameCluster(aws.ToString(m.DBClusterArn), targetARN) {
			v.target = m
		}
	}
	return v, nil
}

// sameCluster compares two DB cluster references (ARNs or identifiers).
func sameCluster(a, b string) bool { return a == b || arnName(a) == arnName(b) }

func (b *auroraGlobal) Start(ctx context.Context, req Request) (Progress, error) {
	return b.reconcile(ctx, req, true)
}

func (b *auroraGlobal) Poll(ctx context.Context, req Request) (Progress, error) {
	return b.reconcile(ctx, req, false)
}

func (b *auroraGlobal) reconcile(ctx context.Context, req Request, starting bool) (Progress, error) {
	cfg, err := configOf[*plan.AuroraGlobal](req)
	if err != nil {
		return Progress{}, err
	}
	if err := requireTarget(req); err != nil {
		return Progress{}, err
	}
	targetARN := cfg.Members[req.Target]
	if targetARN == "" {
		return Progress{}, &errclass.InvalidInput{Field: "with.members", Message: fmt.Sprintf("step %s: no member cluster for the target Region %s", stepName(req), req.Target)}
	}
	var st auroraState
	if !starting {
		if err := loadState(req, &st); err != nil {
			return Progress{}, err
		}
	}
	v, err := b.observe(ctx, req.Target, cfg, targetARN)
	if err != nil {
		return Progress{}, err
	}
	if v.target == nil {
		return Progress{}, &errclass.Terminal{Op: fmt.Sprintf("step %s", stepName(req)),
			Err: fmt.Errorf("%s is not a member of global cluster %s", arnName(targetARN), v.id)}
	}
	if fs := v.failover; fs != nil && fs.Status != "" {
		if !sameCluster(aws.ToString(fs.ToDbClusterArn), targetARN) {
			return Progress{}, &errclass.Conflict{Resource: v.arn, Message: fmt.Sprintf(
				"a global %s from %s to %s is already in progress (FailoverState %s), not requested by this step; wait for it to finish or cancel it",
				opName(fs), arnName(aws.ToString(fs.FromDbClusterArn)), arnName(aws.ToString(fs.ToDbClusterArn)), fs.Status)}
		}
		if st.Op == "" {
			st.Seen = opName(fs)
		}
		return b.inProgress(v, st, fmt.Sprintf("global %s to %s in progress (%s)", opName(fs), arnName(targetARN), fs.Status)), nil
	}
	if sameCluster(v.writer, targetARN) {
		out := map[string]any{"writerRegion": req.Target, "writerCluster": targetARN}
		msg := fmt.Sprintf("%s is the writer of %s", arnName(targetARN), v.id)
		switch {
		case st.Op == "failover" && st.LagMs != nil:
			out["rpoSeconds"] = *st.LagMs / 1000
			msg += fmt.Sprintf(" (failover accepted %.1fs of replication lag)", *st.LagMs/1000)
		case st.Op == "switchover" || (st.Op == "" && st.Seen == "switchover"):
			out["rpoSeconds"] = 0.0
		}
		return Progress{Done: true, State: mustState(st), Message: msg, Outputs: out}, nil
	}
	if st.Op != "" {
		// This attempt's operation ended without moving the writer.
		return Progress{}, &errclass.Terminal{Op: fmt.Sprintf("step %s: global %s of %s to %s", stepName(req), st.Op, v.id, arnName(targetARN)),
			Err: fmt.Errorf("the operation ended with %s still the writer (cancelled or failed; RDS cancels a switchover when the source Region is unreachable: switch to ungraceful to fail over)", arnName(v.writer))}
	}
	if v.target.SynchronizationStatus == rdstypes.GlobalClusterMemberSynchronizationStatusPendingResync {
		return Progress{}, &errclass.Conflict{Resource: v.arn, Message: fmt.Sprintf("member %s is resynchronising and cannot be promoted yet", arnName(targetARN))}
	}
	if req.Mode == Ungraceful {
		return b.failover(ctx, req, cfg, v, targetARN)
	}
	return b.switchover(ctx, req, cfg, v, targetARN)
}

func opName(fs *rdstypes.FailoverState) string {
	if aws.ToBool(fs.IsDataLossAllowed) {
		return "failover"
	}
	return "switchover"
}

func (b *auroraGlobal) inProgress(v auroraView, st auroraState, msg string) Progress {
	// RDS names the member clusters in the resources of its global
	// switchover/failover events; targetCluster lets the runner match
	// those as well as the global cluster ARN.
	return Progress{State: mustState(st), PollAfter: auroraPollFallback, WaitForEvent: true, EventKey: v.arn, Message: msg,
		Outputs: map[string]any{"targetCluster": v.targetMember}}
}

func (b *auroraGlobal) switchover(ctx context.Context, req Request, cfg *plan.AuroraGlobal, v auroraView, targetARN string) (Progress, error) {
	if req.Source == "" {
		return Progress{}, &errclass.InvalidInput{Field: "source", Message: fmt.Sprintf("step %s: a graceful switchover needs the source Region", stepName(req))}
	}
	// A switchover needs the source Region: check it answers before asking
	// RDS, so an unreachable source fails fast (Retryable) instead of
	// starting a switchover that RDS would cancel.
	if src := cfg.Members[req.Source]; src != "" {
		if _, err := b.clients.RDS(req.Source).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(src)}); err != nil {
			return Progress{}, errclass.Classify(fmt.Sprintf("graceful switchover of %s needs the source Region %s, which did not answer", v.id, req.Source), err)
		}
	}
	_, err := b.clients.RDS(req.Target).SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{
		GlobalClusterIdentifier: aws.String(v.id), TargetDbClusterIdentifier: aws.String(targetARN)})
	if err != nil {
		return Progress{}, errclass.Classify(fmt.Sprintf("switching over %s to %s", v.id, req.Target), err)
	}
	st := auroraState{Op: "switchover", IssuedAt: b.clk.Now()}
	return b.inProgress(v, st, fmt.Sprintf("switchover of %s to %s started", v.id, arnName(targetARN))), nil
}

func (b *auroraGlobal) failover(ctx context.Context, req Request, cfg *plan.AuroraGlobal, v auroraView, targetARN string) (Progress, error) {
	lagMs, ok, err := b.latestMetric(ctx, req.Target, "AWS/RDS", "AuroraGlobalDBReplicationLag",
		map[string]string{"DBClusterIdentifier": arnName(targetARN)}, auroraLagWindow)
	if err != nil {
		return Progress{}, err
	}
	if !ok {
		return Progress{}, &errclass.Conflict{Resource: v.arn, Message: fmt.Sprintf(
			"no AuroraGlobalDBReplicationLag datapoint for %s in %s over the last %s: the data loss of a failover is unknown, so it needs an operator's decision",
			arnName(targetARN), req.Target, auroraLagWindow)}
	}
	lag := time.Duration(lagMs * float64(time.Millisecond))
	if max := cfg.MaxDataLoss.D(); lag > max {
		return Progress{}, &errclass.Conflict{Resource: v.arn, Message: fmt.Sprintf(
			"replication lag of %s is %.1fs, above maxDataLoss %s: failing over would lose more than the plan allows; an operator must decide",
			arnName(targetARN), lag.Seconds(), max)}
	}
	_, err = b.clients.RDS(req.Target).FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{
		GlobalClusterIdentifier: aws.String(v.id), TargetDbClusterIdentifier: aws.String(targetARN), AllowDataLoss: aws.Bool(true)})
	if err != nil {
		return Progress{}, errclass.Classify(fmt.Sprintf("failing over %s to %s", v.id, req.Target), err)
	}
	lagMs = math.Round(lagMs)
	st := auroraState{Op: "failover", IssuedAt: b.clk.Now(), LagMs: &lagMs}
	p := b.inProgress(v, st, fmt.Sprintf("failover of %s to %s started, accepting %.1fs of replication lag", v.id, arnName(targetARN), lagMs/1000))
	p.Outputs["rpoSeconds"] = lagMs / 1000
	return p, nil
}

// Check: the global cluster exists (seen from the target Region), the
// target member belongs to it and is connected, no failover runs, and the
// replication lag is within maxDataLoss.
func (b *auroraGlobal) Check(ctx context.Context, req Request) ([]Finding, error) {
	cfg, err := configOf[*plan.AuroraGlobal](req)
	if err != nil {
		return nil, err
	}
	if err := requireTarget(req); err != nil {
		return nil, err
	}
	targetARN := cfg.Members[req.Target]
	if targetARN == "" {
		return []Finding{{Severity: "error", Resource: cfg.GlobalCluster, Check: "aurora-global/member",
			Message: fmt.Sprintf("no member cluster configured for %s", req.Target)}}, nil
	}
	v, err := b.observe(ctx, req.Target, cfg, targetARN)
	if err != nil {
		if notFound(err) {
			return []Finding{{Severity: "error", Resource: cfg.GlobalCluster, Check: "aurora-global/exists",
				Message: fmt.Sprintf("global cluster %s does not exist (seen from %s)", arnName(cfg.GlobalCluster), req.Target)}}, nil
		}
		return nil, err
	}
	var fs []Finding
	switch {
	case v.target == nil:
		return []Finding{{Severity: "error", Resource: targetARN, Check: "aurora-global/member",
			Message: fmt.Sprintf("%s is not a member of global cluster %s", arnName(targetARN), v.id)}}, nil
	case sameCluster(v.writer, targetARN):
		fs = append(fs, Finding{Severity: "info", Resource: targetARN, Check: "aurora-global/writer",
			Message: fmt.Sprintf("%s in %s is already the writer", arnName(targetARN), req.Target)})
	case v.target.SynchronizationStatus == rdstypes.GlobalClusterMemberSynchronizationStatusPendingResync:
		fs = append(fs, Finding{Severity: "error", Resource: targetARN, Check: "aurora-global/sync",
			Message: fmt.Sprintf("%s is resynchronising and cannot be promoted yet", arnName(targetARN))})
	}
	if f := v.failover; f != nil && f.Status != "" {
		fs = append(fs, Finding{Severity: "warning", Resource: v.arn, Check: "aurora-global/failover-state",
			Message: fmt.Sprintf("a global %s to %s is in progress (%s)", opName(f), arnName(aws.ToString(f.ToDbClusterArn)), f.Status)})
	}
	if !sameCluster(v.writer, targetARN) {
		lagMs, ok, err := b.latestMetric(ctx, req.Target, "AWS/RDS", "AuroraGlobalDBReplicationLag",
			map[string]string{"DBClusterIdentifier": arnName(targetARN)}, auroraLagWindow)
		switch {
		case err != nil:
			fs = append(fs, Finding{Severity: "warning", Resource: targetARN, Check: "aurora-global/replication-lag", Message: "could not read the replication lag: " + err.Error()})
		case !ok:
			fs = append(fs, Finding{Severity: "warning", Resource: targetARN, Check: "aurora-global/replication-lag",
				Message: fmt.Sprintf("no AuroraGlobalDBReplicationLag data for %s in %s; an ungraceful failover would refuse", arnName(targetARN), req.Target)})
		case time.Duration(lagMs*float64(time.Millisecond)) > cfg.MaxDataLoss.D():
			fs = append(fs, Finding{Severity: "warning", Resource: targetARN, Check: "aurora-global/replication-lag",
				Message: fmt.Sprintf("replication lag %.1fs exceeds maxDataLoss %s; an ungraceful failover would ask first", lagMs/1000, cfg.MaxDataLoss)})
		}
	}
	return fs, nil
}
