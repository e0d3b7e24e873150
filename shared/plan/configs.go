package plan

import (
	"cmp"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// ApprovalStep asks the plan's approvers (spec.approval) to approve before
// the next stage. The request carries the readiness summary and the RPO at
// stake.
type ApprovalStep struct {
	// Message is shown to approvers above the readiness summary.
	Message string `yaml:"message" json:"message,omitempty"`
	// Quorum overrides spec.approval.quorum for this step (0: the plan's).
	Quorum int `yaml:"quorum" json:"quorum,omitempty"`
}

// BlockName implements Config.
func (*ApprovalStep) BlockName() string { return "approval" }

// Summary implements Config.
func (a *ApprovalStep) Summary() string {
	if a.Quorum > 0 {
		return fmt.Sprintf("approval by %d approver(s)", a.Quorum)
	}
	return "approval per spec.approval"
}

func (a *ApprovalStep) validate(s *stepCtx) {
	if s.p.Spec.Approval == nil {
		s.errorf(join(s.stepPath, "block"), "approval step but the plan has no approval policy (add spec.approval)")
		return
	}
	s.intRange(s.f("quorum"), a.Quorum, 1, 50, "")
	if n := approverCount(s.p.Spec.Approval); n > 0 && a.Quorum > n {
		s.errorf(s.f("quorum"), "quorum %d is larger than the %d approver(s) allowed (at most %d)", a.Quorum, n, n)
	}
}

func (*ApprovalStep) setDefaults(*stepCtx) {}

// ECSService names one ECS service.
type ECSService struct {
	// Cluster is the ECS cluster ARN.
	Cluster string `yaml:"cluster" json:"cluster"`
	// Service is the service name.
	Service string `yaml:"service" json:"service"`
}

// ECSScale scales an ECS service in the target Region to Percent of the
// source service's peak running count over Lookback. It never scales in and
// waits until the tasks run.
type ECSScale struct {
	Target               ECSService `yaml:"target" json:"target"`
	Source               ECSService `yaml:"source" json:"source"`
	Percent              int        `yaml:"percent" json:"percent"`
	Lookback             Duration   `yaml:"lookback" json:"lookback"`
	UngracefulMinPercent int        `yaml:"ungracefulMinPercent" json:"ungracefulMinPercent"`
}

// BlockName implements Config.
func (*ECSScale) BlockName() string { return "ecs-scale" }

// Summary implements Config.
func (e *ECSScale) Summary() string {
	return fmt.Sprintf("%s/%s to %d%% of %s/%s peak over %s (ungraceful min %d%%)",
		shortARN(e.Target.Cluster), e.Target.Service, e.Percent, shortARN(e.Source.Cluster), e.Source.Service, e.Lookback, e.UngracefulMinPercent)
}

var resourceNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,254}$`)

func (s *stepCtx) resourceName(path, v, what string) {
	if s.required(path, what) && !resourceNameRE.MatchString(v) {
		s.errorf(path, "bad %s %q (letters, digits and _ . : / @ -, up to 255 characters)", what, clip(v))
	}
}

func (s *stepCtx) sourceRegion(path string) string {
	if s.source == "" && !s.sourceBad {
		s.errorf(path, "the workflow has no source Region (set the workflow's source)")
	}
	return s.source
}

func (e *ECSScale) validate(s *stepCtx) {
	if s.required(s.f("target.cluster"), arnECSCluster.what) {
		s.arn(s.f("target.cluster"), e.Target.Cluster, arnECSCluster, s.resourceRegion())
	}
	s.resourceName(s.f("target.service"), e.Target.Service, "ECS service name")
	if s.required(s.f("source.cluster"), arnECSCluster.what) {
		if src := s.sourceRegion(s.f("source.cluster")); src != "" {
			s.arn(s.f("source.cluster"), e.Source.Cluster, arnECSCluster, src)
		}
	}
	s.resourceName(s.f("source.service"), e.Source.Service, "ECS service name")
	s.validateScale(e.Percent, e.Lookback, e.UngracefulMinPercent)
}

// validateScale checks the fields every *-scale block shares.
func (s *stepCtx) validateScale(percent int, lookback Duration, ungracefulMin int) {
	s.intRange(s.f("percent"), percent, 1, 200, "%")
	s.durationRange(s.f("lookback"), lookback, dur(5*time.Minute), dur(14*24*time.Hour))
	if s.intRange(s.f("ungracefulMinPercent"), ungracefulMin, 0, 200, "%") &&
		s.p.has(s.f("ungracefulMinPercent")) && ungracefulMin > scalePercent(percent, s.p.has(s.f("percent"))) {
		s.errorf(s.f("ungracefulMinPercent"), "%d%% is above percent %d%% (0%% to percent)", ungracefulMin, scalePercent(percent, s.p.has(s.f("percent"))))
	}
}

func scalePercent(p int, set bool) int {
	if !set {
		return 100
	}
	return p
}

func (s *stepCtx) scaleDefaults(percent *int, lookback *Duration, ungracefulMin *int) {
	if !s.p.has(s.f("percent")) {
		*percent = 100
	}
	if !s.p.has(s.f("lookback")) {
		*lookback = dur(24 * time.Hour)
	}
	if !s.p.has(s.f("ungracefulMinPercent")) {
		*ungracefulMin = *percent
	}
}

func (e *ECSScale) setDefaults(s *stepCtx) {
	s.scaleDefaults(&e.Percent, &e.Lookback, &e.UngracefulMinPercent)
}

// ASGGroup names one EC2 Auto Scaling group by name or ARN (it lives in the
// Region the field is about: the target or the source).
type ASGGroup struct {
	Name string `yaml:"name" json:"name"`
}

// ASGScale scales an Auto Scaling group in the target Region to Percent of
// the source group's peak in-service count over Lookback.
type ASGScale struct {
	Target               ASGGroup `yaml:"target" json:"target"`
	Source               ASGGroup `yaml:"source" json:"source"`
	Percent              int      `yaml:"percent" json:"percent"`
	Lookback             Duration `yaml:"lookback" json:"lookback"`
	UngracefulMinPercent int      `yaml:"ungracefulMinPercent" json:"ungracefulMinPercent"`
}

// BlockName implements Config.
func (*ASGScale) BlockName() string { return "asg-scale" }

// Summary implements Config.
func (a *ASGScale) Summary() string {
	return fmt.Sprintf("%s to %d%% of %s peak over %s (ungraceful min %d%%)", a.Target.Name, a.Percent, a.Source.Name, a.Lookback, a.UngracefulMinPercent)
}

func (a *ASGScale) validate(s *stepCtx) {
	s.asgName(s.f("target.name"), a.Target.Name, s.resourceRegion())
	if src := s.sourceRegion(s.f("source")); src != "" {
		s.asgName(s.f("source.name"), a.Source.Name, src)
	} else {
		s.resourceName(s.f("source.name"), a.Source.Name, "Auto Scaling group name")
	}
	s.validateScale(a.Percent, a.Lookback, a.UngracefulMinPercent)
}

// asgName accepts a group name, or a group ARN that must be in region.
func (s *stepCtx) asgName(path, v, region string) {
	if strings.HasPrefix(v, "arn:") {
		s.arn(path, v, arnASG, region)
		return
	}
	s.resourceName(path, v, "Auto Scaling group name or ARN")
}

func (a *ASGScale) setDefaults(s *stepCtx) {
	s.scaleDefaults(&a.Percent, &a.Lookback, &a.UngracefulMinPercent)
}

// EKSDeployment names a Kubernetes deployment in an EKS cluster.
type EKSDeployment struct {
	Cluster    string `yaml:"cluster" json:"cluster"`
	Namespace  string `yaml:"namespace" json:"namespace"`
	Deployment string `yaml:"deployment" json:"deployment"`
}

// EKSScale scales a deployment in the target Region's EKS cluster to Percent
// of the source deployment's peak ready replicas over Lookback.
type EKSScale struct {
	Target               EKSDeployment `yaml:"target" json:"target"`
	Source               EKSDeployment `yaml:"source" json:"source"`
	Percent              int           `yaml:"percent" json:"percent"`
	Lookback             Duration      `yaml:"lookback" json:"lookback"`
	UngracefulMinPercent int           `yaml:"ungracefulMinPercent" json:"ungracefulMinPercent"`
}

// BlockName implements Config.
func (*EKSScale) BlockName() string { return "eks-scale" }

// Summary implements Config.
func (e *EKSScale) Summary() string {
	return fmt.Sprintf("%s %s/%s to %d%% of source peak over %s (ungraceful min %d%%)",
		shortARN(e.Target.Cluster), e.Target.Namespace, e.Target.Deployment, e.Percent, e.Lookback, e.UngracefulMinPercent)
}

var k8sNameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

func (e *EKSScale) validate(s *stepCtx) {
	for _, side := range []struct {
		name   string
		d      EKSDeployment
		region string
	}{{"target", e.Target, s.resourceRegion()}, {"source", e.Source, s.source}} {
		p := s.f(side.name)
		if s.required(join(p, "cluster"), arnEKSCluster.what) {
			if side.region == "" {
				s.sourceRegion(join(p, "cluster"))
			} else {
				s.arn(join(p, "cluster"), side.d.Cluster, arnEKSCluster, side.region)
			}
		}
		for _, f := range []struct{ field, v string }{{"namespace", side.d.Namespace}, {"deployment", side.d.Deployment}} {
			fp := join(p, f.field)
			if s.required(fp, "a Kubernetes "+f.field+" name") && !k8sNameRE.MatchString(f.v) {
				s.errorf(fp, "bad Kubernetes name %q (lowercase letters, digits and hyphens, up to 63 characters)", clip(f.v))
			}
		}
	}
	s.validateScale(e.Percent, e.Lookback, e.UngracefulMinPercent)
}

func (e *EKSScale) setDefaults(s *stepCtx) {
	s.scaleDefaults(&e.Percent, &e.Lookback, &e.UngracefulMinPercent)
}

// AuroraGlobal moves the writer of an Aurora global database to the target
// Region: SwitchoverGlobalCluster in graceful mode (no data loss, waits for
// replication to drain), FailoverGlobalCluster with AllowDataLoss in
// ungraceful mode. It verifies the writer moved.
type AuroraGlobal struct {
	// GlobalCluster is the global database ARN.
	GlobalCluster string `yaml:"globalCluster" json:"globalCluster"`
	// Members maps each Region to its member DB cluster ARN.
	Members map[string]string `yaml:"members" json:"members"`
	// MaxDataLoss bounds the replication lag an ungraceful failover accepts
	// (default: the plan's RPO); with more lag the step asks first.
	MaxDataLoss Duration `yaml:"maxDataLoss" json:"maxDataLoss"`
}

// BlockName implements Config.
func (*AuroraGlobal) BlockName() string { return "aurora-global" }

// Summary implements Config.
func (a *AuroraGlobal) Summary() string {
	return fmt.Sprintf("writer of %s → target member (ungraceful: failover, max data loss %s)", shortARN(a.GlobalCluster), a.MaxDataLoss)
}

func (a *AuroraGlobal) validate(s *stepCtx) {
	if s.required(s.f("globalCluster"), arnGlobalCluster.what) {
		s.arn(s.f("globalCluster"), a.GlobalCluster, arnGlobalCluster, "")
	}
	if s.required(s.f("members"), "a Region → DB cluster ARN map with the target and source Regions") {
		for _, r := range sortedKeys(a.Members) {
			p := s.f("members." + r)
			if s.planRegion(p, r) {
				s.arn(p, a.Members[r], arnAuroraCluster, r)
			}
		}
		for _, r := range []string{s.target, s.source} {
			if _, ok := a.Members[r]; r != "" && !ok {
				s.errorf(s.f("members"), "no member cluster for %s (one entry per Region the workflow uses: %s)", r, strings.Join(nonEmpty(s.target, s.source), ", "))
			}
		}
	}
	s.durationRange(s.f("maxDataLoss"), a.MaxDataLoss, 0, dur(24*time.Hour))
	rpo := s.p.Spec.Objectives.RPO
	if s.p.has("spec.objectives.rpo") && rpo == 0 && stepUngraceful(s.step) == UngracefulRun {
		path := join(s.stepPath, "ungraceful.behavior")
		if !s.p.has(path) {
			path = join(s.stepPath, "block")
		}
		s.errorf(path, "aurora-global fails over with data loss in ungraceful mode but spec.objectives.rpo is 0s (set ungraceful.behavior: refuse or skip, or an RPO above 0s)")
	}
	if s.p.has(s.f("maxDataLoss")) && s.p.has("spec.objectives.rpo") && a.MaxDataLoss > rpo {
		s.errorf(s.f("maxDataLoss"), "%s exceeds the plan's RPO %s (at most spec.objectives.rpo)", a.MaxDataLoss, rpo)
	}
}

func (a *AuroraGlobal) setDefaults(s *stepCtx) {
	if !s.p.has(s.f("maxDataLoss")) {
		a.MaxDataLoss = s.p.Spec.Objectives.RPO
	}
}

func stepUngraceful(st *Step) UngracefulBehavior {
	if st.Ungraceful == nil || st.Ungraceful.Behavior == "" {
		return UngracefulRun
	}
	return st.Ungraceful.Behavior
}

func nonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// AuroraScale makes the target Region's Aurora cluster as large as the
// source's: the writer instance class and/or the Serverless v2 capacity.
type AuroraScale struct {
	Target string `yaml:"target" json:"target"`
	Source string `yaml:"source" json:"source"`
	// Match is what is matched: all | instance-class | serverless-capacity.
	Match string `yaml:"match" json:"match"`
}

// BlockName implements Config.
func (*AuroraScale) BlockName() string { return "aurora-scale" }

// Summary implements Config.
func (a *AuroraScale) Summary() string {
	return fmt.Sprintf("%s matches %s (%s)", shortARN(a.Target), shortARN(a.Source), a.Match)
}

var auroraMatch = []string{"all", "instance-class", "serverless-capacity"}

func (a *AuroraScale) validate(s *stepCtx) {
	if s.required(s.f("target"), arnAuroraCluster.what) {
		s.arn(s.f("target"), a.Target, arnAuroraCluster, s.resourceRegion())
	}
	if s.required(s.f("source"), arnAuroraCluster.what) {
		if src := s.sourceRegion(s.f("source")); src != "" {
			s.arn(s.f("source"), a.Source, arnAuroraCluster, src)
		}
	}
	s.enum(s.f("match"), a.Match, auroraMatch)
}

func (a *AuroraScale) setDefaults(*stepCtx) {
	if a.Match == "" {
		a.Match = "all"
	}
}

// RoutingControlState is a routing control and the state to set.
type RoutingControlState struct {
	RoutingControl string `yaml:"routingControl" json:"routingControl"`
	// State is On or Off.
	State string `yaml:"state" json:"state"`
}

// ARCRoutingControl sets routing-control states through the ARC cluster's
// data plane. The cluster's five Regional endpoints are discovered by
// readiness and rotated on failure; safety rules are respected unless
// listed in SafetyRulesToOverride.
type ARCRoutingControl struct {
	Cluster               string                `yaml:"cluster" json:"cluster"`
	States                []RoutingControlState `yaml:"states" json:"states"`
	SafetyRulesToOverride []string              `yaml:"safetyRulesToOverride" json:"safetyRulesToOverride"`
}

// BlockName implements Config.
func (*ARCRoutingControl) BlockName() string { return "arc-routing-control" }

// Summary implements Config.
func (a *ARCRoutingControl) Summary() string {
	parts := make([]string, len(a.States))
	for i, st := range a.States {
		parts[i] = shortARN(st.RoutingControl) + "=" + st.State
	}
	return "set " + strings.Join(parts, ", ") + " via " + shortARN(a.Cluster)
}

func (a *ARCRoutingControl) validate(s *stepCtx) {
	if s.required(s.f("cluster"), arnARCCluster.what) {
		s.arn(s.f("cluster"), a.Cluster, arnARCCluster, "")
	}
	if s.required(s.f("states"), "one or more {routingControl, state}") && len(a.States) == 0 {
		s.errorf(s.f("states"), "empty list (one or more {routingControl, state})")
	}
	var paths, values []string
	for i, st := range a.States {
		p := index(s.f("states"), i)
		if s.required(join(p, "routingControl"), arnRoutingControl.what) {
			if _, ok := s.arn(join(p, "routingControl"), st.RoutingControl, arnRoutingControl, ""); ok && !strings.Contains(st.RoutingControl, "/routingcontrol/") {
				s.errorf(join(p, "routingControl"), "not a routing control (%s)", arnRoutingControl.example)
			}
		}
		if s.required(join(p, "state"), "On | Off") {
			s.enum(join(p, "state"), st.State, []string{"On", "Off"})
		}
		paths, values = append(paths, join(p, "routingControl")), append(values, st.RoutingControl)
	}
	s.unique("routing control", "routing controls", paths, values)
	for i, r := range a.SafetyRulesToOverride {
		p := index(s.f("safetyRulesToOverride"), i)
		if _, ok := s.arn(p, r, arnSafetyRule, ""); ok && !strings.Contains(r, "/safetyrule/") {
			s.errorf(p, "not a safety rule (%s)", arnSafetyRule.example)
		}
	}
}

func (a *ARCRoutingControl) setDefaults(*stepCtx) {
	if a.SafetyRulesToOverride == nil {
		a.SafetyRulesToOverride = []string{}
	}
}

// StopSignal implements the STOP pattern (Secondary Takes Over Primary):
// the standby publishes a flag object in an S3 bucket in its own Region
// (data plane only); the primary's health endpoint reads the flag and turns
// unhealthy, so the Route 53 health check on the primary record fails and
// traffic moves to the standby. Withdraw deletes the flag (manual failback).
type StopSignal struct {
	// Bucket is the signal bucket in Region (replicated to the other Regions).
	Bucket string `yaml:"bucket" json:"bucket"`
	// Key is the flag object's key.
	Key string `yaml:"key" json:"key"`
	// Region is where the signal is written (default: the workflow's Region).
	Region string `yaml:"region" json:"region"`
	// Signal is publish (take over) or withdraw (hand back).
	Signal string `yaml:"signal" json:"signal"`
	// HealthCheckID is the Route 53 health check on the primary record that
	// the signal turns (readiness checks it exists and is associated).
	HealthCheckID string `yaml:"healthCheckId" json:"healthCheckId,omitempty"`
	// VerifyURL is the primary's health endpoint; after publishing the step
	// waits until it reports unhealthy (healthy after withdrawing).
	VerifyURL string `yaml:"verifyUrl" json:"verifyUrl,omitempty"`
}

// BlockName implements Config.
func (*StopSignal) BlockName() string { return "stop-signal" }

// Summary implements Config.
func (t *StopSignal) Summary() string {
	return fmt.Sprintf("%s s3://%s/%s in %s", t.Signal, t.Bucket, t.Key, t.Region)
}

var (
	bucketRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	healthCheckRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

func (t *StopSignal) validate(s *stepCtx) {
	if s.required(s.f("bucket"), "an S3 bucket name") && (!bucketRE.MatchString(t.Bucket) || strings.Contains(t.Bucket, "..")) {
		s.errorf(s.f("bucket"), "bad S3 bucket name %q (3 to 63 lowercase letters, digits, dots and hyphens)", clip(t.Bucket))
	}
	if s.required(s.f("key"), "the flag object's key") && (len(t.Key) > 1024 || strings.HasPrefix(t.Key, "/")) {
		s.errorf(s.f("key"), "bad S3 key (up to 1024 characters, not starting with /)")
	}
	if s.p.has(s.f("region")) {
		s.planRegion(s.f("region"), t.Region)
	}
	s.enum(s.f("signal"), t.Signal, []string{"publish", "withdraw"})
	if s.p.has(s.f("healthCheckId")) && !healthCheckRE.MatchString(t.HealthCheckID) {
		s.errorf(s.f("healthCheckId"), "bad Route 53 health check ID %q (a lowercase UUID)", clip(t.HealthCheckID))
	}
	if s.p.has(s.f("verifyUrl")) {
		s.httpURL(s.f("verifyUrl"), t.VerifyURL)
	}
}

func (t *StopSignal) setDefaults(s *stepCtx) {
	if t.Region == "" {
		t.Region = cmp.Or(s.target, s.wf.Region)
	}
	if t.Signal == "" {
		t.Signal = "publish"
	}
}

func (s *stepCtx) httpURL(path, v string) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		s.errorf(path, "bad URL %q (an absolute http:// or https:// URL)", clip(v))
	}
}

// RecordChange sets the weight of one weighted Route 53 record set.
type RecordChange struct {
	Name          string `yaml:"name" json:"name"`
	Type          string `yaml:"type" json:"type"`
	SetIdentifier string `yaml:"setIdentifier" json:"setIdentifier"`
	Weight        int    `yaml:"weight" json:"weight"`
}

// Route53Record changes Route 53 record weights. Route 53 changes are a
// control-plane call homed in us-east-1, so the block is opt-in:
// AllowControlPlane must be true.
type Route53Record struct {
	HostedZoneID      string         `yaml:"hostedZoneId" json:"hostedZoneId"`
	Records           []RecordChange `yaml:"records" json:"records"`
	AllowControlPlane bool           `yaml:"allowControlPlane" json:"allowControlPlane"`
}

// BlockName implements Config.
func (*Route53Record) BlockName() string { return "route53-record" }

// Summary implements Config.
func (r *Route53Record) Summary() string {
	parts := make([]string, len(r.Records))
	for i, rc := range r.Records {
		parts[i] = fmt.Sprintf("%s %s [%s] weight %d", rc.Name, rc.Type, rc.SetIdentifier, rc.Weight)
	}
	return "zone " + r.HostedZoneID + ": " + strings.Join(parts, ", ")
}

var (
	hostedZoneRE = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	recordTypes  = []string{"A", "AAAA", "CNAME", "TXT", "MX", "SRV", "CAA", "NS", "PTR", "SPF", "NAPTR", "DS", "HTTPS", "SVCB"}
)

func (r *Route53Record) validate(s *stepCtx) {
	if !r.AllowControlPlane {
		s.errorf(s.f("allowControlPlane"), "route53-record changes records through the Route 53 control plane and must be opted into (allowControlPlane: true; prefer stop-signal or arc-routing-control)")
	}
	if s.required(s.f("hostedZoneId"), "a hosted zone ID such as Z0123456789ABCDEFGHIJ") && !hostedZoneRE.MatchString(r.HostedZoneID) {
		s.errorf(s.f("hostedZoneId"), "bad hosted zone ID %q (Z followed by uppercase letters and digits)", clip(r.HostedZoneID))
	}
	if s.required(s.f("records"), "one or more {name, type, setIdentifier, weight}") && len(r.Records) == 0 {
		s.errorf(s.f("records"), "empty list (one or more {name, type, setIdentifier, weight})")
	}
	for i, rc := range r.Records {
		p := index(s.f("records"), i)
		s.required(join(p, "name"), "a DNS name")
		if s.required(join(p, "type"), oneOf(recordTypes)) {
			s.enum(join(p, "type"), rc.Type, recordTypes)
		}
		s.required(join(p, "setIdentifier"), "the weighted record's set identifier")
		if s.required(join(p, "weight"), "0 to 255") {
			s.intRange(join(p, "weight"), rc.Weight, 0, 255, "")
		}
	}
}

func (*Route53Record) setDefaults(*stepCtx) {}

// FenceItem is a DynamoDB item whose attribute is the write fence.
type FenceItem struct {
	Table     string            `yaml:"table" json:"table"`
	Key       map[string]string `yaml:"key" json:"key"`
	Attribute string            `yaml:"attribute" json:"attribute"`
}

// Fence sets an application write-fence flag, normally in the Region being
// left, so that it stops accepting writes. Exactly one of SSMParameter and
// DynamoDBItem names the flag; its ARN says in which Region it lives.
type Fence struct {
	SSMParameter string     `yaml:"ssmParameter" json:"ssmParameter,omitempty"`
	DynamoDBItem *FenceItem `yaml:"dynamodbItem" json:"dynamodbItem,omitempty"`
	// Value is written to the flag (default "fenced").
	Value string `yaml:"value" json:"value"`
	// MustSucceed fails the step when the flag's Region is unreachable;
	// by default that is recorded and the step succeeds.
	MustSucceed bool `yaml:"mustSucceed" json:"mustSucceed"`
}

// BlockName implements Config.
func (*Fence) BlockName() string { return "fence" }

// Summary implements Config.
func (f *Fence) Summary() string {
	where := shortARN(f.SSMParameter)
	if f.DynamoDBItem != nil {
		where = shortARN(f.DynamoDBItem.Table) + "." + f.DynamoDBItem.Attribute
	}
	mode := "best effort"
	if f.MustSucceed {
		mode = "must succeed"
	}
	return fmt.Sprintf("set %s = %q (%s)", where, f.Value, mode)
}

func (f *Fence) validate(s *stepCtx) {
	hasSSM, hasItem := s.p.has(s.f("ssmParameter")), s.p.has(s.f("dynamodbItem"))
	switch {
	case hasSSM && hasItem:
		s.errorf(s.f("dynamodbItem"), "both ssmParameter and dynamodbItem are set (exactly one)")
	case !hasSSM && !hasItem:
		s.errorf(s.path, "missing the fence flag (exactly one of ssmParameter, dynamodbItem)")
	case hasSSM:
		s.arn(s.f("ssmParameter"), f.SSMParameter, arnSSMParameter, "*")
	case f.DynamoDBItem != nil:
		p := s.f("dynamodbItem")
		if s.required(join(p, "table"), arnDynamoTable.what) {
			s.arn(join(p, "table"), f.DynamoDBItem.Table, arnDynamoTable, "*")
		}
		if s.required(join(p, "key"), "the item's key attributes") && len(f.DynamoDBItem.Key) == 0 {
			s.errorf(join(p, "key"), "empty key (the partition key, and the sort key if the table has one)")
		}
		s.required(join(p, "attribute"), "the attribute that holds the fence")
	}
}

func (f *Fence) setDefaults(*stepCtx) {
	if f.Value == "" {
		f.Value = "fenced"
	}
}

// Lambda invokes a custom function synchronously in the Region its ARN
// names, retrying every RetryInterval until the step's timeout.
type Lambda struct {
	Function      string   `yaml:"function" json:"function"`
	Payload       RawJSON  `yaml:"payload" json:"payload,omitempty"`
	RetryInterval Duration `yaml:"retryInterval" json:"retryInterval"`
}

// BlockName implements Config.
func (*Lambda) BlockName() string { return "lambda" }

// Summary implements Config.
func (l *Lambda) Summary() string {
	return fmt.Sprintf("invoke %s (retry every %s)", shortARN(l.Function), l.RetryInterval)
}

func (l *Lambda) validate(s *stepCtx) {
	if s.required(s.f("function"), arnLambda.what) {
		s.arn(s.f("function"), l.Function, arnLambda, "*")
	}
	s.durationRange(s.f("retryInterval"), l.RetryInterval, dur(time.Second), dur(time.Hour))
	if len(l.Payload) > 256*1024 {
		s.errorf(s.f("payload"), "payload is %d bytes (at most 262144, Lambda's synchronous limit is 6 MB but plans stay small)", len(l.Payload))
	}
}

func (l *Lambda) setDefaults(*stepCtx) {
	if l.RetryInterval == 0 {
		l.RetryInterval = dur(30 * time.Second)
	}
}

// HTTPCheck checks an endpoint from Region until Successes consecutive
// responses have ExpectStatus.
type HTTPCheck struct {
	URL            string   `yaml:"url" json:"url"`
	ExpectStatus   int      `yaml:"expectStatus" json:"expectStatus"`
	RequestTimeout Duration `yaml:"requestTimeout" json:"requestTimeout"`
	Interval       Duration `yaml:"interval" json:"interval"`
	Successes      int      `yaml:"successes" json:"successes"`
	// Region is where the check runs from (default: the workflow's Region).
	Region string `yaml:"region" json:"region"`
}

// BlockName implements Config.
func (*HTTPCheck) BlockName() string { return "http-check" }

// Summary implements Config.
func (h *HTTPCheck) Summary() string {
	return fmt.Sprintf("GET %s expects %d ×%d from %s", h.URL, h.ExpectStatus, h.Successes, h.Region)
}

func (h *HTTPCheck) validate(s *stepCtx) {
	if s.required(s.f("url"), "an http:// or https:// URL") {
		s.httpURL(s.f("url"), h.URL)
	}
	s.intRange(s.f("expectStatus"), h.ExpectStatus, 100, 599, "")
	s.durationRange(s.f("requestTimeout"), h.RequestTimeout, dur(time.Second), dur(time.Minute))
	s.durationRange(s.f("interval"), h.Interval, dur(time.Second), dur(10*time.Minute))
	s.intRange(s.f("successes"), h.Successes, 1, 100, "")
	if s.p.has(s.f("region")) {
		s.planRegion(s.f("region"), h.Region)
	}
}

func (h *HTTPCheck) setDefaults(s *stepCtx) {
	if h.ExpectStatus == 0 {
		h.ExpectStatus = 200
	}
	if h.RequestTimeout == 0 {
		h.RequestTimeout = dur(5 * time.Second)
	}
	if h.Interval == 0 {
		h.Interval = dur(15 * time.Second)
	}
	if h.Successes == 0 {
		h.Successes = 3
	}
	if h.Region == "" {
		h.Region = cmp.Or(s.target, s.wf.Region)
	}
}

// AlarmWait waits until every alarm, all in the workflow's Region, has been
// OK (green) for HoldFor. It measures when the application recovered.
type AlarmWait struct {
	Alarms  []string `yaml:"alarms" json:"alarms"`
	HoldFor Duration `yaml:"holdFor" json:"holdFor"`
}

// BlockName implements Config.
func (*AlarmWait) BlockName() string { return "alarm-wait" }

// Summary implements Config.
func (a *AlarmWait) Summary() string {
	names := make([]string, len(a.Alarms))
	for i, al := range a.Alarms {
		names[i] = shortARN(al)
	}
	return fmt.Sprintf("%s green for %s", strings.Join(names, ", "), a.HoldFor)
}

func (a *AlarmWait) validate(s *stepCtx) {
	if s.required(s.f("alarms"), "one or more CloudWatch alarm ARNs in the target Region") && len(a.Alarms) == 0 {
		s.errorf(s.f("alarms"), "empty list (one or more CloudWatch alarm ARNs in the target Region)")
	}
	paths := make([]string, len(a.Alarms))
	for i, al := range a.Alarms {
		paths[i] = index(s.f("alarms"), i)
		s.arn(paths[i], al, arnAlarm, s.resourceRegion())
	}
	s.unique("alarm", "alarms", paths, a.Alarms)
	s.durationRange(s.f("holdFor"), a.HoldFor, 0, dur(time.Hour))
}

func (a *AlarmWait) setDefaults(*stepCtx) {
	if a.HoldFor == 0 {
		a.HoldFor = dur(time.Minute)
	}
}

// EventSourceMapping enables or disables Lambda event source mappings,
// named by ARN or (in the workflow's Region) by UUID.
type EventSourceMapping struct {
	Mappings []string `yaml:"mappings" json:"mappings"`
	// State is enabled or disabled.
	State string `yaml:"state" json:"state"`
}

// BlockName implements Config.
func (*EventSourceMapping) BlockName() string { return "event-source-mapping" }

// Summary implements Config.
func (e *EventSourceMapping) Summary() string {
	names := make([]string, len(e.Mappings))
	for i, m := range e.Mappings {
		names[i] = shortARN(m)
	}
	return fmt.Sprintf("%s → %s", strings.Join(names, ", "), e.State)
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func (e *EventSourceMapping) validate(s *stepCtx) {
	if s.required(s.f("mappings"), "event source mapping ARNs or UUIDs") && len(e.Mappings) == 0 {
		s.errorf(s.f("mappings"), "empty list (event source mapping ARNs or UUIDs)")
	}
	paths := make([]string, len(e.Mappings))
	for i, m := range e.Mappings {
		paths[i] = index(s.f("mappings"), i)
		if strings.HasPrefix(m, "arn:") {
			s.arn(paths[i], m, arnESM, "*")
		} else if !uuidRE.MatchString(m) {
			s.errorf(paths[i], "bad event source mapping %q (an ARN %s or a lowercase UUID)", clip(m), arnESM.example)
		}
	}
	s.unique("mapping", "mappings", paths, e.Mappings)
	if s.required(s.f("state"), "enabled | disabled") {
		s.enum(s.f("state"), e.State, []string{"enabled", "disabled"})
	}
}

func (*EventSourceMapping) setDefaults(*stepCtx) {}

// RunPlan runs a workflow of another plan and waits for it: a nested plan
// or a member of a dependency group.
type RunPlan struct {
	// Plan is the other plan's metadata.name.
	Plan string `yaml:"plan" json:"plan"`
	// Kind and Region pick its workflow (default: this workflow's).
	Kind   WorkflowKind `yaml:"kind" json:"kind"`
	Region string       `yaml:"region" json:"region"`
}

// BlockName implements Config.
func (*RunPlan) BlockName() string { return "plan" }

// Summary implements Config.
func (r *RunPlan) Summary() string {
	return fmt.Sprintf("run plan %s (%s %s)", r.Plan, r.Kind, r.Region)
}

func (r *RunPlan) validate(s *stepCtx) {
	if s.required(s.f("plan"), "another plan's metadata.name") && s.name(s.f("plan"), r.Plan) && r.Plan == s.p.Metadata.Name {
		s.errorf(s.f("plan"), "a plan cannot run itself (another plan's metadata.name)")
	}
	s.enum(s.f("kind"), string(r.Kind), []string{string(Activate), string(Deactivate)})
	if s.p.has(s.f("region")) {
		s.planRegion(s.f("region"), r.Region)
	}
}

func (r *RunPlan) setDefaults(s *stepCtx) {
	if r.Kind == "" {
		r.Kind = s.wf.Kind
	}
	if r.Region == "" {
		r.Region = s.wf.Region
	}
}

// shortARN abbreviates an ARN to its resource part for display.
func shortARN(s string) string {
	if a, err := ParseARN(s); err == nil {
		return a.Resource
	}
	return s
}
