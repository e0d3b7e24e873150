package devserver

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

// completeWorld adds what readiness.WorldFromPlan leaves out and the
// workflows into region call: the event source mappings and write fences
// the plans name (sim.World.AddPlanResources), the health endpoints of
// http-check steps, a Lambda function answering {} for each lambda step,
// and the STOP-pattern flag and endpoint of stop-signal steps. Anything
// already in the world is kept. (The drill does the same with its traffic
// model; shared/drill does not export it yet.)
func completeWorld(w *sim.World, plans []*plan.Plan, region string) error {
	if err := w.AddPlanResources(plans...); err != nil {
		return err
	}
	for _, p := range plans {
		wf := p.Workflow(plan.Activate, region)
		if wf == nil {
			continue
		}
		_, source := p.StepRegions(wf)
		for si := range wf.Stages {
			for ti := range wf.Stages[si].Steps {
				step := &wf.Stages[si].Steps[ti]
				var err error
				switch cfg := step.With.(type) {
				case *plan.HTTPCheck:
					err = ignoreDup(w.AddEndpoint(sim.EndpointSpec{URL: cfg.URL, Region: cmpOr(cfg.Region, region)}))
				case *plan.Lambda:
					err = ignoreDup(w.AddFunction(cfg.Function, func(context.Context, []byte) ([]byte, error) {
						return []byte("{}"), nil
					}))
				case *plan.StopSignal:
					if cfg.VerifyURL != "" && source != "" && cfg.Signal != "withdraw" {
						err = ignoreDup(w.AddStopSignal(sim.StopSignalSpec{Bucket: cfg.Bucket, Region: cmpOr(cfg.Region, region), Key: cfg.Key,
							PrimaryRegion: source, URL: cfg.VerifyURL, HealthCheckID: cfg.HealthCheckID}))
					}
				}
				if err != nil {
					return fmt.Errorf("plan %s step %s: %w", p.Metadata.Name, step.Name, err)
				}
			}
		}
	}
	return nil
}

func ignoreDup(err error) error {
	if errors.Is(err, sim.ErrDuplicate) || err != nil && strings.Contains(err.Error(), "already exists") {
		return nil
	}
	return err
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
