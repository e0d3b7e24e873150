// Package blockcheck adapts the execution blocks' readiness checkers
// (blocks.Registry) to readiness.StepCheckers. It lives apart from package
// readiness so that readiness builds and tests without the blocks.
package blockcheck

import (
	"context"

	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

// Checkers adapts a blocks.Registry (blocks.NewRegistry) to
// readiness.StepCheckers.
type Checkers struct {
	Registry interface {
		Checker(name string) (blocks.Checker, bool)
	}
}

var _ readiness.StepCheckers = Checkers{}

// StepChecker implements readiness.StepCheckers.
func (c Checkers) StepChecker(block string) (readiness.StepChecker, bool) {
	ch, ok := c.Registry.Checker(block)
	if !ok {
		return nil, false
	}
	return checker{ch}, true
}

type checker struct{ c blocks.Checker }

// CheckStep calls the block's Check in graceful mode, first attempt.
func (c checker) CheckStep(ctx context.Context, req readiness.StepRequest) ([]readiness.Finding, error) {
	fs, err := c.c.Check(ctx, blocks.Request{Plan: req.Plan, Workflow: req.Workflow, Stage: req.Stage, Step: req.Step,
		Target: req.Target, Source: req.Source, Mode: blocks.Graceful, Attempt: 1})
	if err != nil {
		return nil, err
	}
	out := make([]readiness.Finding, len(fs))
	for i, f := range fs {
		out[i] = readiness.Finding{Severity: readiness.NormalizeSeverity(f.Severity), Check: f.Check, Resource: f.Resource, Message: f.Message}
	}
	return out, nil
}

// ForWorld returns the checkers of the execution blocks running against a
// simulated world: blocks.NewRegistry over w.Clients() on clk, with the
// world's HTTP endpoints (stop-signal, http-check) and its ARC cluster
// directory, plus opts (later options win). Write fences go through the
// world's SSM and DynamoDB, as in AWS.
func ForWorld(w *sim.World, clk clock.Clock, opts ...blocks.Option) Checkers {
	all := append([]blocks.Option{blocks.WithHTTPClient(w.HTTP()), blocks.WithARCDirectory(readiness.SimClients{W: w})}, opts...)
	return Checkers{Registry: blocks.NewRegistry(w.Clients(), clk, all...)}
}
