package localstart

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/runtime"
	"github.com/switchyard-dev/switchyard/shared/sim"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
	"github.com/switchyard-dev/switchyard/shared/trigger"
)

// Config configures a Starter.
type Config struct {
	// Clock is the clock shared with the world and the trigger (required).
	Clock clock.Clock
	// World is the simulated AWS the blocks act on (required).
	World *sim.World
	// Plans are deployed to every Region's store.
	Plans []*plan.Plan
	// Logger defaults to a discarding logger.
	Logger *slog.Logger
}

// Starter is a trigger.Starter over one local runtime per target Region.
// Each runtime has its own in-memory store, as each Region has its own
// table. Approval requests are recorded and left waiting: nobody answers
// them. It is safe for concurrent use.
type Starter struct {
	cfg Config

	mu        sync.Mutex
	runtimes  map[string]*runtime.Runtime
	started   []Started
	seen      map[string]bool
	approvals []runtime.ApprovalRequest
}

// Started is one execution the starter started.
type Started struct {
	trigger.StartRequest
	// Region is the control plane that runs it (the target).
	Region string
	// ExecutionArn is the local engine's execution ARN.
	ExecutionArn string
}

var _ trigger.Starter = (*Starter)(nil)

// New returns a Starter. Runtimes are built on first use of a Region.
func New(cfg Config) (*Starter, error) {
	if cfg.Clock == nil || cfg.World == nil {
		return nil, errors.New("localstart: Config.Clock and Config.World are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Starter{cfg: cfg, runtimes: map[string]*runtime.Runtime{}, seen: map[string]bool{}}, nil
}

// Runtime returns the control plane of region, building it on first use.
func (s *Starter) Runtime(region string) (*runtime.Runtime, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runtimeLocked(region)
}

func (s *Starter) runtimeLocked(region string) (*runtime.Runtime, error) {
	if rt := s.runtimes[region]; rt != nil {
		return rt, nil
	}
	w, clk := s.cfg.World, s.cfg.Clock
	reg := blocks.NewRegistry(w.Clients(), clk, blocks.WithHTTPClient(w.HTTP()), blocks.WithARCDirectory(readiness.SimClients{W: w}),
		blocks.WithLogger(s.cfg.Logger))
	rt, err := runtime.New(runtime.Config{Clock: clk, Store: memory.New(clk), Clients: w.Clients(), Blocks: reg, Plans: s.cfg.Plans,
		Region: region, Logger: s.cfg.Logger, Approver: s.record})
	if err != nil {
		return nil, fmt.Errorf("building the local control plane of %s: %w", region, err)
	}
	s.runtimes[region] = rt
	return rt, nil
}

// record keeps an approval request and leaves it waiting.
func (s *Starter) record(_ context.Context, _ *runtime.Runtime, req runtime.ApprovalRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.approvals = append(s.approvals, req)
}

// Start implements trigger.Starter: it starts execute-plan in the target
// Region's runtime, named by the client token (the local engine, like Step
// Functions, refuses a second execution of that name: the first one's ARN
// is returned then).
func (s *Starter) Start(ctx context.Context, req trigger.StartRequest) (string, error) {
	if req.Target == "" {
		return "", fmt.Errorf("starting plan %s: no target Region", req.Plan)
	}
	rt, err := s.Runtime(req.Target)
	if err != nil {
		return "", err
	}
	arn, err := trigger.SFNStarter{Client: rt.Engine(), StateMachineArn: rt.StateMachineArn(runtime.ExecutePlan)}.Start(ctx, req)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.seen[arn] {
		s.seen[arn] = true
		s.started = append(s.started, Started{StartRequest: req, Region: req.Target, ExecutionArn: arn})
	}
	return arn, nil
}

// Started returns the distinct executions started, in order.
func (s *Starter) Started() []Started {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.started)
}

// Approvals returns the approval requests and operator decisions recorded
// so far, in order (all still waiting: the starter answers none).
func (s *Starter) Approvals() []runtime.ApprovalRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.approvals)
}

// Status describes an execution the starter started.
func (s *Starter) Status(ctx context.Context, st Started) (sfntypes.ExecutionStatus, error) {
	rt, err := s.Runtime(st.Region)
	if err != nil {
		return "", err
	}
	d, err := rt.Engine().DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &st.ExecutionArn})
	if err != nil {
		return "", fmt.Errorf("describing %s: %w", st.ExecutionArn, err)
	}
	return d.Status, nil
}

// WaitingApproval returns the approval request the execution waits at, if
// any was recorded.
func (s *Starter) WaitingApproval(st Started) (runtime.ApprovalRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range slices.Backward(s.approvals) {
		if a.Execution == st.ExecutionArn || strings.HasSuffix(st.ExecutionArn, ":"+a.Execution) {
			return a, true
		}
	}
	return runtime.ApprovalRequest{}, false
}
