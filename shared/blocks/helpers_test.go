package blocks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53recoverycluster"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/switchyard-dev/switchyard/shared/awsapi"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

const (
	east    = "us-east-1" // source
	west    = "us-west-2" // target
	account = "123456789012"
	gcID    = "payments-global"
	third   = "eu-west-1" // a third member, for conflicts
)

var (
	gcARN   = "arn:aws:rds::" + account + ":global-cluster:" + gcID
	eastDB  = "arn:aws:rds:" + east + ":" + account + ":cluster:payments-use1"
	westDB  = "arn:aws:rds:" + west + ":" + account + ":cluster:payments-usw2"
	arcARN  = "arn:aws:route53-recovery-control::" + account + ":cluster/payments-arc"
	rcEast  = "arn:aws:route53-recovery-control::" + account + ":controlpanel/payments/routingcontrol/east"
	rcWest  = "arn:aws:route53-recovery-control::" + account + ":controlpanel/payments/routingcontrol/west"
	t0      = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	ecsEast = "arn:aws:ecs:" + east + ":" + account + ":cluster/app"
	ecsWest = "arn:aws:ecs:" + west + ":" + account + ":cluster/app"
)

// simClients adapts a sim.World to awsapi.Clients (until the simulator ships
// World.Clients): ARC endpoints by URL, S3 from a fake.
type simClients struct {
	w  *sim.World
	s3 *fakeS3
	// calls counts every client handed out per Region, to prove the source
	// Region is never touched.
	mu      sync.Mutex
	regions map[string]int
	// lambda, when set, replaces every Region's Lambda client.
	lambda awsapi.Lambda
}

func (c *simClients) note(region string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.regions[region]++
}

func (c *simClients) RDS(r string) awsapi.RDS                 { c.note(r); return c.w.RDS(r) }
func (c *simClients) ECS(r string) awsapi.ECS                 { c.note(r); return c.w.ECS(r) }
func (c *simClients) AutoScaling(r string) awsapi.AutoScaling { c.note(r); return c.w.AutoScaling(r) }
func (c *simClients) EKS(r string) awsapi.EKS                 { c.note(r); return c.w.EKS(r) }
func (c *simClients) Route53() awsapi.Route53                 { return c.w.Route53() }
func (c *simClients) CloudWatch(r string) awsapi.CloudWatch   { c.note(r); return c.w.CloudWatch(r) }
func (c *simClients) Lambda(r string) awsapi.Lambda {
	c.note(r)
	if c.lambda != nil {
		return c.lambda
	}
	return c.w.Lambda(r)
}
func (c *simClients) SecretsManager(r string) awsapi.SecretsManager {
	c.note(r)
	return c.w.SecretsManager(r)
}
func (c *simClients) IAM() awsapi.IAM { return c.w.IAM() }
func (c *simClients) S3(r string) awsapi.S3 {
	c.note(r)
	return &regionS3{f: c.s3, region: r}
}
func (c *simClients) ARC(ep awsapi.ARCEndpoint) awsapi.ARC {
	cl, err := c.w.ARCByURL(ep.URL)
	if err != nil {
		return errARC{err}
	}
	return cl
}

var _ awsapi.Clients = (*simClients)(nil)

// errARC fails every call (an endpoint the world does not know).
type errARC struct{ err error }

func (e errARC) GetRoutingControlState(context.Context, *route53recoverycluster.GetRoutingControlStateInput, ...func(*route53recoverycluster.Options)) (*route53recoverycluster.GetRoutingControlStateOutput, error) {
	return nil, e.err
}
func (e errARC) UpdateRoutingControlState(context.Context, *route53recoverycluster.UpdateRoutingControlStateInput, ...func(*route53recoverycluster.Options)) (*route53recoverycluster.UpdateRoutingControlStateOutput, error) {
	return nil, e.err
}
func (e errARC) UpdateRoutingControlStates(context.Context, *route53recoverycluster.UpdateRoutingControlStatesInput, ...func(*route53recoverycluster.Options)) (*route53recoverycluster.UpdateRoutingControlStatesOutput, error) {
	return nil, e.err
}
func (e errARC) ListRoutingControls(context.Context, *route53recoverycluster.ListRoutingControlsInput, ...func(*route53recoverycluster.Options)) (*route53recoverycluster.ListRoutingControlsOutput, error) {
	return nil, e.err
}

// fakeS3 is an in-memory S3 (the simulator has no S3 yet). A Region listed
// in down answers like an unreachable endpoint.
type fakeS3 struct {
	mu      sync.Mutex
	objects map[string][]byte // region/bucket/key
	down    map[string]bool
	calls   []string
}

type regionS3 struct {
	f      *fakeS3
	region string
}

func (s *regionS3) admit(api string) error {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.calls = append(s.f.calls, s.region+" "+api)
	if s.f.down[s.region] {
		return &smithy.OperationError{ServiceID: "S3", OperationName: api, Err: &smithy.GenericAPIError{Code: "ServiceUnavailable", Message: "down", Fault: smithy.FaultServer}}
	}
	return nil
}

func (s *regionS3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if err := s.admit("PutObject"); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.objects[s.region+"/"+*in.Bucket+"/"+*in.Key] = b
	return &s3.PutObjectOutput{}, nil
}

func (s *regionS3) DeleteObject(_ context.Context, in *s3.DeleteObjectInput, _ ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	if err := s.admit("DeleteObject"); err != nil {
		return nil, err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	delete(s.f.objects, s.region+"/"+*in.Bucket+"/"+*in.Key)
	return &s3.DeleteObjectOutput{}, nil
}

func (s *regionS3) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if err := s.admit("HeadObject"); err != nil {
		return nil, err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	b, ok := s.f.objects[s.region+"/"+*in.Bucket+"/"+*in.Key]
	if !ok {
		return nil, &smithy.OperationError{ServiceID: "S3", OperationName: "HeadObject", Err: &s3types.NotFound{Message: new("Not Found")}}
	}
	n := int64(len(b))
	return &s3.HeadObjectOutput{ContentLength: &n}, nil
}

// env is a two-Region simulated world (us-east-1 the source and writer,
// us-west-2 the target) with the registry under test.
type env struct {
	t   *testing.T
	w   *sim.World
	clk *clock.Virtual
	cl  *simClients
	reg Registry
	p   *plan.Plan
}

type envOpt struct {
	lag      time.Duration
	noARCDir bool
	peaks    PeakHints
	http     Doer
	fence    FenceFlags
}

func newEnv(t *testing.T, o envOpt) *env {
	t.Helper()
	clk := clock.NewVirtual(t0)
	release := clk.Hold() // the test moves time by hand with Advance
	t.Cleanup(release)
	w, err := sim.New(sim.Options{Clock: clk, Regions: []string{east, west, third}, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	lag := o.lag
	if lag == 0 {
		lag = 2 * time.Second
	}
	must(t, w.AddGlobalCluster(sim.GlobalClusterSpec{ID: gcID, Lag: sim.ConstantLag(lag), Members: []sim.MemberSpec{
		{Region: east, ClusterID: "payments-use1", Writer: true, InstanceClass: "db.r6g.2xlarge", Instances: 2},
		{Region: west, ClusterID: "payments-usw2", InstanceClass: "db.r6g.large"},
		{Region: third, ClusterID: "payments-euw1"},
	}}))
	must(t, w.AddECSService(sim.ECSServiceSpec{Region: east, Cluster: "app", Service: "api", Desired: 10, PeakTasks: 12}))
	must(t, w.AddECSService(sim.ECSServiceSpec{Region: west, Cluster: "app", Service: "api", Desired: 2}))
	must(t, w.AddASG(sim.ASGSpec{Region: east, Name: "web", Min: 1, Max: 20, Desired: 8, PeakInstances: 10}))
	must(t, w.AddASG(sim.ASGSpec{Region: west, Name: "web", Min: 1, Max: 4, Desired: 1}))
	must(t, w.AddNodegroup(sim.NodegroupSpec{Region: east, Cluster: "k8s", Name: "workers", Min: 1, Max: 10, Desired: 6}))
	must(t, w.AddNodegroup(sim.NodegroupSpec{Region: west, Cluster: "k8s", Name: "workers", Min: 1, Max: 3, Desired: 1}))
	_, err = w.AddRoutingControlCluster(sim.ARCClusterSpec{Name: "payments-arc", ControlPanels: []sim.ControlPanelSpec{{
		Name:           "payments",
		Controls:       []sim.RoutingControlSpec{{Name: "east", On: true}, {Name: "west", On: false}},
		AssertionRules: []sim.AssertionRule{{Name: "at-least-one-on", AssertedControls: []string{"east", "west"}, MinOn: 1}},
	}}})
	must(t, err)
	cl := &simClients{w: w, s3: &fakeS3{objects: map[string][]byte{}, down: map[string]bool{}}, regions: map[string]int{}}
	var opts []Option
	if !o.noARCDir {
		opts = append(opts, WithARCDirectory(ARCEndpointsFunc(func(_ context.Context, cluster string) ([]awsapi.ARCEndpoint, error) {
			eps, err := w.ARCEndpoints(arnName(cluster))
			if err != nil {
				return nil, err
			}
			out := make([]awsapi.ARCEndpoint, len(eps))
			for i, e := range eps {
				out[i] = awsapi.ARCEndpoint{URL: e.URL, Region: e.Region}
			}
			return out, nil
		})))
	}
	if o.peaks != nil {
		opts = append(opts, WithPeakHints(o.peaks))
	}
	if o.fence != nil {
		opts = append(opts, WithFenceFlags(o.fence))
	}
	if o.http != nil {
		opts = append(opts, WithHTTPClient(o.http))
	}
	p := &plan.Plan{Metadata: plan.Metadata{Name: "payments"}}
	return &env{t: t, w: w, clk: clk, cl: cl, reg: NewRegistry(cl, clk, opts...), p: p}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// req builds a request for a step running block with cfg.
func (e *env) req(block string, cfg plan.Config, mode Mode) Request {
	return Request{Execution: "exec-1", Plan: e.p, Step: &plan.Step{Name: block + "-step", Block: block, With: cfg, Timeout: plan.Duration(30 * time.Minute)},
		Target: west, Source: east, Mode: mode, Attempt: 1, Epoch: 1, AttemptStarted: e.clk.Now()}
}

func (e *env) block(name string) Runnable {
	e.t.Helper()
	b, ok := e.reg.Block(name)
	if !ok {
		e.t.Fatalf("block %s not registered", name)
	}
	return b.(Runnable)
}

// run starts req and polls (advancing the clock by each PollAfter) until
// Done, an error, or limit of simulated time.
func (e *env) run(b Block, req Request, limit time.Duration) (Progress, error) {
	e.t.Helper()
	ctx := e.t.Context()
	p, err := b.Start(ctx, req)
	end := e.clk.Now().Add(limit)
	for err == nil && !p.Done {
		if !e.clk.Now().Before(end) {
			return p, fmt.Errorf("not done after %s: %s", limit, p.Message)
		}
		if p.PollAfter <= 0 {
			return p, errors.New("not done and no PollAfter")
		}
		e.clk.Advance(p.PollAfter)
		req.State = p.State
		p, err = b.Poll(ctx, req)
	}
	return p, err
}

func (e *env) touched(region string) int {
	e.cl.mu.Lock()
	defer e.cl.mu.Unlock()
	return e.cl.regions[region]
}

func (e *env) resetTouched() {
	e.cl.mu.Lock()
	defer e.cl.mu.Unlock()
	e.cl.regions = map[string]int{}
}

func isClass[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func wantClass(t *testing.T, err error, class string) {
	t.Helper()
	ok := false
	switch class {
	case "Retryable":
		ok = isClass[*errclass.Retryable](err)
	case "Terminal":
		ok = isClass[*errclass.Terminal](err)
	case "Conflict":
		ok = isClass[*errclass.Conflict](err)
	case "InvalidInput":
		ok = isClass[*errclass.InvalidInput](err)
	case "":
		ok = err == nil
	}
	if !ok {
		t.Fatalf("error = %v (%T), want class %q", err, err, class)
	}
}

func hasFinding(fs []Finding, severity, check string) bool {
	for _, f := range fs {
		if f.Severity == severity && (check == "" || strings.Contains(f.Check, check)) {
			return true
		}
	}
	return false
}

type contextT = context.Context

func switchoverIn(gc, target string) *rds.SwitchoverGlobalClusterInput {
	return &rds.SwitchoverGlobalClusterInput{GlobalClusterIdentifier: &gc, TargetDbClusterIdentifier: &target}
}

func updateServiceIn(cluster, service string, n int32) *ecs.UpdateServiceInput {
	return &ecs.UpdateServiceInput{Cluster: &cluster, Service: &service, DesiredCount: &n}
}

func describeServicesIn(cluster, service string) *ecs.DescribeServicesInput {
	return &ecs.DescribeServicesInput{Cluster: &cluster, Services: []string{service}}
}

func setAlarmStateIn(name string, v cwtypes.StateValue) *cloudwatch.SetAlarmStateInput {
	reason := "test"
	return &cloudwatch.SetAlarmStateInput{AlarmName: &name, StateValue: v, StateReason: &reason}
}
