// Package sim is a simulated multi-Region AWS for drills, game days,
// readiness checks and tests.
//
// A World holds Regions (each with its own control-plane and data-plane
// availability), Aurora global clusters, ECS services, Auto Scaling groups,
// EKS node groups, ARC routing-control clusters, Route 53 health checks and
// records, CloudWatch alarms and metric history, Lambda functions and event
// source mappings, Secrets Manager secrets, IAM allow-lists, S3 buckets with
// cross-Region replication, SSM Parameter Store parameters, DynamoDB tables
// (global tables replicate item writes), and HTTP health endpoints. Per-Region clients (World.RDS,
// World.ECS, World.S3, …) expose methods whose signatures are exactly those
// of the aws-sdk-go-v2 clients, so the execution blocks take either;
// World.Clients is the whole world as an awsapi.Clients, and World.HTTP an
// http.RoundTripper serving the simulated endpoints (http-check, STOP
// verification).
//
// Time comes from one shared clock.Clock. State is derived lazily from
// clock.Now (an operation started at t0 with duration d is complete once
// now >= t0+d); the world owns no goroutines and uses AfterFunc only to emit
// events (RDS global-failover events, CloudWatch alarm state changes) at the
// moment they happen. It runs on clock.Virtual: build it under Hold, drive
// it from goroutines started with Go that wait with Sleep, and a drill of
// minutes of AWS time takes about a millisecond of wall time.
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
// GetSecretValue, S3 object operations, SSM GetParameter, DynamoDB
// GetItem/UpdateItem) still work. S3 errors also carry
// the HTTP status (awshttp.ResponseError), e.g. *s3types.NotFound with 404. Route 53 and IAM control planes are homed in
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
// calculated, HTTPS endpoint). Clients follow a changed answer DNSTTL later.
//
// STOP pattern (the plan's stop-signal block; AddStopSignal): the standby
// puts a flag object in its own Region's bucket (S3 data plane); it
// replicates to the primary Region's bucket S3Replication later; the
// primary's health endpoint reads its local replica and answers 503 while
// the flag exists (failing open when it cannot read it); the HTTPS health
// check on the primary failover record fails once that answer held for
// HealthCheckDetection, and traffic moves to the standby. Deleting the flag
// is the manual failback. The AWS sample's variant, where the standby
// publishes a metric (PutMetricData) whose alarm, evaluated AlarmEvaluation
// later, drives a CLOUDWATCH_METRIC health check, is modelled too.
//
// Write fences and queue consumers (AddPlanResources adds what a plan's
// steps name): an event source mapping is Enabling or Disabling for
// ESMTransition after UpdateEventSourceMapping, and refuses another change
// (ResourceInUseException) meanwhile; an SSM parameter lives in one Region;
// a DynamoDB global table copies each item write to its other replicas
// DynamoDBReplication later, last writer wins.
//
// The simulator is for drills and tests only; production calls real AWS.
package sim
