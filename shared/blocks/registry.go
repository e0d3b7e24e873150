package blocks

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sort"

	"github.com/switchyard-dev/switchyard/shared/awsapi"
	"github.com/switchyard-dev/switchyard/shared/clock"
)

// Runnable is what every registered block is: it runs steps and checks
// whether they could run.
type Runnable interface {
	Block
	Checker
}

// Registry maps block names (a step's `block`) to their implementations.
// It is safe for concurrent use: blocks keep no per-execution state (that
// travels in Request.State / Progress.State).
type Registry interface {
	// Block returns the block called name; false for names the registry does
	// not run (the approval and plan steps are the runner's own).
	Block(name string) (Block, bool)
	// Checker returns the readiness checker of block name.
	Checker(name string) (Checker, bool)
	// Names lists the registered block names, sorted.
	Names() []string
}

// Doer sends an HTTP request (an *http.Client satisfies it); the http-check
// and stop-signal blocks use it so tests and the simulator can answer.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// ARCDirectory lists an ARC cluster's Regional data-plane endpoints. In AWS
// they come from route53-recovery-control-config DescribeCluster, read at
// deploy or readiness time (a control-plane call homed in us-west-2), never
// during a recovery. An unknown cluster is an error.
type ARCDirectory interface {
	Endpoints(ctx context.Context, clusterARN string) ([]awsapi.ARCEndpoint, error)
}

// PeakHints supplies a source's peak capacity recorded earlier (for example
// by readiness) for the *-scale blocks in ungraceful mode, when the source
// Region must not be called and the target Region's CloudWatch has no copy
// of the source's metrics. ok is false when nothing is recorded.
type PeakHints interface {
	SourcePeak(ctx context.Context, block, step string) (peak int32, ok bool)
}

// ARCEndpointsFunc adapts a function to ARCDirectory.
type ARCEndpointsFunc func(ctx context.Context, clusterARN string) ([]awsapi.ARCEndpoint, error)

// Endpoints implements ARCDirectory.
func (f ARCEndpointsFunc) Endpoints(ctx context.Context, clusterARN string) ([]awsapi.ARCEndpoint, error) {
	return f(ctx, clusterARN)
}

// Option configures NewRegistry.
type Option func(*deps)

// WithHTTPClient sets the HTTP client of http-check and stop-signal
// (default http.DefaultClient).
func WithHTTPClient(d Doer) Option { return func(o *deps) { o.http = d } }

// WithARCDirectory sets where arc-routing-control finds a cluster's
// endpoints. Without it the block fails with a Terminal error naming the
// missing configuration.
func WithARCDirectory(d ARCDirectory) Option { return func(o *deps) { o.arcDir = d } }

// WithPeakHints sets the recorded source peaks the *-scale blocks fall back
// on in ungraceful mode.
func WithPeakHints(h PeakHints) Option { return func(o *deps) { o.peaks = h } }

// WithLogger sets the logger (default: discard). Blocks log nothing secret.
func WithLogger(l *slog.Logger) Option { return func(o *deps) { o.log = l } }

// deps is what every block is built with.
type deps struct {
	clients awsapi.Clients
	clk     clock.Clock
	http    Doer
	arcDir  ARCDirectory
	peaks   PeakHints
	fence   FenceFlags // nil: ClientFenceFlags over clients
	log     *slog.Logger
}

type registry struct {
	blocks map[string]Runnable
}

// NewRegistry builds every execution block over clients (one factory keyed
// by Region) and clk (the clock shared with the engine and the simulator).
// The approval and plan steps are not blocks: the runner handles them
// (waitForTaskToken / a nested execution), so Block reports false for them.
func NewRegistry(clients awsapi.Clients, clk clock.Clock, opts ...Option) Registry {
	d := &deps{clients: clients, clk: clk, http: http.DefaultClient, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(d)
	}
	r := &registry{blocks: map[string]Runnable{
		"aurora-global":        &auroraGlobal{d},
		"aurora-scale":         &auroraScale{d},
		"ecs-scale":            &scaler{d: d, kind: ecsKind{}},
		"asg-scale":            &scaler{d: d, kind: asgKind{}},
		"eks-scale":            &scaler{d: d, kind: eksKind{}},
		"arc-routing-control":  &arcRouting{d},
		"stop-signal":          &stopSignal{d},
		"route53-record":       &route53Record{d},
		"http-check":           &httpCheck{d},
		"alarm-wait":           &alarmWait{d},
		"lambda":               &lambdaBlock{d},
		"fence":                &fence{d},
		"event-source-mapping": &eventSourceMapping{d},
	}}
	return r
}

func (r *registry) Block(name string) (Block, bool) {
	b, ok := r.blocks[name]
	return b, ok
}

func (r *registry) Checker(name string) (Checker, bool) {
	b, ok := r.blocks[name]
	return b, ok
}

func (r *registry) Names() []string {
	names := make([]string, 0, len(r.blocks))
	for n := range r.blocks {
		names = append(names, n)
	}
	sort.Strings(names)
	return slices.Clip(names)
}
