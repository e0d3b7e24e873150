package sim

import (
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/switchyard-dev/switchyard/shared/clock"
)

// TestRealClockConcurrent runs a short switchover on the wall clock while
// goroutines hammer the world: events arrive from the world's own timer, in
// order, and the race detector stays quiet.
func TestRealClockConcurrent(t *testing.T) {
	ms := time.Millisecond
	w, err := New(Options{Clock: clock.Real{}, Regions: []string{east, west}, Seed: 3, Durations: Durations{
		SwitchoverPending: 5 * ms, SwitchoverDemote: 5 * ms, SwitchoverPromote: 10 * ms, SwitchoverFinish: 15 * ms, ECSTaskStart: 5 * ms}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddGlobalCluster(GlobalClusterSpec{ID: gid, Lag: ConstantLag(ms), Members: []MemberSpec{
		{Region: east, ClusterID: "a", Writer: true}, {Region: west, ClusterID: "b"}}}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddECSService(ECSServiceSpec{Region: west, Cluster: "payments", Service: "api", Desired: 1}); err != nil {
		t.Fatal(err)
	}
	done := clock.Real{}.NewEvent()
	var mu sync.Mutex
	var ids []string
	w.Subscribe(func(e Event) {
		var d struct{ EventID string }
		_ = jsonUnmarshal(e.Detail, &d)
		mu.Lock()
		ids = append(ids, d.EventID)
		mu.Unlock()
		if d.EventID == "RDS-EVENT-0185" {
			done.Fire()
		}
	})
	if _, err := w.RDS(west).SwitchoverGlobalCluster(t.Context(), &rds.SwitchoverGlobalClusterInput{
		GlobalClusterIdentifier: aws.String(gid), TargetDbClusterIdentifier: aws.String("b")}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				_, _ = w.ECS(west).UpdateService(t.Context(), &ecs.UpdateServiceInput{Cluster: aws.String("payments"), Service: aws.String("api"), DesiredCount: aws.Int32(int32(i + j))})
				_, _ = w.RDS(east).DescribeGlobalClusters(t.Context(), &rds.DescribeGlobalClustersInput{})
				_ = w.Writers()
				_, _ = w.ServingRegion()
			}
		}()
	}
	wg.Wait()
	if err := done.Wait(t.Context(), 10*time.Second); err != nil {
		t.Fatalf("switchover did not finish on the wall clock: %v (events %v)", err, ids)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"RDS-EVENT-0181", "RDS-EVENT-0183", "RDS-EVENT-0182", "RDS-EVENT-0184", "RDS-EVENT-0185"}
	if !equalStrings(ids, want) {
		t.Fatalf("events = %v, want %v", ids, want)
	}
}

// BenchmarkDescribeGlobalClusters measures the simulator's own cost per
// call (no latency configured).
func BenchmarkDescribeGlobalClusters(b *testing.B) {
	w, err := New(Options{Clock: newFakeClock(), Regions: []string{east, west}})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.AddGlobalCluster(GlobalClusterSpec{ID: gid, Members: []MemberSpec{
		{Region: east, ClusterID: "a", Writer: true}, {Region: west, ClusterID: "b"}}}); err != nil {
		b.Fatal(err)
	}
	c := w.RDS(west)
	in := &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(gid)}
	for b.Loop() {
		if _, err := c.DescribeGlobalClusters(b.Context(), in); err != nil {
			b.Fatal(err)
		}
	}
}
