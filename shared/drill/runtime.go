package drill

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/switchyard-dev/switchyard/shared/asl"
	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/executor"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/runtime"
	"github.com/switchyard-dev/switchyard/shared/sim"
	"github.com/switchyard-dev/switchyard/statemachines"
)

// localEngine adapts shared/runtime (execute-plan and run-step on the local
// Step Functions engine with the real executor, step runner and approval
// handlers, and the real blocks over the simulated world) to the drill.
type localEngine struct {
	rt     *runtime.Runtime
	reg    blocks.Registry
	router *eventRouter
}

// eventRouter forwards the world's AWS events (RDS global-cluster events,
// alarm state changes) to the runtime of the plan running now. The world
// keeps its subscribers for its lifetime, so one router serves every
// runtime of a drill.
type eventRouter struct {
	mu sync.Mutex
	rt *runtime.Runtime
}

func (r *eventRouter) set(rt *runtime.Runtime) {
	r.mu.Lock()
	r.rt = rt
	r.mu.Unlock()
}

func (r *eventRouter) deliver(ev sim.Event) {
	r.mu.Lock()
	rt := r.rt
	r.mu.Unlock()
	if rt == nil {
		return
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	// The bus delivers on the clock; a refused event is the runtime's to
	// log, the drill carries on (the runner falls back to polling).
	_, _ = rt.PublishAWSEvent(context.Background(), b)
}

// newEngine builds the local runtime for a drill into cfg.Region.
func newEngine(cfg engineConfig) (engine, error) {
	clients := cfg.World.Clients()
	reg := blocks.NewRegistry(clients, cfg.Clock,
		blocks.WithHTTPClient(cfg.World.HTTP()),
		blocks.WithARCDirectory(readiness.SimClients{W: cfg.World}),
		blocks.WithPeakHints(cfg.Peaks),
	)
	rcfg := runtime.Config{
		Clock: cfg.Clock, Store: cfg.Store, Clients: clients, Blocks: reg, Plans: cfg.Plans,
		Region: cfg.Region, DuplicateInvocations: cfg.Duplicate,
		Logger:        slog.New(slog.DiscardHandler),
		EngineOptions: []asl.Option{asl.WithLatency(asl.Latency{Transition: cfg.Latency.Transition, Invoke: cfg.Latency.Invoke})},
	}
	// The definitions built into the binary (statemachines.FS), unless a
	// directory is given: the drill runs the same definitions that deploy.
	rcfg.Definitions = statemachines.FS
	if cfg.Definitions != "" {
		rcfg.Definitions = os.DirFS(cfg.Definitions)
	}
	if cfg.Notify != nil {
		rcfg.Approver = func(ctx context.Context, _ *runtime.Runtime, req runtime.ApprovalRequest) {
			cfg.Notify(ctx, req)
		}
	}
	rt, err := runtime.New(rcfg)
	if err != nil {
		return nil, fmt.Errorf("building the local runtime: %w", err)
	}
	return &localEngine{rt: rt, reg: reg, router: cfg.Router}, nil
}

// Start implements engine.
func (e *localEngine) Start(ctx context.Context, name string, p *plan.Plan, target, mode, startedBy, reason string) (string, error) {
	arn, err := e.rt.Start(ctx, name, executor.Input{Plan: p.Metadata.Name, Target: target, Mode: mode, StartedBy: startedBy, Reason: reason})
	if err != nil {
		return "", err
	}
	return arn, nil
}

// Wait implements engine.
func (e *localEngine) Wait(ctx context.Context, arn string) (finished, func(), error) {
	d, release, err := e.rt.WaitHeld(ctx, arn)
	if err != nil {
		return finished{}, release, err
	}
	f := finished{Status: string(d.Status)}
	if d.Error != nil {
		f.Error = *d.Error
	}
	if d.Cause != nil {
		f.Cause = *d.Cause
	}
	if d.StopDate != nil {
		f.EndedAt = *d.StopDate
	}
	eng := e.rt.Engine()
	if st, err := eng.Stats(arn); err == nil {
		f.HistoryEvents, f.StateTransitions = st.HistoryEvents, st.StateTransitions
	}
	// The run-step children are named after the parent execution.
	name := arn[strings.LastIndex(arn, ":")+1:]
	smArn := e.rt.StateMachineArn(runtime.RunStep)
	var token *string
	for {
		out, err := eng.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &smArn, NextToken: token})
		if err != nil {
			break
		}
		for _, x := range out.Executions {
			if x.Name != nil && strings.HasPrefix(*x.Name, name[:min(len(name), 60)]+"-") {
				if st, err := eng.Stats(*x.ExecutionArn); err == nil {
					f.ChildHistoryEventsMax = max(f.ChildHistoryEventsMax, st.HistoryEvents)
				}
			}
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	return f, release, nil
}

// Route implements engine.
func (e *localEngine) Route() {
	if e.router != nil {
		e.router.set(e.rt)
	}
}

// Approve implements engine.
func (e *localEngine) Approve(ctx context.Context, id, user string, approve bool) error {
	if approve {
		return e.rt.Approve(ctx, id, user)
	}
	return e.rt.Reject(ctx, id, user, "rejected in the drill")
}

// Decide implements engine.
func (e *localEngine) Decide(ctx context.Context, id, user, answer string) error {
	return e.rt.Decide(ctx, id, user, answer)
}

// Close implements engine.
func (e *localEngine) Close() {}
