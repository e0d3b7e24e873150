package readiness

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/switchyard-dev/switchyard/shared/awsapi"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// DefaultExecutionRole is the execution role WorldFromPlan allows every block
// action for (arn:aws:iam::ACCOUNT:role/switchyard-execution).
const DefaultExecutionRole = "arn:aws:iam::123456789012:role/switchyard-execution"

// DefaultSecrets are the control-plane secrets WorldFromPlan creates in
// every Region and the CLI asks readiness to look for: the Slack bot token
// and signing secret (lambdaenv.SlackBotTokenArn, SlackSigningSecretArn).
var DefaultSecrets = []string{"switchyard/slack-bot-token", "switchyard/slack-signing-secret"}

// GlobalHome is the Region where the global services' control planes
// (IAM, Route 53) live; WorldFromPlan always includes it.
const GlobalHome = "us-east-1"

// WorldOptions configure WorldFromPlan.
type WorldOptions struct {
	sim.Options
	// ExecutionRole is allowed every action of every block (default
	// DefaultExecutionRole).
	ExecutionRole string
	// Secrets are created in every Region (default DefaultSecrets).
	Secrets []string
}

// WorldFromPlan builds a healthy simulated two-Region world holding every
// resource the plans name: ECS services (the source at 10 tasks, the target
// as a warm standby at 2), Auto Scaling groups, Aurora global databases (the
// writer in each workflow's source Region), ARC clusters with their routing
// controls, Route 53 health checks, CloudWatch alarms (OK), the control
// plane's secrets in every Region, EKS node groups, the endpoints
// http-check steps probe, the functions lambda steps invoke, the hosted
// zones and weighted records route53-record steps change, the event source
// mappings and write fences the plans name (sim.AddPlanResources), the STOP
// pattern of every stop-signal
// flag (sim.AddStopSignal: replicated S3 flag, the primary's health endpoint
// and its Route 53 health check) and an execution role allowed every block
// action. The world always includes GlobalHome. Readiness of a plan on its own world is ready; faults injected
// afterwards make it not ready. The drill builds its world the same way.
func WorldFromPlan(o WorldOptions, plans ...*plan.Plan) (*sim.World, error) {
	regions := map[string]bool{}
	for _, r := range o.Regions {
		regions[r] = true
	}
	for _, p := range plans {
		for _, r := range p.Spec.Regions {
			regions[r] = true
		}
	}
	// IAM and Route 53 are global services whose control plane is homed in
	// us-east-1: the world needs that Region for them to answer, even when
	// no plan uses it.
	regions[GlobalHome] = true
	so := o.Options
	so.Regions = sortedKeys(regions)
	w, err := sim.New(so)
	if err != nil {
		return nil, fmt.Errorf("building the simulated world: %w", err)
	}
	b := &builder{w: w, ecs: map[string]bool{}, asg: map[string]bool{}, eks: map[string]bool{}, alarms: map[string]bool{}, globals: map[string]bool{},
		arc: map[string]map[string]map[string]bool{}, stops: map[string]bool{}}
	// STOP signals first: their endpoints own the verifyUrl an http-check
	// step may probe as well.
	for _, p := range plans {
		if err := b.stopSignals(p); err != nil {
			return nil, fmt.Errorf("building the simulated world for plan %s: %w", p.Metadata.Name, err)
		}
	}
	for _, p := range plans {
		if err := b.plan(p); err != nil {
			return nil, fmt.Errorf("building the simulated world for plan %s: %w", p.Metadata.Name, err)
		}
	}
	if err := b.flushARC(); err != nil {
		return nil, err
	}
	// Event source mappings and write fences (SSM parameters, DynamoDB
	// items), as the drill has them.
	if err := w.AddPlanResources(plans...); err != nil {
		return nil, fmt.Errorf("building the simulated world: %w", err)
	}
	role := o.ExecutionRole
	if role == "" {
		role = DefaultExecutionRole
	}
	var actions []string
	for _, bs := range plan.Blocks() {
		actions = append(actions, bs.Actions...)
	}
	w.AllowActions(role, actions...)
	secrets := o.Secrets
	if secrets == nil {
		secrets = DefaultSecrets
	}
	for _, r := range so.Regions {
		for _, s := range secrets {
			if err := w.AddSecret(r, s, "sim-secret-value"); err != nil {
				return nil, fmt.Errorf("adding secret %s in %s: %w", s, r, err)
			}
		}
	}
	return w, nil
}

type builder struct {
	w       *sim.World
	ecs     map[string]bool
	asg     map[string]bool
	eks     map[string]bool
	alarms  map[string]bool
	globals map[string]bool
	arc     map[string]map[string]map[string]bool // cluster -> panel -> control -> on
	stops   map[string]bool                       // bucket/key of STOP flags set up
}

// arnPart returns the part of an ARN's resource after prefix ("cluster/").
func arnPart(arn, prefix string) string {
	a, err := plan.ParseARN(arn)
	if err != nil {
		return resourceID(arn)
	}
	return strings.TrimLeft(strings.TrimPrefix(a.Resource, prefix), "/:")
}

func (b *builder) plan(p *plan.Plan) error {
	for _, ref := range p.Steps() {
		target, source := p.StepRegions(ref.Workflow)
		switch cfg := ref.Step.With.(type) {
		case *plan.ECSScale:
			if err := b.ecsService(target, cfg.Target, 2); err != nil {
				return err
			}
			if source != "" {
				if err := b.ecsService(source, cfg.Source, 10); err != nil {
					return err
				}
			}
		case *plan.ASGScale:
			if err := b.asgGroup(target, cfg.Target.Name, 2); err != nil {
				return err
			}
			if source != "" {
				if err := b.asgGroup(source, cfg.Source.Name, 10); err != nil {
					return err
				}
			}
		case *plan.EKSScale:
			if err := b.nodegroup(target, cfg.Target, 2); err != nil {
				return err
			}
			if source != "" {
				if err := b.nodegroup(source, cfg.Source, 10); err != nil {
					return err
				}
			}
		case *plan.HTTPCheck:
			region := cfg.Region
			if region == "" {
				region = target
			}
			if err := sim.IgnoreDuplicate(b.w.AddEndpoint(sim.EndpointSpec{URL: cfg.URL, Region: region})); err != nil {
				return err
			}
		case *plan.Lambda:
			if err := sim.IgnoreDuplicate(b.w.AddFunction(cfg.Function, func(context.Context, []byte) ([]byte, error) { return []byte("{}"), nil })); err != nil {
				return err
			}
		case *plan.Route53Record:
			if err := b.records(cfg, target, source); err != nil {
				return err
			}
		case *plan.AuroraGlobal:
			if err := b.global(cfg, source); err != nil {
				return err
			}
		case *plan.ARCRoutingControl:
			cl := arnPart(cfg.Cluster, "cluster")
			for _, s := range cfg.States {
				res := arnPart(s.RoutingControl, "controlpanel")
				panel, ctl, _ := strings.Cut(res, "/routingcontrol/")
				if b.arc[cl] == nil {
					b.arc[cl] = map[string]map[string]bool{}
				}
				if b.arc[cl][panel] == nil {
					b.arc[cl][panel] = map[string]bool{}
				}
				// The standby's control starts in the opposite of the state
				// a failover sets.
				if _, seen := b.arc[cl][panel][ctl]; !seen {
					b.arc[cl][panel][ctl] = s.State != "On"
				}
			}
		case *plan.AlarmWait:
			for _, a := range cfg.Alarms {
				if err := b.alarm(a, target); err != nil {
					return err
				}
			}
		}
	}
	for _, t := range p.Spec.Triggers {
		for _, c := range t.Conditions {
			if err := b.alarm(c.Alarm, t.Target); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *builder) ecsService(region string, s plan.ECSService, desired int32) error {
	cl := arnPart(s.Cluster, "cluster")
	k := region + "/" + cl + "/" + s.Service
	if b.ecs[k] {
		return nil
	}
	b.ecs[k] = true
	return b.w.AddECSService(sim.ECSServiceSpec{Region: region, Cluster: cl, Service: s.Service, Desired: desired, PeakTasks: 10})
}

func (b *builder) nodegroup(region string, d plan.EKSDeployment, desired int32) error {
	cl := arnPart(d.Cluster, "cluster")
	k := region + "/" + cl + "/" + d.Deployment
	if b.eks[k] {
		return nil
	}
	b.eks[k] = true
	return b.w.AddNodegroup(sim.NodegroupSpec{Region: region, Cluster: cl, Name: d.Deployment, Min: 0, Max: 40, Desired: desired})
}

// records adds the hosted zone and the weighted records a route53-record
// step changes: the source's at weight 100, the others at 0 (the drill
// models the same records).
func (b *builder) records(cfg *plan.Route53Record, target, source string) error {
	if err := sim.IgnoreDuplicate(b.w.AddHostedZone(cfg.HostedZoneID, "example.com.")); err != nil {
		return err
	}
	for _, rc := range cfg.Records {
		region := ""
		switch {
		case strings.Contains(rc.SetIdentifier, target):
			region = target
		case source != "" && strings.Contains(rc.SetIdentifier, source):
			region = source
		}
		weight := int64(0)
		if region != "" && region == source {
			weight = 100
		}
		typ := rc.Type
		if typ == "" {
			typ = "A"
		}
		if err := sim.IgnoreDuplicate(b.w.AddRecord(cfg.HostedZoneID, sim.RecordSpec{Name: rc.Name, Type: r53types.RRType(typ), SetIdentifier: rc.SetIdentifier,
			Weight: aws.Int64(weight), Region: region})); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) asgGroup(region, name string, desired int32) error {
	n := resourceID(name)
	k := region + "/" + n
	if b.asg[k] {
		return nil
	}
	b.asg[k] = true
	return b.w.AddASG(sim.ASGSpec{Region: region, Name: n, Min: 0, Max: 40, Desired: desired, PeakInstances: 10})
}

func (b *builder) alarm(arn, def string) error {
	region := regionOfARN(arn, def)
	name := alarmName(arn)
	k := region + "/" + name
	if b.alarms[k] {
		return nil
	}
	b.alarms[k] = true
	return b.w.AddAlarm(sim.AlarmSpec{Region: region, Name: name, Namespace: "Switchyard/Sim", MetricName: name, Threshold: 1,
		State: cwtypes.StateValueOk})
}

func (b *builder) global(cfg *plan.AuroraGlobal, writer string) error {
	id := arnPart(cfg.GlobalCluster, "global-cluster")
	if b.globals[id] {
		return nil
	}
	b.globals[id] = true
	spec := sim.GlobalClusterSpec{ID: id}
	regions := sortedKeys(cfg.Members)
	if writer == "" && len(regions) > 0 {
		writer = regions[0]
	}
	for _, r := range regions {
		spec.Members = append(spec.Members, sim.MemberSpec{Region: r, ClusterID: arnPart(cfg.Members[r], "cluster"), Writer: r == writer})
	}
	return b.w.AddGlobalCluster(spec)
}

func (b *builder) flushARC() error {
	for _, cl := range sortedKeys(b.arc) {
		spec := sim.ARCClusterSpec{Name: cl}
		for _, panel := range sortedKeys(b.arc[cl]) {
			ps := sim.ControlPanelSpec{Name: panel}
			for _, ctl := range sortedKeys(b.arc[cl][panel]) {
				ps.Controls = append(ps.Controls, sim.RoutingControlSpec{Name: ctl, On: b.arc[cl][panel][ctl]})
			}
			spec.ControlPanels = append(spec.ControlPanels, ps)
		}
		if _, err := b.w.AddRoutingControlCluster(spec); err != nil {
			return fmt.Errorf("adding ARC cluster %s: %w", cl, err)
		}
	}
	return nil
}

// stopSignals sets up the STOP pattern (sim.AddStopSignal) for every
// stop-signal flag the plan names: the flag bucket in the signal Region
// replicated to the primary, the primary's health endpoint at verifyUrl
// answering 503 while the flag is there, and the Route 53 HTTPS health
// check on it. A plan's publish and withdraw steps name the same flag;
// their settings are merged (the first health check and URL win) so the
// flag is set up once. The drill adds the same spec, which is a no-op.
func (b *builder) stopSignals(p *plan.Plan) error {
	specs := map[string]*sim.StopSignalSpec{}
	var order []string
	for _, ref := range p.Steps() {
		cfg, ok := ref.Step.With.(*plan.StopSignal)
		if !ok {
			continue
		}
		target, source := p.StepRegions(ref.Workflow)
		region := cfg.Region
		if region == "" {
			region = target
		}
		// The primary is the Region whose health endpoint reads the flag:
		// the workflow's source when the standby takes over, its target
		// when the flag is withdrawn from the standby's side (failback).
		primary := source
		if primary == "" || primary == region {
			primary = target
		}
		if primary == region {
			primary = p.Spec.Primary
		}
		k := cfg.Bucket + "/" + cfg.Key
		sp := specs[k]
		if sp == nil {
			sp = &sim.StopSignalSpec{Bucket: cfg.Bucket, Key: cfg.Key, Region: region, PrimaryRegion: primary}
			specs[k] = sp
			order = append(order, k)
		}
		if sp.HealthCheckID == "" {
			sp.HealthCheckID = cfg.HealthCheckID
		}
		if sp.URL == "" {
			sp.URL = cfg.VerifyURL
		}
	}
	for _, k := range order {
		sp := specs[k]
		if b.stops[k] {
			continue
		}
		b.stops[k] = true
		if err := b.w.AddStopSignal(*sp); err != nil && !errors.Is(err, sim.ErrDuplicate) {
			return fmt.Errorf("setting up the STOP signal s3://%s: %w", k, err)
		}
	}
	return nil
}

// SimClients serves Clients, ARCDirectory and Quotas from a simulated
// world. Its clients are the world's own (sim.World.Clients); it adds the
// ARC directory and the capacity headroom the simulator models.
type SimClients struct {
	W *sim.World
}

var (
	_ Clients      = SimClients{}
	_ ARCDirectory = SimClients{}
	_ Quotas       = SimClients{}
)

// RDS implements Clients.
func (c SimClients) RDS(region string) awsapi.RDS { return c.W.Clients().RDS(region) }

// ECS implements Clients.
func (c SimClients) ECS(region string) awsapi.ECS { return c.W.Clients().ECS(region) }

// AutoScaling implements Clients.
func (c SimClients) AutoScaling(region string) awsapi.AutoScaling {
	return c.W.Clients().AutoScaling(region)
}

// CloudWatch implements Clients.
func (c SimClients) CloudWatch(region string) awsapi.CloudWatch {
	return c.W.Clients().CloudWatch(region)
}

// SecretsManager implements Clients.
func (c SimClients) SecretsManager(region string) awsapi.SecretsManager {
	return c.W.Clients().SecretsManager(region)
}

// Route53 implements Clients.
func (c SimClients) Route53() awsapi.Route53 { return c.W.Clients().Route53() }

// IAM implements Clients.
func (c SimClients) IAM() awsapi.IAM { return c.W.Clients().IAM() }

// ARC implements Clients: the world's client for the endpoint; an unknown
// endpoint yields a client whose calls fail like a refused connection.
func (c SimClients) ARC(ep awsapi.ARCEndpoint) awsapi.ARC { return c.W.Clients().ARC(ep) }

// Endpoints implements ARCDirectory with the world's cluster endpoints.
func (c SimClients) Endpoints(_ context.Context, clusterARN string) ([]awsapi.ARCEndpoint, error) {
	eps, err := c.W.ARCEndpoints(arnPart(clusterARN, "cluster"))
	if err != nil {
		return nil, err
	}
	out := make([]awsapi.ARCEndpoint, len(eps))
	for i, e := range eps {
		out[i] = awsapi.ARCEndpoint{URL: e.URL, Region: e.Region}
	}
	return out, nil
}

// Headroom implements Quotas from the capacity faults in force.
func (c SimClients) Headroom(_ context.Context, region, service string) (int, error) {
	pct := 100
	for _, f := range c.W.Faults() {
		if f.Fault.Kind == sim.FaultCapacity && f.Fault.Region == region && f.Fault.Service == service {
			pct = min(pct, f.Fault.Percent)
		}
	}
	return pct, nil
}

// StaticVersions is a Versions that reports the same deployed version of
// every plan in every Region, except where Missing or Different say
// otherwise (tests and the simulator).
type StaticVersions struct {
	// Version per plan name.
	Version map[string]string
	// Missing Regions have no copy of any plan; Different Regions report
	// another version.
	Missing, Different []string
}

// ErrPlanNotDeployed is returned by StaticVersions for a Region without the
// plan; it wraps store.ErrNotFound.
var ErrPlanNotDeployed = fmt.Errorf("plan not deployed: %w", store.ErrNotFound)

// DeployedVersion implements Versions.
func (s StaticVersions) DeployedVersion(_ context.Context, region, name string) (string, error) {
	for _, r := range s.Missing {
		if r == region {
			return "", ErrPlanNotDeployed
		}
	}
	v, ok := s.Version[name]
	if !ok {
		return "", ErrPlanNotDeployed
	}
	for _, r := range s.Different {
		if r == region {
			return "sha256:" + strings.Repeat("0", 64), nil
		}
	}
	return v, nil
}

// VersionsOf returns StaticVersions reporting each plan's own fingerprint.
func VersionsOf(plans ...*plan.Plan) StaticVersions {
	s := StaticVersions{Version: map[string]string{}}
	for _, p := range plans {
		s.Version[p.Metadata.Name] = p.Fingerprint()
	}
	return s
}

// SlackFunc adapts a function to Slack.
type SlackFunc func(ctx context.Context) error

// Ping implements Slack.
func (f SlackFunc) Ping(ctx context.Context) error { return f(ctx) }

// FaultsSummary lists the faults in force in a world, sorted, for messages.
func FaultsSummary(w *sim.World) string {
	var out []string
	for _, f := range w.Faults() {
		out = append(out, f.Fault.String())
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}
