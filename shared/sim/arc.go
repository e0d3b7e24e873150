package sim

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53recoverycluster"
	arctypes "github.com/aws/aws-sdk-go-v2/service/route53recoverycluster/types"
)

// DefaultARCEndpointRegions are the Regions of a cluster's five endpoints.
var DefaultARCEndpointRegions = []string{"us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1", "ap-southeast-2"}

// ARCClusterSpec describes an ARC cluster, its control panels, routing
// controls and safety rules.
type ARCClusterSpec struct {
	Name string
	// EndpointRegions of the five cluster endpoints (default
	// DefaultARCEndpointRegions).
	EndpointRegions []string
	ControlPanels   []ControlPanelSpec
}

// ControlPanelSpec is a control panel with routing controls and rules.
type ControlPanelSpec struct {
	Name     string
	Controls []RoutingControlSpec
	// AssertionRules must hold after every update.
	AssertionRules []AssertionRule
	// GatingRules gate changes to target controls.
	GatingRules []GatingRule
}

// RoutingControlSpec is a routing control and its initial state.
type RoutingControlSpec struct {
	Name string
	On   bool
}

// AssertionRule: at least MinOn of AssertedControls (names) must be On.
type AssertionRule struct {
	Name             string
	AssertedControls []string
	MinOn            int
}

// GatingRule: TargetControls (names) may change only while at least MinOn
// of GatingControls (names) are On.
type GatingRule struct {
	Name           string
	GatingControls []string
	TargetControls []string
	MinOn          int
}

// ARCEndpoint is one of a cluster's Regional endpoints.
type ARCEndpoint struct {
	URL    string
	Region string
}

type arcState struct {
	clusters map[string]*arcCluster // name
	controls map[string]*routingControl
}

func (a *arcState) init() {
	a.clusters = map[string]*arcCluster{}
	a.controls = map[string]*routingControl{}
}

type arcCluster struct {
	name, arn string
	endpoints []ARCEndpoint
	panels    []*controlPanel
}

type controlPanel struct {
	name, arn string
	controls  []string // ARNs
	assertion []AssertionRule
	gating    []GatingRule
}

type routingControl struct {
	arn, name string
	panel     *controlPanel
	cluster   *arcCluster
	on        bool
}

// AddRoutingControlCluster adds an ARC cluster; it returns the routing
// control ARNs by name ("panel/control").
func (w *World) AddRoutingControlCluster(spec ARCClusterSpec) (map[string]string, error) {
	arns := map[string]string{}
	err := w.mutate(func(now time.Time) error {
		if spec.Name == "" {
			return fmt.Errorf("ARC cluster: Name is empty")
		}
		if _, ok := w.arc.clusters[spec.Name]; ok {
			return fmt.Errorf("ARC cluster %q: %w", spec.Name, ErrDuplicate)
		}
		regs := spec.EndpointRegions
		if len(regs) == 0 {
			regs = DefaultARCEndpointRegions
		}
		if len(regs) != 5 {
			return fmt.Errorf("ARC cluster %q: a cluster has 5 endpoints, got %d EndpointRegions", spec.Name, len(regs))
		}
		cl := &arcCluster{name: spec.Name, arn: fmt.Sprintf("arn:aws:route53-recovery-control::%s:cluster/%s", w.account, spec.Name)}
		for i, r := range regs {
			w.addRegion(r)
			cl.endpoints = append(cl.endpoints, ARCEndpoint{Region: r,
				URL: fmt.Sprintf("https://%s-%d.route53-recovery-cluster.%s.amazonaws.com/v1", spec.Name, i, r)})
		}
		for _, ps := range spec.ControlPanels {
			p := &controlPanel{name: ps.Name, arn: fmt.Sprintf("arn:aws:route53-recovery-control::%s:controlpanel/%s", w.account, ps.Name)}
			byName := map[string]string{}
			for _, cs := range ps.Controls {
				arn := p.arn + "/routingcontrol/" + cs.Name
				if _, dup := w.arc.controls[arn]; dup || cs.Name == "" {
					return fmt.Errorf("ARC cluster %q panel %q: routing control %q is empty or duplicated", spec.Name, ps.Name, cs.Name)
				}
				w.arc.controls[arn] = &routingControl{arn: arn, name: cs.Name, panel: p, cluster: cl, on: cs.On}
				p.controls = append(p.controls, arn)
				byName[cs.Name] = arn
				arns[ps.Name+"/"+cs.Name] = arn
			}
			resolve := func(rule string, names []string) ([]string, error) {
				var out []string
				for _, n := range names {
					a, ok := byName[n]
					if !ok {
						return nil, fmt.Errorf("ARC cluster %q panel %q rule %q: unknown routing control %q", spec.Name, ps.Name, rule, n)
					}
					out = append(out, a)
				}
				return out, nil
			}
			for _, r := range ps.AssertionRules {
				ctl, err := resolve(r.Name, r.AssertedControls)
				if err != nil {
					return err
				}
				p.assertion = append(p.assertion, AssertionRule{Name: r.Name, AssertedControls: ctl, MinOn: r.MinOn})
			}
			for _, r := range ps.GatingRules {
				g, err := resolve(r.Name, r.GatingControls)
				if err != nil {
					return err
				}
				t, err := resolve(r.Name, r.TargetControls)
				if err != nil {
					return err
				}
				p.gating = append(p.gating, GatingRule{Name: r.Name, GatingControls: g, TargetControls: t, MinOn: r.MinOn})
			}
			cl.panels = append(cl.panels, p)
		}
		w.arc.clusters[spec.Name] = cl
		return nil
	})
	return arns, err
}

// ARCEndpoints lists a cluster's five endpoints.
func (w *World) ARCEndpoints(cluster string) ([]ARCEndpoint, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	cl := w.arc.clusters[cluster]
	if cl == nil {
		return nil, fmt.Errorf("ARC cluster %q not found", cluster)
	}
	return slices.Clone(cl.endpoints), nil
}

// RoutingControlOn reports a routing control's state (for assertions).
func (w *World) RoutingControlOn(arn string) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	rc := w.arc.controls[arn]
	if rc == nil {
		return false, fmt.Errorf("routing control %q not found", arn)
	}
	return rc.on, nil
}

// ARCClient is the routing-control data plane through one cluster endpoint.
type ARCClient struct {
	w        *World
	cluster  string
	index    int
	endpoint ARCEndpoint
	unknown  bool // no cluster has this endpoint: every call is refused
}

// ARC returns a client bound to endpoint index (0..4) of cluster. When the
// endpoint is down its calls fail like a refused connection, so callers
// rotate to the next endpoint.
func (w *World) ARC(cluster string, index int) (*ARCClient, error) {
	eps, err := w.ARCEndpoints(cluster)
	if err != nil {
		return nil, err
	}
	if index < 0 || index >= len(eps) {
		return nil, fmt.Errorf("ARC cluster %q: endpoint index %d out of range [0, %d]", cluster, index, len(eps)-1)
	}
	return &ARCClient{w: w, cluster: cluster, index: index, endpoint: eps[index]}, nil
}

// ARCByURL returns the client for an endpoint URL, as a client factory
// keyed by endpoint needs.
func (w *World) ARCByURL(url string) (*ARCClient, error) {
	w.mu.Lock()
	var names []string
	for _, n := range sortedKeys(w.arc.clusters) {
		names = append(names, n)
	}
	w.mu.Unlock()
	for _, n := range names {
		eps, _ := w.ARCEndpoints(n)
		for i, ep := range eps {
			if ep.URL == url {
				return w.ARC(n, i)
			}
		}
	}
	return nil, fmt.Errorf("no ARC cluster endpoint %q", url)
}

// Endpoint is the endpoint this client talks to.
func (c *ARCClient) Endpoint() ARCEndpoint { return c.endpoint }

func (c *ARCClient) do(ctx context.Context, api string, body func(now time.Time) error) error {
	return c.w.do(ctx, svcARC, api, c.endpoint.Region, func(now time.Time) error {
		if c.unknown || c.w.arcEndpointDown(c.cluster, c.index) {
			return unreachableError(c.endpoint.URL)
		}
		return body(now)
	})
}

func (c *ARCClient) control(arn *string) (*routingControl, error) {
	rc := c.w.arc.controls[aws.ToString(arn)]
	if rc == nil || rc.cluster.name != c.cluster {
		return nil, &arctypes.ResourceNotFoundException{Message: aws.String(fmt.Sprintf("Routing control %s not found in this cluster.", aws.ToString(arn))),
			ResourceId: arn, ResourceType: aws.String("RoutingControl")}
	}
	return rc, nil
}

// GetRoutingControlState reads one routing control.
func (c *ARCClient) GetRoutingControlState(ctx context.Context, in *route53recoverycluster.GetRoutingControlStateInput, _ ...func(*route53recoverycluster.Options)) (*route53recoverycluster.GetRoutingControlStateOutput, error) {
	if in == nil {
		in = &route53recoverycluster.GetRoutingControlStateInput{}
	}
	out := &route53recoverycluster.GetRoutingControlStateOutput{}
	err := c.do(ctx, "GetRoutingControlState", func(time.Time) error {
		rc, err := c.control(in.RoutingControlArn)
		if err != nil {
			return err
		}
		out.RoutingControlArn, out.RoutingControlName = aws.String(rc.arn), aws.String(rc.name)
		out.RoutingControlState = stateOf(rc.on)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func stateOf(on bool) arctypes.RoutingControlState {
	if on {
		return arctypes.RoutingControlStateOn
	}
	return arctypes.RoutingControlStateOff
}

// apply validates the whole batch against safety rules, then applies it.
func (c *ARCClient) apply(entries []arctypes.UpdateRoutingControlStateEntry, override []string) error {
	proposed := map[string]bool{}
	changed := map[string]bool{}
	for _, e := range entries {
		rc, err := c.control(e.RoutingControlArn)
		if err != nil {
			return err
		}
		var on bool
		switch e.RoutingControlState {
		case arctypes.RoutingControlStateOn:
			on = true
		case arctypes.RoutingControlStateOff:
		default:
			return &arctypes.ValidationException{Message: aws.String(fmt.Sprintf("Invalid routing control state %q; allowed: On, Off.", e.RoutingControlState)),
				Reason: arctypes.ValidationExceptionReasonFieldValidationFailed}
		}
		proposed[rc.arn] = on
		if rc.on != on {
			changed[rc.arn] = true
		}
	}
	stateAfter := func(arn string) bool {
		if v, ok := proposed[arn]; ok {
			return v
		}
		return c.w.arc.controls[arn].on
	}
	overridden := func(name string) bool { return slices.Contains(override, name) }
	cl := c.w.arc.clusters[c.cluster]
	for _, p := range cl.panels {
		for _, r := range p.assertion {
			if overridden(r.Name) || !anyIn(r.AssertedControls, changed) {
				continue
			}
			on := 0
			for _, a := range r.AssertedControls {
				if stateAfter(a) {
					on++
				}
			}
			if on < r.MinOn {
				return &arctypes.ConflictException{ResourceId: aws.String(r.Name), ResourceType: aws.String("SafetyRule"),
					Message: aws.String(fmt.Sprintf("The update violates assertion rule %q: at least %d of its %d routing controls must be On, the update leaves %d On.",
						r.Name, r.MinOn, len(r.AssertedControls), on))}
			}
		}
		for _, r := range p.gating {
			if overridden(r.Name) || !anyIn(r.TargetControls, changed) {
				continue
			}
			on := 0
			for _, g := range r.GatingControls {
				if stateAfter(g) {
					on++
				}
			}
			if on < r.MinOn {
				return &arctypes.ConflictException{ResourceId: aws.String(r.Name), ResourceType: aws.String("SafetyRule"),
					Message: aws.String(fmt.Sprintf("The update violates gating rule %q: its target controls can change only while at least %d of its gating controls are On (%d are).",
						r.Name, r.MinOn, on))}
			}
		}
	}
	for arn, on := range proposed {
		c.w.arc.controls[arn].on = on
	}
	return nil
}

func anyIn(arns []string, set map[string]bool) bool {
	for _, a := range arns {
		if set[a] {
			return true
		}
	}
	return false
}

// UpdateRoutingControlState sets one routing control, subject to safety
// rules (a violation is a *types.ConflictException).
func (c *ARCClient) UpdateRoutingControlState(ctx context.Context, in *route53recoverycluster.UpdateRoutingControlStateInput, _ ...func(*route53recoverycluster.Options)) (*route53recoverycluster.UpdateRoutingControlStateOutput, error) {
	if in == nil {
		in = &route53recoverycluster.UpdateRoutingControlStateInput{}
	}
	err := c.do(ctx, "UpdateRoutingControlState", func(time.Time) error {
		return c.apply([]arctypes.UpdateRoutingControlStateEntry{{RoutingControlArn: in.RoutingControlArn, RoutingControlState: in.RoutingControlState}}, in.SafetyRulesToOverride)
	})
	if err != nil {
		return nil, err
	}
	return &route53recoverycluster.UpdateRoutingControlStateOutput{}, nil
}

// UpdateRoutingControlStates sets several routing controls atomically.
func (c *ARCClient) UpdateRoutingControlStates(ctx context.Context, in *route53recoverycluster.UpdateRoutingControlStatesInput, _ ...func(*route53recoverycluster.Options)) (*route53recoverycluster.UpdateRoutingControlStatesOutput, error) {
	if in == nil {
		in = &route53recoverycluster.UpdateRoutingControlStatesInput{}
	}
	err := c.do(ctx, "UpdateRoutingControlStates", func(time.Time) error {
		return c.apply(in.UpdateRoutingControlStateEntries, in.SafetyRulesToOverride)
	})
	if err != nil {
		return nil, err
	}
	return &route53recoverycluster.UpdateRoutingControlStatesOutput{}, nil
}

// ListRoutingControls lists the cluster's routing controls, optionally of
// one control panel.
func (c *ARCClient) ListRoutingControls(ctx context.Context, in *route53recoverycluster.ListRoutingControlsInput, _ ...func(*route53recoverycluster.Options)) (*route53recoverycluster.ListRoutingControlsOutput, error) {
	if in == nil {
		in = &route53recoverycluster.ListRoutingControlsInput{}
	}
	out := &route53recoverycluster.ListRoutingControlsOutput{}
	err := c.do(ctx, "ListRoutingControls", func(time.Time) error {
		cl := c.w.arc.clusters[c.cluster]
		for _, p := range cl.panels {
			if in.ControlPanelArn != nil && *in.ControlPanelArn != p.arn {
				continue
			}
			for _, arn := range p.controls {
				rc := c.w.arc.controls[arn]
				out.RoutingControls = append(out.RoutingControls, arctypes.RoutingControl{ControlPanelArn: aws.String(p.arn),
					ControlPanelName: aws.String(p.name), RoutingControlArn: aws.String(arn), RoutingControlName: aws.String(rc.name),
					RoutingControlState: stateOf(rc.on), Owner: aws.String(c.w.account)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
