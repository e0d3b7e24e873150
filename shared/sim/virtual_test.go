package sim

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/switchyard-dev/switchyard/shared/awsapi"
	"github.com/switchyard-dev/switchyard/shared/clock"
)

var virtualStart = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// virtualWorld is the two-Region world of the drill on a virtual clock:
// Aurora writer in us-east-1, the standby's ECS service in us-west-2 too
// small to count as healthy, and the STOP pattern on the primary record.
// The clock is held (it cannot jump) until the caller, having started its
// tracked goroutines, calls release.
func virtualWorld(tb testing.TB) (w *World, clk *clock.Virtual, release func()) {
	tb.Helper()
	clk = clock.NewVirtual(virtualStart)
	release = clk.Hold()
	tb.Cleanup(release)
	w, err := New(Options{Clock: clk, Regions: []string{east, west}, Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	steps := []error{
		w.AddGlobalCluster(GlobalClusterSpec{ID: gid, Lag: ConstantLag(2 * time.Second), Members: []MemberSpec{
			{Region: east, ClusterID: "payments-use1", Writer: true},
			{Region: west, ClusterID: "payments-usw2"},
		}}),
		w.AddECSService(ECSServiceSpec{Region: west, Cluster: "payments", Service: "api", Desired: 1, MinHealthy: 4}),
		w.AddStopSignal(StopSignalSpec{Bucket: westBucket, Region: west, Key: flagKey, PrimaryRegion: east, ReplicaBucket: eastBucket,
			URL: primaryURL, HealthCheckID: stopCheckID}),
		w.AddHostedZone("Z1", "example.com"),
		w.AddRecord("Z1", RecordSpec{Name: "app.example.com", SetIdentifier: "primary", Failover: r53types.ResourceRecordSetFailoverPrimary, HealthCheckID: stopCheckID, Region: east}),
		w.AddRecord("Z1", RecordSpec{Name: "app.example.com", SetIdentifier: "secondary", Failover: r53types.ResourceRecordSetFailoverSecondary, Region: west}),
		w.SetApp("Z1", "app.example.com"),
	}
	for i, err := range steps {
		if err != nil {
			tb.Fatalf("building the world, step %d: %v", i, err)
		}
	}
	return w, clk, release
}

// drillResult is what the drill observed, all in virtual time.
type drillResult struct {
	switchedAt, scaledAt, endpointDownAt, servedAt time.Time
	servedSince                                    time.Time
	op                                             GlobalOpRecord
	end                                            time.Time
	err                                            error
}

// runDrill drives switchover, scale-up and STOP through awsapi.Clients and
// the HTTP client, polling with clk.Sleep like the blocks do. It runs in a
// tracked goroutine and reads every result before returning, since the
// clock may move on once no participant is left.
func runDrill(ctx context.Context, w *World, clk clock.Clock) (r drillResult) {
	cs := w.Clients()
	poll := func(every time.Duration, done func() (bool, error)) (time.Time, error) {
		for range 1000 {
			ok, err := done()
			if err != nil {
				return time.Time{}, err
			}
			if ok {
				return clk.Now(), nil
			}
			if err := clk.Sleep(ctx, every); err != nil {
				return time.Time{}, err
			}
		}
		return time.Time{}, fmt.Errorf("gave up polling at %v", clk.Now())
	}
	fail := func(what string, err error) drillResult {
		r.err = fmt.Errorf("%s: %w", what, err)
		return r
	}
	var rdsAPI awsapi.RDS = cs.RDS(west)
	target := w.clusterARN(west, "payments-usw2")
	if _, err := rdsAPI.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{
		GlobalClusterIdentifier: aws.String(gid), TargetDbClusterIdentifier: aws.String(target)}); err != nil {
		return fail("switchover", err)
	}
	var err error
	if r.switchedAt, err = poll(5*time.Second, func() (bool, error) {
		out, err := rdsAPI.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(gid)})
		if err != nil {
			return false, err
		}
		g := out.GlobalClusters[0]
		return g.FailoverState == nil && writerArn(g) == target, nil
	}); err != nil {
		return fail("waiting for the switchover", err)
	}

	ecsAPI := cs.ECS(west)
	if _, err := ecsAPI.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String("payments"), Service: aws.String("api"), DesiredCount: aws.Int32(4)}); err != nil {
		return fail("scale-up", err)
	}
	if r.scaledAt, err = poll(10*time.Second, func() (bool, error) {
		out, err := ecsAPI.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("payments"), Services: []string{"api"}})
		if err != nil {
			return false, err
		}
		return out.Services[0].RunningCount == 4, nil
	}); err != nil {
		return fail("waiting for the scale-up", err)
	}

	if _, err := cs.S3(west).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(westBucket), Key: aws.String(flagKey)}); err != nil {
		return fail("publishing the STOP flag", err)
	}
	hc := w.HTTP().Client()
	if r.endpointDownAt, err = poll(10*time.Second, func() (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, primaryURL, nil)
		if err != nil {
			return false, err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable, nil
	}); err != nil {
		return fail("verifying the primary endpoint", err)
	}
	if r.servedAt, err = poll(10*time.Second, func() (bool, error) {
		reg, healthy := w.ServingRegion()
		return reg == west && healthy, nil
	}); err != nil {
		return fail("waiting for traffic", err)
	}
	var ok bool
	if r.servedSince, ok = w.ServedSince(west); !ok {
		return fail("ServedSince", fmt.Errorf("%s is not serving", west))
	}
	r.op = w.GlobalOps(gid)[0]
	r.end = clk.Now()
	return r
}

func TestVirtualClockDrill(t *testing.T) {
	w, clk, release := virtualWorld(t)
	d := w.Durations()
	wall := time.Now()
	res := make(chan drillResult, 1)
	clk.Go(func() { res <- runDrill(t.Context(), w, clk) })
	release()
	r := <-res
	t.Logf("drill covered %v of virtual time in %v of wall time", r.end.Sub(virtualStart), time.Since(wall))
	if r.err != nil {
		t.Fatal(r.err)
	}
	at := func(d time.Duration) time.Time { return virtualStart.Add(d) }
	// Timeline (seconds): switchover pending 10 + lag drain 2 + finish 75
	// = 87, seen by the 5 s poll at 90; tasks start 60 s after the
	// scale-up: 150; the flag replicates at 165, seen at 170; checkers
	// notice at 255; clients follow one TTL later, at 315, seen at 320.
	switchDone := d.SwitchoverPending + 2*time.Second + d.SwitchoverFinish
	flagAt := 90*time.Second + d.ECSTaskStart
	served := flagAt + d.S3Replication + d.HealthCheckDetection + d.DNSTTL
	tests := []struct {
		name      string
		got, want time.Time
	}{
		{"switchover completed (world record)", r.op.EndedAt, at(switchDone)},
		{"switchover observed by the poller", r.switchedAt, at(90 * time.Second)},
		{"scale-up observed", r.scaledAt, at(flagAt)},
		{"primary endpoint observed unhealthy", r.endpointDownAt, at(170 * time.Second)},
		{"ServedSince in the standby", r.servedSince, at(served)},
		{"traffic observed in the standby", r.servedAt, at(320 * time.Second)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.got.Equal(tc.want) {
				t.Fatalf("at +%v, want +%v", tc.got.Sub(virtualStart), tc.want.Sub(virtualStart))
			}
		})
	}
	if r.op.Outcome != "completed" || r.op.ToRegion != west {
		t.Fatalf("switchover record %+v, want completed to %s", r.op, west)
	}
}

func BenchmarkVirtualClockDrill(b *testing.B) {
	for b.Loop() {
		w, clk, release := virtualWorld(b)
		res := make(chan drillResult, 1)
		clk.Go(func() { res <- runDrill(b.Context(), w, clk) })
		release()
		if r := <-res; r.err != nil {
			b.Fatal(r.err)
		}
	}
}

// TestVirtualClockConcurrentSTOP has tracked goroutines publish and
// withdraw the flag while others poll the endpoint and the object: the race
// detector stays quiet, and once the last withdrawal settles traffic is
// back on the primary.
func TestVirtualClockConcurrentSTOP(t *testing.T) {
	w, clk, release := virtualWorld(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	track := func(f func() error) {
		wg.Add(1)
		clk.Go(func() {
			defer wg.Done()
			if err := f(); err != nil {
				errs <- err
			}
		})
	}
	ctx := t.Context()
	track(func() error { // the operator: publish, wait, withdraw, three times
		for range 3 {
			if _, err := w.S3(west).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(westBucket), Key: aws.String(flagKey)}); err != nil {
				return err
			}
			if err := clk.Sleep(ctx, 5*time.Minute); err != nil {
				return err
			}
			if _, err := w.S3(west).DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(westBucket), Key: aws.String(flagKey)}); err != nil {
				return err
			}
			if err := clk.Sleep(ctx, 5*time.Minute); err != nil {
				return err
			}
		}
		return nil
	})
	for range 3 {
		track(func() error { // pollers
			for range 60 {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, primaryURL, nil)
				resp, err := w.HTTP().Do(req)
				if err != nil {
					return err
				}
				resp.Body.Close()
				_, _ = w.S3(east).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(eastBucket), Key: aws.String(flagKey)})
				_ = w.Traffic()
				if err := clk.Sleep(ctx, 10*time.Second); err != nil {
					return err
				}
			}
			return nil
		})
	}
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := clk.Now().Sub(virtualStart); got < 30*time.Minute {
		t.Fatalf("virtual time advanced %v, want at least the operator's 30 minutes", got)
	}
	if tr := w.Traffic(); !equalStrings(tr.Answer, []string{east}) || !equalStrings(tr.Clients, []string{east}) {
		t.Fatalf("after the last withdrawal: %+v, want everything on %s", tr, east)
	}
	if code, err := w.EndpointStatus(primaryURL); err != nil || code != http.StatusOK {
		t.Fatalf("primary endpoint = %d, %v; want 200", code, err)
	}
}
