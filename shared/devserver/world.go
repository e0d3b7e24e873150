package devserver

import (
	"cmp"
	"context"
	"fmt"

	"github.com/switchyard-dev/switchyard/shared/executor"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

// completeWorld adds what the workflows into region call, in case
// readiness.WorldFromPlan (which already holds the plans' event source
// mappings and write fences, sim.World.AddPlanResources) left it out: the
// health endpoints of http-check steps, a Lambda function answering {} for
// each lambda step, and the STOP-pattern flag and endpoint of stop-signal
// steps. The workflows into region are those an execution into region can
// run, by default or by name (executor.ResolveWorkflow): for an
// active-active plan, the deactivate workflow of the Region left as well as
// region's own activate workflow. Anything already in the world is kept.
func completeWorld(w *sim.World, plans []*plan.Plan, region string) error {
	for _, p := range plans {
		for wi := range p.Spec.Workflows {
			wf, err := executor.ResolveWorkflow(p, region, p.Spec.Workflows[wi].Name)
			if err != nil {
				// Not a workflow into region: nothing of it runs here.
				continue
			}
			if err := completeWorkflow(w, p, wf, region); err != nil {
				return err
			}
		}
	}
	return nil
}

// completeWorkflow adds what the steps of wf, run into region, call.
func completeWorkflow(w *sim.World, p *plan.Plan, wf *plan.Workflow, region string) error {
	_, source := p.StepRegions(wf)
	for si := range wf.Stages {
		for ti := range wf.Stages[si].Steps {
			step := &wf.Stages[si].Steps[ti]
			var err error
			switch cfg := step.With.(type) {
			case *plan.HTTPCheck:
				err = sim.IgnoreDuplicate(w.AddEndpoint(sim.EndpointSpec{URL: cfg.URL, Region: cmp.Or(cfg.Region, region)}))
			case *plan.Lambda:
				err = sim.IgnoreDuplicate(w.AddFunction(cfg.Function, func(context.Context, []byte) ([]byte, error) {
					return []byte("{}"), nil
				}))
			case *plan.StopSignal:
				if cfg.VerifyURL != "" && source != "" && cfg.Signal != "withdraw" {
					err = sim.IgnoreDuplicate(w.AddStopSignal(sim.StopSignalSpec{Bucket: cfg.Bucket, Region: cmp.Or(cfg.Region, region), Key: cfg.Key,
						PrimaryRegion: source, URL: cfg.VerifyURL, HealthCheckID: cfg.HealthCheckID}))
				}
			}
			if err != nil {
				return fmt.Errorf("plan %s workflow %s step %s: %w", p.Metadata.Name, wf.Name, step.Name, err)
			}
		}
	}
	return nil
}
