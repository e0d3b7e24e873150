// Package blockcheck adapts the execution blocks' readiness checkers
// (blocks.Registry) to readiness.StepCheckers. It lives apart from package
// readiness so that readiness builds and tests without the blocks.
package blockcheck

import (
	"context"

	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/readiness"
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
