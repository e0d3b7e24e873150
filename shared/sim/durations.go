package sim

import "time"

// Durations are the inherent durations of simulated AWS operations. The zero
// value of a field means "use the default" (see DefaultDurations).
type Durations struct {
	// SwitchoverPending is how long a switchover or failover stays "pending"
	// while Aurora verifies the primary and the chosen secondary.
	SwitchoverPending time.Duration
	// SwitchoverDemote is the time from the lag draining to the old primary
	// being shut down for writes (RDS-EVENT-0182).
	SwitchoverDemote time.Duration
	// SwitchoverPromote is the time from the lag draining to the new primary
	// being promoted (RDS-EVENT-0184); the writer moves at this moment.
	SwitchoverPromote time.Duration
	// SwitchoverFinish is the time from the lag draining to the switchover
	// finishing (RDS-EVENT-0185) and FailoverState clearing.
	SwitchoverFinish time.Duration
	// Failover is the time from the end of "pending" to a global failover
	// completing (RDS-EVENT-0238); the writer moves at this moment.
	Failover time.Duration
	// Resync is how long an old primary takes to rejoin as a secondary
	// after a failover (RDS-EVENT-0240 to RDS-EVENT-0241).
	Resync time.Duration
	// Cancel is how long a failed switchover stays "cancelling".
	Cancel time.Duration
	// LagDrained is the replication lag at or below which a switchover
	// considers the target synchronised.
	LagDrained time.Duration
	// InstanceModify is how long ModifyDBInstance takes to change a class.
	InstanceModify time.Duration
	// ECSTaskStart is the time from placing an ECS task to it running.
	ECSTaskStart time.Duration
	// InstanceWarmup is the time from launching an Auto Scaling instance to
	// it being InService.
	InstanceWarmup time.Duration
	// NodeWarmup is the time from launching an EKS node to it being Ready.
	NodeWarmup time.Duration
	// DNSTTL is how long clients keep a cached DNS answer: traffic moves
	// DNSTTL after the authoritative answer changes.
	DNSTTL time.Duration
	// Route53Propagation is the time from ChangeResourceRecordSets to the
	// change being INSYNC (and answered).
	Route53Propagation time.Duration
	// AlarmEvaluation is the time from a PutMetricData datapoint to the
	// alarms on that metric being evaluated.
	AlarmEvaluation time.Duration
	// S3Replication is how long S3 Cross-Region Replication takes to copy
	// a new object version or delete marker to a destination bucket.
	S3Replication time.Duration
	// HealthCheckDetection is how long an HTTPS endpoint's new answer must
	// hold before Route 53 health checkers change the check's status
	// (RequestInterval × FailureThreshold: 30 s × 3).
	HealthCheckDetection time.Duration
	// ESMTransition is how long a Lambda event source mapping stays
	// Enabling or Disabling after UpdateEventSourceMapping changes Enabled.
	ESMTransition time.Duration
	// DynamoDBReplication is how long a DynamoDB global table takes to copy
	// an item write to its other Regions' replicas.
	DynamoDBReplication time.Duration
}

// DefaultDurations are realistic figures for the operations above.
func DefaultDurations() Durations {
	return Durations{
		SwitchoverPending:  10 * time.Second,
		SwitchoverDemote:   20 * time.Second,
		SwitchoverPromote:  60 * time.Second,
		SwitchoverFinish:   75 * time.Second,
		Failover:           60 * time.Second,
		Resync:             5 * time.Minute,
		Cancel:             20 * time.Second,
		LagDrained:         0,
		InstanceModify:     8 * time.Minute,
		ECSTaskStart:       60 * time.Second,
		InstanceWarmup:     3 * time.Minute,
		NodeWarmup:         2 * time.Minute,
		DNSTTL:             60 * time.Second,
		Route53Propagation: 60 * time.Second,
		AlarmEvaluation:    60 * time.Second,
		S3Replication:      15 * time.Second,
		// Route 53 defaults: a 30-second request interval, failure threshold 3.
		HealthCheckDetection: 90 * time.Second,
		ESMTransition:        5 * time.Second,
		// Global tables typically replicate within a second.
		DynamoDBReplication: time.Second,
	}
}

// withDefaults fills zero fields from DefaultDurations. LagDrained keeps 0.
func (d Durations) withDefaults() Durations {
	def := DefaultDurations()
	fill := func(v *time.Duration, dv time.Duration) {
		if *v == 0 {
			*v = dv
		}
	}
	fill(&d.SwitchoverPending, def.SwitchoverPending)
	fill(&d.SwitchoverDemote, def.SwitchoverDemote)
	fill(&d.SwitchoverPromote, def.SwitchoverPromote)
	fill(&d.SwitchoverFinish, def.SwitchoverFinish)
	fill(&d.Failover, def.Failover)
	fill(&d.Resync, def.Resync)
	fill(&d.Cancel, def.Cancel)
	fill(&d.InstanceModify, def.InstanceModify)
	fill(&d.ECSTaskStart, def.ECSTaskStart)
	fill(&d.InstanceWarmup, def.InstanceWarmup)
	fill(&d.NodeWarmup, def.NodeWarmup)
	fill(&d.DNSTTL, def.DNSTTL)
	fill(&d.Route53Propagation, def.Route53Propagation)
	fill(&d.AlarmEvaluation, def.AlarmEvaluation)
	fill(&d.S3Replication, def.S3Replication)
	fill(&d.HealthCheckDetection, def.HealthCheckDetection)
	fill(&d.ESMTransition, def.ESMTransition)
	fill(&d.DynamoDBReplication, def.DynamoDBReplication)
	return d
}
