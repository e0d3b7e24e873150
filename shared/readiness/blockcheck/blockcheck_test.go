package blockcheck_test

import (
	"context"
	"testing"

	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/readiness/blockcheck"
)

type checkerFunc func(context.Context, blocks.Request) ([]blocks.Finding, error)

func (f checkerFunc) Check(ctx context.Context, r blocks.Request) ([]blocks.Finding, error) {
	return f(ctx, r)
}

type registry map[string]blocks.Checker

func (r registry) Checker(name string) (blocks.Checker, bool) {
	c, ok := r[name]
	return c, ok
}

func TestAdapter(t *testing.T) {
	var got blocks.Request
	r := registry{"ecs-scale": checkerFunc(func(_ context.Context, req blocks.Request) ([]blocks.Finding, error) {
		got = req
		return []blocks.Finding{{Severity: "error", Check: "ecs-scale/service", Resource: "svc", Message: "missing"}}, nil
	})}
	c := blockcheck.Checkers{Registry: r}
	if _, ok := c.StepChecker("fence"); ok {
		t.Fatal("fence has no checker in this registry")
	}
	sc, ok := c.StepChecker("ecs-scale")
	if !ok {
		t.Fatal("no ecs-scale checker")
	}
	step := &plan.Step{Name: "scale"}
	fs, err := sc.CheckStep(t.Context(), readiness.StepRequest{Step: step, Target: "us-west-2", Source: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Severity != readiness.Critical || fs[0].Message != "missing" {
		t.Errorf("findings = %+v", fs)
	}
	if got.Step != step || got.Mode != blocks.Graceful || got.Attempt != 1 || got.Target != "us-west-2" {
		t.Errorf("request = %+v", got)
	}
}
