package sim

import (
	"fmt"
	"slices"
	"time"
)

// StopSignalSpec ties a STOP-pattern flag object (Secondary Takes Over
// Primary, the plan's stop-signal block) to the primary's health endpoint
// and the Route 53 health check on the primary record.
//
// The standby publishes the flag with PutObject in its own Region's Bucket
// (data plane). S3 Cross-Region Replication copies it to ReplicaBucket in
// PrimaryRegion after Durations.S3Replication (both ways, delete markers
// included). The primary's health endpoint at URL runs in PrimaryRegion and
// reads the flag from its local replica, as the pattern's sample endpoint
// does (or straight from Bucket with ReadFromStandby): while the flag is
// there it answers 503, so the HTTPS health check HealthCheckID fails
// Durations.HealthCheckDetection later, the primary failover record turns
// unhealthy and traffic moves to the standby. Deleting the flag (withdraw)
// is the manual failback. The endpoint fails open (200) when it cannot read
// the flag, and refuses connections while PrimaryRegion is down.
type StopSignalSpec struct {
	// Bucket is the signal bucket in Region, where the standby writes.
	Bucket string
	// Region is the standby Region (the plan's stop-signal region).
	Region string
	// Key is the flag object's key.
	Key string
	// PrimaryRegion is the Region whose health endpoint reads the flag.
	PrimaryRegion string
	// ReplicaBucket is Bucket's replica in PrimaryRegion (default
	// Bucket + "-" + PrimaryRegion). Both buckets are created if missing;
	// existing ones get the two-way replication added.
	ReplicaBucket string
	// ReadFromStandby makes the endpoint read Bucket in Region instead of
	// its local replica (a cross-Region read: no replication delay, but no
	// flag reads while the standby Region is down).
	ReadFromStandby bool
	// URL is the primary's health endpoint (the plan's verifyUrl); default
	// DefaultStopURL(PrimaryRegion, Bucket, Key).
	URL string
	// StandbyURL, if set, is the standby's own health endpoint in Region,
	// with the sample's secondary logic: 200 while the flag is in Bucket,
	// 503 otherwise (also when it cannot read the flag).
	StandbyURL string
	// HealthCheckID is the Route 53 health check on the primary record. A
	// new HTTPS check on URL is created, or an existing HTTPS check is
	// pointed at URL. Empty: no health check.
	HealthCheckID string
}

// DefaultStopURL is the primary endpoint URL AddStopSignal uses when the
// spec (like a plan without verifyUrl) names none.
func DefaultStopURL(primaryRegion, bucket, key string) string {
	return fmt.Sprintf("https://stop.%s.sim.invalid/health/%s/%s", primaryRegion, bucket, key)
}

type stopSignal struct {
	spec       StopSignalSpec
	readBucket string
}

// AddStopSignal sets up the STOP pattern described by spec. Adding the same
// spec again is a no-op (a plan's publish and withdraw steps describe the
// same signal).
func (w *World) AddStopSignal(spec StopSignalSpec) error {
	return w.mutate(func(now time.Time) error {
		where := fmt.Sprintf("stop signal s3://%s/%s", spec.Bucket, spec.Key)
		if spec.Bucket == "" || spec.Key == "" {
			return fmt.Errorf("%s: Bucket and Key are required", where)
		}
		if spec.URL == "" {
			spec.URL = DefaultStopURL(spec.PrimaryRegion, spec.Bucket, spec.Key)
		}
		for _, r := range []string{spec.Region, spec.PrimaryRegion} {
			if err := w.checkRegion(r); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
		if spec.Region == spec.PrimaryRegion {
			return fmt.Errorf("%s: Region and PrimaryRegion are both %s; the standby publishes in a Region other than the primary's", where, spec.Region)
		}
		if spec.ReplicaBucket == "" {
			spec.ReplicaBucket = spec.Bucket + "-" + spec.PrimaryRegion
		}
		for _, s := range w.web.stops {
			if s.spec == spec {
				return nil
			}
		}
		if spec.ReplicaBucket == spec.Bucket {
			return fmt.Errorf("%s: ReplicaBucket is Bucket; S3 bucket names are global, the primary's replica needs its own name", where)
		}
		var hc *HealthCheckSpec
		if spec.HealthCheckID != "" {
			hc = w.r53.checks[spec.HealthCheckID]
			if hc != nil && hc.Type != HealthCheckEndpoint {
				return fmt.Errorf("%s: health check %q is %s; the STOP endpoint needs an %s check", where, spec.HealthCheckID, hc.Type, HealthCheckEndpoint)
			}
		}
		seen := map[string]bool{}
		for _, u := range []string{spec.URL, spec.StandbyURL} {
			if u == "" {
				continue
			}
			key, _, err := endpointKey(u)
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			if w.web.endpoints[key] != nil || seen[key] {
				return fmt.Errorf("%s: endpoint %s: %w", where, u, ErrDuplicate)
			}
			seen[key] = true
		}
		for _, b := range []struct{ name, region, peer string }{
			{spec.Bucket, spec.Region, spec.ReplicaBucket},
			{spec.ReplicaBucket, spec.PrimaryRegion, spec.Bucket},
		} {
			if ex := w.s3.buckets[b.name]; ex != nil && ex.region != b.region {
				return fmt.Errorf("%s: bucket %s is in %s, want %s", where, b.name, ex.region, b.region)
			}
		}
		for _, b := range []struct{ name, region, peer string }{
			{spec.Bucket, spec.Region, spec.ReplicaBucket},
			{spec.ReplicaBucket, spec.PrimaryRegion, spec.Bucket},
		} {
			if ex := w.s3.buckets[b.name]; ex != nil {
				if !slices.Contains(ex.replicateTo, b.peer) {
					ex.replicateTo = append(ex.replicateTo, b.peer)
				}
				continue
			}
			if err := w.addBucket(BucketSpec{Name: b.name, Region: b.region, ReplicateTo: []string{b.peer}}); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
		s := &stopSignal{spec: spec, readBucket: spec.ReplicaBucket}
		w.web.stops = append(w.web.stops, s)
		if spec.ReadFromStandby {
			s.readBucket = spec.Bucket
		}
		if err := w.addEndpoint(&endpoint{url: spec.URL, region: spec.PrimaryRegion, kind: endpointStop, stop: s}); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if spec.StandbyURL != "" {
			if err := w.addEndpoint(&endpoint{url: spec.StandbyURL, region: spec.Region, kind: endpointStopStandby, stop: s}); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
		if spec.HealthCheckID == "" {
			return nil
		}
		if hc == nil {
			hc = &HealthCheckSpec{ID: spec.HealthCheckID, Type: HealthCheckEndpoint}
			w.r53.checks[hc.ID] = hc
		}
		hc.URL, hc.Region = spec.URL, spec.PrimaryRegion
		delete(w.web.history, hc.ID)
		w.web.observe(hc.ID, now, w.urlHealthyAt(spec.URL, now))
		return nil
	})
}
