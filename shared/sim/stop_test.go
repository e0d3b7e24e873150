package sim

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// stopWorld has us-east-1 primary and us-west-2 standby behind failover
// records; the primary record's health check is the STOP endpoint's.
func stopWorld(t *testing.T, mod func(*StopSignalSpec)) (*World, *fakeClock) {
	t.Helper()
	w, clk := newTestWorld(t)
	spec := StopSignalSpec{Bucket: westBucket, Region: west, Key: flagKey, PrimaryRegion: east, ReplicaBucket: eastBucket,
		URL: primaryURL, HealthCheckID: stopCheckID}
	if mod != nil {
		mod(&spec)
	}
	if err := w.AddStopSignal(spec); err != nil {
		t.Fatal(err)
	}
	if err := w.AddHostedZone("Z1", "example.com"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []RecordSpec{
		{Name: "app.example.com", SetIdentifier: "primary", Failover: r53types.ResourceRecordSetFailoverPrimary, HealthCheckID: stopCheckID, Region: east},
		{Name: "app.example.com", SetIdentifier: "secondary", Failover: r53types.ResourceRecordSetFailoverSecondary, Region: west},
	} {
		if err := w.AddRecord("Z1", r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.SetApp("Z1", "app.example.com"); err != nil {
		t.Fatal(err)
	}
	return w, clk
}

func wantAnswer(t *testing.T, w *World, when string, want ...string) Traffic {
	t.Helper()
	tr := w.Traffic()
	if !slices.Equal(tr.Answer, want) {
		t.Fatalf("%s: DNS answer %v, want %v", when, tr.Answer, want)
	}
	return tr
}

func wantEndpoint(t *testing.T, w *World, when string, want int) {
	t.Helper()
	code, err := w.EndpointStatus(primaryURL)
	if err != nil || code != want {
		t.Fatalf("%s: primary endpoint = %d, %v; want %d", when, code, err, want)
	}
}

func hcHealthy(t *testing.T, w *World) bool {
	t.Helper()
	out, err := w.Route53().GetHealthCheckStatus(t.Context(), &route53.GetHealthCheckStatusInput{HealthCheckId: aws.String(stopCheckID)})
	if err != nil {
		t.Fatal(err)
	}
	return strings.HasPrefix(aws.ToString(out.HealthCheckObservations[0].StatusReport.Status), "Success")
}

func TestStopSignalPublishAndWithdraw(t *testing.T) {
	w, clk := stopWorld(t, nil)
	d := w.Durations()
	wantEndpoint(t, w, "before publishing", 200)
	wantAnswer(t, w, "before publishing", east)

	t0 := clk.Now()
	putFlag(t, w, west, westBucket) // the standby publishes in its own Region
	clk.Advance(d.S3Replication - time.Second)
	wantEndpoint(t, w, "before the flag replicated", 200)
	clk.Advance(time.Second)
	wantEndpoint(t, w, "once the flag replicated to the primary", 503)
	if !hcHealthy(t, w) {
		t.Fatal("health check failed before Route 53 checkers could notice")
	}
	clk.Advance(d.HealthCheckDetection - time.Second)
	wantAnswer(t, w, "just before detection", east)
	clk.Advance(time.Second)
	if hcHealthy(t, w) {
		t.Fatal("health check still healthy after HealthCheckDetection")
	}
	wantAnswer(t, w, "after detection", west)
	clk.Advance(time.Hour)
	tr := wantAnswer(t, w, "an hour later", west)
	wantFrom := t0.Add(d.S3Replication + d.HealthCheckDetection + d.DNSTTL)
	if !slices.Equal(tr.Clients, []string{west}) || !tr.ClientsSince.Equal(wantFrom) {
		t.Fatalf("clients %v since %v, want [%s] since %v (replication + detection + TTL)", tr.Clients, tr.ClientsSince, west, wantFrom)
	}

	// Manual failback: the operator deletes the flag.
	if _, err := w.S3(west).DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String(westBucket), Key: aws.String(flagKey)}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(d.S3Replication)
	wantEndpoint(t, w, "after the withdrawal replicated", 200)
	wantAnswer(t, w, "before detection of the withdrawal", west)
	clk.Advance(d.HealthCheckDetection)
	wantAnswer(t, w, "after detection of the withdrawal", east)
}

func TestStopSignalVariants(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*StopSignalSpec)
		// act runs after the world is built; the endpoint must then answer
		// wantCode (0: connection refused) and the check end wantHealthy
		// once HealthCheckDetection passed.
		act         func(t *testing.T, w *World)
		wantCode    int
		wantHealthy bool
	}{
		{"read from the standby bucket sees the flag at once", func(s *StopSignalSpec) { s.ReadFromStandby = true },
			func(t *testing.T, w *World) { putFlag(t, w, west, westBucket) }, 503, false},
		{"standby bucket unreadable fails open", func(s *StopSignalSpec) { s.ReadFromStandby = true },
			func(t *testing.T, w *World) {
				putFlag(t, w, west, westBucket)
				if err := w.SetRegionDown(west, true); err != nil {
					t.Fatal(err)
				}
			}, 200, true},
		{"primary Region down fails the check", nil,
			func(t *testing.T, w *World) {
				if _, err := w.InjectSpec("region-down:us-east-1"); err != nil {
					t.Fatal(err)
				}
			}, 0, false},
		{"primary control plane down changes nothing", nil,
			func(t *testing.T, w *World) {
				if _, err := w.InjectSpec("control-plane-down:us-east-1"); err != nil {
					t.Fatal(err)
				}
			}, 200, true},
		{"flag written in the primary's own bucket", nil,
			func(t *testing.T, w *World) { putFlag(t, w, east, eastBucket) }, 503, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, clk := stopWorld(t, tc.mod)
			tc.act(t, w)
			code, err := w.EndpointStatus(primaryURL)
			if tc.wantCode == 0 {
				if !IsUnreachable(err) {
					t.Fatalf("endpoint = %d, %v; want a refused connection", code, err)
				}
			} else if err != nil || code != tc.wantCode {
				t.Fatalf("endpoint = %d, %v; want %d", code, err, tc.wantCode)
			}
			clk.Advance(w.Durations().HealthCheckDetection)
			// Route 53's API is homed in us-east-1 (down in some cases):
			// read the check through the DNS answer instead.
			want := []string{west}
			if tc.wantHealthy {
				want = []string{east}
			}
			wantAnswer(t, w, "after HealthCheckDetection", want...)
		})
	}
}

func TestStopSignalBlipNotDetected(t *testing.T) {
	w, clk := stopWorld(t, func(s *StopSignalSpec) { s.ReadFromStandby = true })
	putFlag(t, w, west, westBucket)
	clk.Advance(30 * time.Second)
	if _, err := w.S3(west).DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String(westBucket), Key: aws.String(flagKey)}); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		clk.Advance(30 * time.Second)
		if !hcHealthy(t, w) {
			t.Fatalf("a 30 s flag blip failed the check at %v; checkers need HealthCheckDetection", clk.Now())
		}
	}
	wantAnswer(t, w, "after a blip", east)
}

func TestStopSignalRepointsExistingCheck(t *testing.T) {
	w, clk := newTestWorld(t)
	// What a builder that knows only the plan creates first.
	if err := w.AddHealthCheck(HealthCheckSpec{ID: stopCheckID, Type: HealthCheckEndpoint, Region: east}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddStopSignal(StopSignalSpec{Bucket: westBucket, Region: west, Key: flagKey, PrimaryRegion: east,
		URL: primaryURL, HealthCheckID: stopCheckID, ReadFromStandby: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Object(westBucket+"-"+east, flagKey); err != nil {
		t.Fatalf("default replica bucket: %v", err)
	}
	putFlag(t, w, west, westBucket)
	clk.Advance(w.Durations().HealthCheckDetection)
	if hcHealthy(t, w) {
		t.Fatal("the existing HTTPS check was not pointed at the STOP endpoint")
	}
}

func TestAddStopSignalErrors(t *testing.T) {
	base := StopSignalSpec{Bucket: westBucket, Region: west, Key: flagKey, PrimaryRegion: east, URL: primaryURL, HealthCheckID: stopCheckID}
	tests := []struct {
		name  string
		setup func(*World) error
		mod   func(*StopSignalSpec)
		want  string
	}{
		{"no key", nil, func(s *StopSignalSpec) { s.Key = "" }, "Bucket and Key are required"},
		{"unknown Region", nil, func(s *StopSignalSpec) { s.Region = "eu-west-3" }, "unknown region"},
		{"same Regions", nil, func(s *StopSignalSpec) { s.PrimaryRegion = west }, "both us-west-2"},
		{"bad URL", nil, func(s *StopSignalSpec) { s.URL = "primary/health" }, "bad endpoint URL"},
		{"standby URL is the primary's", nil, func(s *StopSignalSpec) { s.StandbyURL = strings.ToUpper(primaryURL[:8]) + primaryURL[8:] }, "already exists"},
		{"replica named like the bucket", nil, func(s *StopSignalSpec) { s.ReplicaBucket = s.Bucket }, "needs its own name"},
		{"bucket in the wrong Region", func(w *World) error { return w.AddBucket(BucketSpec{Name: westBucket, Region: east}) }, nil, "is in us-east-1, want us-west-2"},
		{"endpoint taken", func(w *World) error { return w.AddEndpoint(EndpointSpec{URL: primaryURL, Region: east}) }, nil, "already exists"},
		{"check of another type", func(w *World) error {
			if err := w.AddAlarm(AlarmSpec{Region: west, Name: "stop", Namespace: "STOP", MetricName: "Signal"}); err != nil {
				return err
			}
			return w.AddHealthCheck(HealthCheckSpec{ID: stopCheckID, Type: HealthCheckCloudWatch, AlarmRegion: west, AlarmName: "stop"})
		}, nil, "needs an HTTPS check"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := newTestWorld(t)
			if tc.setup != nil {
				if err := tc.setup(w); err != nil {
					t.Fatal(err)
				}
			}
			spec := base
			if tc.mod != nil {
				tc.mod(&spec)
			}
			err := w.AddStopSignal(spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("AddStopSignal = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestObservedHealth(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	const detect = 90 * time.Second
	tests := []struct {
		name    string
		history []observation
		t       int
		want    bool
	}{
		{"no history is healthy", nil, 0, true},
		{"first answer counts at once", []observation{{at(0), false}}, 0, false},
		{"change not yet held long enough", []observation{{at(0), true}, {at(10), false}}, 99, true},
		{"change held long enough", []observation{{at(0), true}, {at(10), false}}, 100, false},
		{"blip shorter than detection", []observation{{at(0), true}, {at(10), false}, {at(40), true}}, 500, true},
		{"flip back after detection", []observation{{at(0), true}, {at(10), false}, {at(200), true}}, 250, false},
		{"flip back detected", []observation{{at(0), true}, {at(10), false}, {at(200), true}}, 290, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := webState{history: map[string][]observation{"hc": tc.history}}
			if got := s.observed("hc", at(tc.t), detect); got != tc.want {
				t.Fatalf("observed at +%ds = %v, want %v", tc.t, got, tc.want)
			}
		})
	}
}

func TestStopSignalStandbyEndpointAndDefaultURL(t *testing.T) {
	const standbyURL = "https://standby.example.com/health"
	w, clk := newTestWorld(t)
	if err := w.AddStopSignal(StopSignalSpec{Bucket: westBucket, Region: west, Key: flagKey, PrimaryRegion: east, StandbyURL: standbyURL}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddStopSignal(StopSignalSpec{Bucket: westBucket, Region: west, Key: flagKey, PrimaryRegion: east, StandbyURL: standbyURL}); err != nil {
		t.Fatalf("adding the same signal again must be a no-op, got %v", err)
	}
	primary := DefaultStopURL(east, westBucket, flagKey)
	status := func(u string) int {
		t.Helper()
		code, err := w.EndpointStatus(u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		return code
	}
	if p, s := status(primary), status(standbyURL); p != 200 || s != 503 {
		t.Fatalf("before publishing: primary %d standby %d, want 200 and 503", p, s)
	}
	putFlag(t, w, west, westBucket)
	if p, s := status(primary), status(standbyURL); p != 200 || s != 200 {
		t.Fatalf("published, not yet replicated: primary %d standby %d, want 200 and 200", p, s)
	}
	clk.Advance(w.Durations().S3Replication)
	if p, s := status(primary), status(standbyURL); p != 503 || s != 200 {
		t.Fatalf("replicated: primary %d standby %d, want 503 and 200", p, s)
	}
}
