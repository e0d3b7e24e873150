// Package sim is a simulated multi-Region AWS for drills, game days,
// readiness checks and tests.
//
// A World holds Regions (each with its own control-plane and data-plane
// availability), Aurora global clusters, ECS services, Auto Scaling groups,
// EKS node groups, ARC routing-control clusters, Route 53 health checks and
// records, CloudWatch alarms and metric history, Lambda functions, Secrets
// Manager secrets and IAM allow-lists. Per-Region clients (World.RDS,
// World.ECS, …) expose methods whose signatures are exactly those of the
// aws-sdk-go-v2 clients, so the execution blocks take either.
//
// Time comes from one shared clock.Clock. State is derived lazily from
// clock.Now (an operation started at t0 with duration d is complete once
// now >= t0+d); the world owns no goroutines and uses AfterFunc only to emit
// events (RDS global-failover events, CloudWatch alarm state changes) at the
// moment they happen.
//
// Faults (throttling, API errors, a Region or its control plane down, lag
// spikes, capacity shortfalls, ARC endpoints down, latency) are injected at
// run time with World.Inject or from the drill's --fault specs with
// ParseFault. Errors are real smithy API errors with the real codes.
//
// Error contract: every client error is a *smithy.OperationError (service,
// operation) wrapping either an API error (smithy.APIError: the SDK's typed
// errors such as *rdstypes.InvalidGlobalClusterStateFault or
// *arctypes.ConflictException where the SDK has one, else
// *smithy.GenericAPIError with the real code, e.g. Throttling,
// ThrottlingException, ValidationError, ServiceUnavailable) or, for a Region
// or ARC endpoint that is down, a *net.OpError "dial" (IsUnreachable).
// A Region whose control plane is down answers ServiceUnavailable to
// control-plane calls; data-plane calls (ARC cluster operations,
// PutMetricData, GetMetricData, GetMetricStatistics, Lambda Invoke,
// GetSecretValue) still work. Route 53 and IAM control planes are homed in
// us-east-1.
//
// Aurora timeline (Durations): a switchover is "pending" for
// SwitchoverPending (RDS-EVENT-0181 at the call), then "switching-over":
// writes stop, the lag at that moment drains (0183 if non-zero), the old
// primary shuts down at drain+SwitchoverDemote (0182), the writer moves at
// drain+SwitchoverPromote (0184) and FailoverState clears at
// drain+SwitchoverFinish (0185). If the source Region is unreachable the
// switchover goes "cancelling" (0187) for Cancel. A failover records the
// lag at the call as its data loss, is "failing-over" after
// SwitchoverPending and completes Failover later (0238); the old primary
// resynchronises (0240/0241) once its Region is reachable. The RDS docs list
// no "global failover started" event, so none is emitted.
//
// Traffic: the app's DNS record (SetApp) is answered from its records and
// Route 53 health checks (routing control, CloudWatch alarm, Region,
// calculated). Clients follow a changed answer DNSTTL later. The STOP
// pattern is modelled as the standby publishing a metric (PutMetricData,
// data plane) whose alarm, evaluated AlarmEvaluation later, drives the
// health check of the primary failover record.
//
// The simulator is for drills and tests only; production calls real AWS.
package sim
