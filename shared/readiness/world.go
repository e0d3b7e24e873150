package readiness

import (
	"context"
	"fmt"
	"sort"
	"strings"

	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/route53recoverycluster"

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
// plane's secrets in every Region and an execution role allowed every block
// action. Readiness of a plan on its own world is ready; faults injected
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
	so := o.Options
	so.Regions = sortedKeys(regions)
	w, err := sim.New(so)
	if err != nil {
		return nil, fmt.Errorf("building the simulated world: %w", err)
	}
	b := &builder{w: w, ecs: map[string]bool{}, asg: map[string]bool{}, alarms: map[string]bool{}, globals: map[string]bool{},
		arc: map[string]map[string]map[string]bool{}, hc: map[string]bool{}}
	for _, p := range plans {
		if err := b.plan(p); err != nil {
			return nil, fmt.Errorf("building the simulated world for plan %s: %w", p.Metadata.Name, err)
		}
	}
	if err := b.flushARC(); err != nil {
		return nil, err
	}
	for _, p := range plans {
		if err := b.healthChecks(p); err != nil {
			return nil, fmt.Errorf("building the simulated world for plan %s: %w", p.Metadata.Name, err)
		}
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
	alarms  map[string]bool
	globals map[string]bool
	arc     map[string]map[string]map[string]bool // cluster -> panel -> control -> on
	hc      map[string]bool
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

func (b *builder) healthChecks(p *plan.Plan) error {
	for _, ref := range p.Steps() {
		cfg, ok := ref.Step.With.(*plan.StopSignal)
		if !ok || cfg.HealthCheckID == "" || b.hc[cfg.HealthCheckID] {
			continue
		}
		b.hc[cfg.HealthCheckID] = true
		src := p.SourceRegion(cfg.Region)
		if src == "" {
			src = cfg.Region
		}
		if err := b.w.AddHealthCheck(sim.HealthCheckSpec{ID: cfg.HealthCheckID, Type: sim.HealthCheckEndpoint, Region: src}); err != nil {
			return err
		}
	}
	return nil
}

// SimClients serves Clients, ARCDirectory and Quotas from a simulated world.
type SimClients struct {
	W *sim.World
}

var (
	_ Clients      = SimClients{}
	_ ARCDirectory = SimClients{}
	_ Quotas       = SimClients{}
)

// RDS implements Clients.
func (c SimClients) RDS(region string) awsapi.RDS { return c.W.RDS(region) }

// ECS implements Clients.
func (c SimClients) ECS(region string) awsapi.ECS { return c.W.ECS(region) }

// AutoScaling implements Clients.
func (c SimClients) AutoScaling(region string) awsapi.AutoScaling { return c.W.AutoScaling(region) }

// CloudWatch implements Clients.
func (c SimClients) CloudWatch(region string) awsapi.CloudWatch { return c.W.CloudWatch(region) }

// SecretsManager implements Clients.
func (c SimClients) SecretsManager(region string) awsapi.SecretsManager {
	return c.W.SecretsManager(region)
}

// Route53 implements Clients.
func (c SimClients) Route53() awsapi.Route53 { return c.W.Route53() }

// IAM implements Clients.
func (c SimClients) IAM() awsapi.IAM { return c.W.IAM() }

// ARC implements Clients: the world's client for the endpoint, or a client
// whose calls fail when the endpoint is unknown.
func (c SimClients) ARC(ep awsapi.ARCEndpoint) awsapi.ARC {
	cl, err := c.W.ARCByURL(ep.URL)
	if err != nil {
		return failingARC{err: err}
	}
	return cl
}

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

type failingARC struct{ err error }

func (f failingARC) GetRoutingControlState(context.Context, *route53recoverycluster.GetRoutingControlStateInput, ...func(*route53recoverycluster.Options)) (*route53recoverycluster.GetRoutingControlStateOutput, error) {
	return nil, f.err
}
func (f failingARC) UpdateRoutingControlState(context.Context, *route53recoverycluster.UpdateRoutingControlStateInput, ...func(*route53recoverycluster.Options)) (*route53recoverycluster.UpdateRoutingControlStateOutput, error) {
	return nil, f.err
}
func (f failingARC) UpdateRoutingControlStates(context.Context, *route53recoverycluster.UpdateRoutingControlStatesInput, ...func(*route53recoverycluster.Options)) (*route53recoverycluster.UpdateRoutingControlStatesOutput, error) {
	return nil, f.err
}
func (f failingARC) ListRoutingControls(context.Context, *route53recoverycluster.ListRoutingControlsInput, ...func(*route53recoverycluster.Options)) (*route53recoverycluster.ListRoutingControlsOutput, error) {
	return nil, f.err
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
