package sim

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
)

const (
	east = "us-east-1"
	west = "us-west-2"
	gid  = "payments-global"
)

func newTestWorld(t *testing.T) (*World, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	w, err := New(Options{Clock: clk, Regions: []string{east, west}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	err = w.AddGlobalCluster(GlobalClusterSpec{ID: gid, Lag: ConstantLag(2 * time.Second), Members: []MemberSpec{
		{Region: east, ClusterID: "payments-use1", Writer: true, Instances: 2},
		{Region: west, ClusterID: "payments-usw2"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return w, clk
}

// recordEvents collects RDS event IDs.
func recordEvents(w *World) *[]string {
	var ids []string
	w.Subscribe(func(e Event) {
		var d struct{ EventID, Message string }
		if e.Source == "aws.rds" {
			_ = jsonUnmarshal(e.Detail, &d)
			ids = append(ids, d.EventID)
		}
	})
	return &ids
}

func describe(t *testing.T, w *World, region string) rdstypes.GlobalCluster {
	t.Helper()
	out, err := w.RDS(region).DescribeGlobalClusters(t.Context(), &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(gid)})
	if err != nil {
		t.Fatal(err)
	}
	return out.GlobalClusters[0]
}

func writerArn(g rdstypes.GlobalCluster) string {
	for _, m := range g.GlobalClusterMembers {
		if aws.ToBool(m.IsWriter) {
			return aws.ToString(m.DBClusterArn)
		}
	}
	return ""
}

func TestSwitchover(t *testing.T) {
	w, clk := newTestWorld(t)
	ids := recordEvents(w)
	target := w.clusterARN(west, "payments-usw2")
	out, err := w.RDS(west).SwitchoverGlobalCluster(t.Context(), &rds.SwitchoverGlobalClusterInput{
		GlobalClusterIdentifier: aws.String(gid), TargetDbClusterIdentifier: aws.String(target)})
	if err != nil {
		t.Fatal(err)
	}
	fs := out.GlobalCluster.FailoverState
	if fs == nil || fs.Status != rdstypes.FailoverStatusPending || aws.ToBool(fs.IsDataLossAllowed) || aws.ToString(fs.ToDbClusterArn) != target {
		t.Fatalf("FailoverState after start = %+v, want pending to %s without data loss", fs, target)
	}
	d := w.Durations()
	clk.Advance(d.SwitchoverPending)
	if st := describe(t, w, west).FailoverState.Status; st != FailoverStatusSwitchingOver {
		t.Fatalf("status after pending = %s, want switching-over", st)
	}
	if ws := w.Writers(); len(ws) != 0 {
		t.Fatalf("writers during switchover = %v, want none (writes are blocked)", ws)
	}
	// lag 2s drains, then promotion.
	clk.Advance(2*time.Second + d.SwitchoverPromote)
	if got := w.Writers(); len(got) != 1 || got[0] != west {
		t.Fatalf("writers after promotion = %v, want [%s]", got, west)
	}
	clk.Advance(d.SwitchoverFinish - d.SwitchoverPromote)
	g := describe(t, w, east)
	if g.FailoverState != nil || writerArn(g) != target || aws.ToString(g.Status) != "available" {
		t.Fatalf("after finish: FailoverState=%+v writer=%s status=%s", g.FailoverState, writerArn(g), aws.ToString(g.Status))
	}
	want := []string{"RDS-EVENT-0181", "RDS-EVENT-0183", "RDS-EVENT-0182", "RDS-EVENT-0184", "RDS-EVENT-0185"}
	if !equalStrings(*ids, want) {
		t.Fatalf("events = %v, want %v", *ids, want)
	}
	ops := w.GlobalOps(gid)
	if len(ops) != 1 || ops[0].Outcome != "completed" || ops[0].DataLoss != 0 || ops[0].ToRegion != west {
		t.Fatalf("ops = %+v", ops)
	}
	if total := ops[0].EndedAt.Sub(ops[0].StartedAt); total != d.SwitchoverPending+2*time.Second+d.SwitchoverFinish {
		t.Fatalf("switchover took %s", total)
	}
}

func TestSwitchoverSourceDownThenFailover(t *testing.T) {
	w, clk := newTestWorld(t)
	ids := recordEvents(w)
	if _, err := w.InjectSpec("region-down:" + east); err != nil {
		t.Fatal(err)
	}
	target := "payments-usw2"
	_, err := w.RDS(west).SwitchoverGlobalCluster(t.Context(), &rds.SwitchoverGlobalClusterInput{
		GlobalClusterIdentifier: aws.String(gid), TargetDbClusterIdentifier: aws.String(target)})
	if err != nil {
		t.Fatal(err)
	}
	d := w.Durations()
	clk.Advance(d.SwitchoverPending)
	g := describe(t, w, west)
	if g.FailoverState == nil || g.FailoverState.Status != rdstypes.FailoverStatusCancelling {
		t.Fatalf("FailoverState = %+v, want cancelling", g.FailoverState)
	}
	// A failover is refused while the switchover is cancelling.
	_, err = w.RDS(west).FailoverGlobalCluster(t.Context(), &rds.FailoverGlobalClusterInput{
		GlobalClusterIdentifier: aws.String(gid), TargetDbClusterIdentifier: aws.String(target), AllowDataLoss: aws.Bool(true)})
	var bad *rdstypes.InvalidGlobalClusterStateFault
	if !errors.As(err, &bad) {
		t.Fatalf("failover while cancelling: err = %v, want InvalidGlobalClusterStateFault", err)
	}
	clk.Advance(d.Cancel)
	if ops := w.GlobalOps(gid); ops[0].Outcome != "failed" {
		t.Fatalf("switchover outcome = %q, want failed", ops[0].Outcome)
	}
	_, err = w.RDS(west).FailoverGlobalCluster(t.Context(), &rds.FailoverGlobalClusterInput{
		GlobalClusterIdentifier: aws.String(gid), TargetDbClusterIdentifier: aws.String(target), AllowDataLoss: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(d.SwitchoverPending + d.Failover)
	if got := w.Writers(); !equalStrings(got, []string{west}) {
		t.Fatalf("writers = %v, want [%s]", got, west)
	}
	losses := w.DataLosses()
	if len(losses) != 1 || losses[0].Lost != 2*time.Second {
		t.Fatalf("data losses = %+v, want one of 2s", losses)
	}
	g = describe(t, w, west)
	for _, m := range g.GlobalClusterMembers {
		if !aws.ToBool(m.IsWriter) && m.SynchronizationStatus != rdstypes.GlobalClusterMemberSynchronizationStatusPendingResync {
			t.Fatalf("old primary sync = %s while its Region is down, want pending-resync", m.SynchronizationStatus)
		}
	}
	clk.Advance(time.Hour)
	if got := describe(t, w, west).GlobalClusterMembers; got[0].SynchronizationStatus != rdstypes.GlobalClusterMemberSynchronizationStatusPendingResync {
		t.Fatalf("old primary rejoined while its Region is down")
	}
	if err := w.SetRegionDown(east, false); err != nil {
		t.Fatal(err)
	}
	clk.Advance(d.Resync)
	for _, m := range describe(t, w, east).GlobalClusterMembers {
		if m.SynchronizationStatus != rdstypes.GlobalClusterMemberSynchronizationStatusConnected {
			t.Fatalf("member %s sync = %s after resync", aws.ToString(m.DBClusterArn), m.SynchronizationStatus)
		}
	}
	if got := w.Writers(); !equalStrings(got, []string{west}) {
		t.Fatalf("writers after the old Region returns = %v, want only %s (no split brain)", got, west)
	}
	want := []string{"RDS-EVENT-0181", "RDS-EVENT-0187", "RDS-EVENT-0238", "RDS-EVENT-0240", "RDS-EVENT-0241"}
	if !equalStrings(*ids, want) {
		t.Fatalf("events = %v, want %v", *ids, want)
	}
}

func TestGlobalOpValidation(t *testing.T) {
	tests := []struct {
		name     string
		in       *rds.FailoverGlobalClusterInput
		wantCode string
	}{
		{"unknown global cluster", &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: aws.String("nope"), TargetDbClusterIdentifier: aws.String("payments-usw2")}, "GlobalClusterNotFoundFault"},
		{"target not a member", &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(gid), TargetDbClusterIdentifier: aws.String("other")}, "DBClusterNotFoundFault"},
		{"target already writer", &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(gid), TargetDbClusterIdentifier: aws.String("payments-use1")}, "InvalidGlobalClusterStateFault"},
		{"both flags", &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(gid), TargetDbClusterIdentifier: aws.String("payments-usw2"), AllowDataLoss: aws.Bool(true), Switchover: aws.Bool(true)}, "InvalidParameterCombination"},
		{"missing target", &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(gid)}, "MissingParameter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := newTestWorld(t)
			_, err := w.RDS(west).FailoverGlobalCluster(t.Context(), tc.in)
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tc.wantCode {
				t.Fatalf("err = %v, want API error %s", err, tc.wantCode)
			}
		})
	}
	t.Run("second operation while one runs", func(t *testing.T) {
		w, _ := newTestWorld(t)
		in := &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(gid), TargetDbClusterIdentifier: aws.String("payments-usw2")}
		if _, err := w.RDS(west).SwitchoverGlobalCluster(t.Context(), in); err != nil {
			t.Fatal(err)
		}
		_, err := w.RDS(west).SwitchoverGlobalCluster(t.Context(), in)
		var bad *rdstypes.InvalidGlobalClusterStateFault
		if !errors.As(err, &bad) {
			t.Fatalf("err = %v, want InvalidGlobalClusterStateFault", err)
		}
	})
}

func TestFailoverLosesLagSpike(t *testing.T) {
	w, clk := newTestWorld(t)
	if _, err := w.InjectSpec("lag-spike:cluster=" + gid + ",seconds=45"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Second)
	lag, err := w.ReplicationLag(gid, west)
	if err != nil || lag != 42*time.Second {
		t.Fatalf("lag 5s into a 45s spike = %s, %v; want 42s (2s base + 40s left)", lag, err)
	}
	_, err = w.RDS(west).FailoverGlobalCluster(t.Context(), &rds.FailoverGlobalClusterInput{GlobalClusterIdentifier: aws.String(gid),
		TargetDbClusterIdentifier: aws.String("payments-usw2"), AllowDataLoss: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	g := describe(t, w, west)
	if !aws.ToBool(g.FailoverState.IsDataLossAllowed) {
		t.Fatal("IsDataLossAllowed = false for a failover")
	}
	clk.Advance(w.Durations().SwitchoverPending)
	if st := describe(t, w, west).FailoverState.Status; st != rdstypes.FailoverStatusFailingOver {
		t.Fatalf("status = %s, want failing-over", st)
	}
	clk.Advance(w.Durations().Failover)
	if l := w.DataLosses(); len(l) != 1 || l[0].Lost != 42*time.Second {
		t.Fatalf("data loss = %+v, want 42s", l)
	}
}

func TestDBClustersAndInstances(t *testing.T) {
	w, clk := newTestWorld(t)
	c := w.RDS(east)
	cl, err := c.DescribeDBClusters(t.Context(), &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("payments-use1")})
	if err != nil {
		t.Fatal(err)
	}
	if got := cl.DBClusters[0]; aws.ToString(got.GlobalClusterIdentifier) != gid || len(got.DBClusterMembers) != 2 || !aws.ToBool(got.DBClusterMembers[0].IsClusterWriter) {
		t.Fatalf("cluster = %+v", got)
	}
	if _, err := c.DescribeDBClusters(t.Context(), &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("payments-usw2")}); !isCode(err, "DBClusterNotFound") {
		t.Fatalf("describing another Region's cluster: err = %v, want DBClusterNotFoundFault", err)
	}
	if _, err := c.ModifyDBInstance(t.Context(), &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String("payments-use1-instance-1"), DBInstanceClass: aws.String("db.r6g.2xlarge")}); err != nil {
		t.Fatal(err)
	}
	inst, err := c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("payments-use1-instance-1")})
	if err != nil {
		t.Fatal(err)
	}
	if got := inst.DBInstances[0]; aws.ToString(got.DBInstanceStatus) != "modifying" || aws.ToString(got.DBInstanceClass) != "db.r6g.large" {
		t.Fatalf("instance right after modify = %s %s", aws.ToString(got.DBInstanceStatus), aws.ToString(got.DBInstanceClass))
	}
	clk.Advance(w.Durations().InstanceModify)
	inst, _ = c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("payments-use1-instance-1")})
	if got := inst.DBInstances[0]; aws.ToString(got.DBInstanceStatus) != "available" || aws.ToString(got.DBInstanceClass) != "db.r6g.2xlarge" {
		t.Fatalf("instance after modify = %s %s", aws.ToString(got.DBInstanceStatus), aws.ToString(got.DBInstanceClass))
	}
	_, err = c.ModifyDBCluster(t.Context(), &rds.ModifyDBClusterInput{DBClusterIdentifier: aws.String("payments-use1"),
		ServerlessV2ScalingConfiguration: &rdstypes.ServerlessV2ScalingConfiguration{MinCapacity: aws.Float64(8), MaxCapacity: aws.Float64(4)}})
	if !isCode(err, "InvalidParameterCombination") {
		t.Fatalf("min > max: err = %v", err)
	}
	mc, err := c.ModifyDBCluster(t.Context(), &rds.ModifyDBClusterInput{DBClusterIdentifier: aws.String("payments-use1"),
		ServerlessV2ScalingConfiguration: &rdstypes.ServerlessV2ScalingConfiguration{MinCapacity: aws.Float64(4), MaxCapacity: aws.Float64(64)}})
	if err != nil || aws.ToFloat64(mc.DBCluster.ServerlessV2ScalingConfiguration.MaxCapacity) != 64 {
		t.Fatalf("modify serverless: %v %+v", err, mc)
	}
}
