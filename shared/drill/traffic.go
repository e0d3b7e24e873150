package drill

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

// addTraffic completes the world readiness.WorldFromPlan built with what a
// drill measures: how clients reach the application, so the simulator can
// tell when the target serves traffic. For the first drilled plan whose
// workflow moves traffic it models, by the traffic step's block:
//
//   - stop-signal: the STOP pattern (sim.AddStopSignal: the flag bucket in
//     the signal Region replicated to the primary, the primary's health
//     endpoint at verifyUrl, the plan's Route 53 health check on it) and a
//     failover record pair: PRIMARY in the source Region with that health
//     check, SECONDARY in the target;
//   - arc-routing-control: weighted records, one per Region, each Region
//     whose routing control the step sets carrying a RECOVERY_CONTROL
//     health check on that control;
//   - route53-record: the plan's hosted zone and weighted records, the
//     source at the weight the step moves away from (100) and the target
//     at 0 until the step changes them.
//
// It also adds what other steps call: application health endpoints for
// http-check URLs (in the check's Region) and a Lambda function answering
// {} for each lambda step. Anything already in the world is kept.
func addTraffic(w *sim.World, plans []*plan.Plan, flows map[string]*plan.Workflow) error {
	appSet := false
	for _, p := range plans {
		wf := flows[p.Metadata.Name]
		if wf == nil {
			continue
		}
		target, source := p.StepRegions(wf)
		for si := range wf.Stages {
			for ti := range wf.Stages[si].Steps {
				step := &wf.Stages[si].Steps[ti]
				var err error
				switch cfg := step.With.(type) {
				case *plan.StopSignal:
					if !appSet && cfg.Signal != "withdraw" {
						err = stopTraffic(w, p, cfg, target, source)
						appSet = err == nil
					}
				case *plan.ARCRoutingControl:
					if !appSet {
						err = arcTraffic(w, p, cfg, target, source)
						appSet = err == nil
					}
				case *plan.Route53Record:
					if !appSet {
						err = route53Traffic(w, cfg, target, source)
						appSet = err == nil
					}
				case *plan.HTTPCheck:
					region := cmp.Or(cfg.Region, target)
					err = sim.IgnoreDuplicate(w.AddEndpoint(sim.EndpointSpec{URL: cfg.URL, Region: region}))
				case *plan.Lambda:
					err = sim.IgnoreDuplicate(w.AddFunction(cfg.Function, func(context.Context, []byte) ([]byte, error) {
						return []byte("{}"), nil
					}))
				}
				if err != nil {
					return fmt.Errorf("plan %s step %s: %w", p.Metadata.Name, step.Name, err)
				}
			}
		}
	}
	return nil
}

// appZone is the hosted zone the drill puts the application's record in
// when the plan names none.
const appZone = "ZSWITCHYARDDRILL"

func appName(p *plan.Plan) string { return "app." + p.Metadata.Name + ".example.com" }

func addAppZone(w *sim.World, id string) error {
	return sim.IgnoreDuplicate(w.AddHostedZone(id, "example.com."))
}

func stopTraffic(w *sim.World, p *plan.Plan, cfg *plan.StopSignal, target, source string) error {
	if cfg.VerifyURL == "" || source == "" {
		return nil
	}
	region := cmp.Or(cfg.Region, target)
	spec := sim.StopSignalSpec{Bucket: cfg.Bucket, Region: region, Key: cfg.Key, PrimaryRegion: source, URL: cfg.VerifyURL, HealthCheckID: cfg.HealthCheckID}
	if err := sim.IgnoreDuplicate(w.AddStopSignal(spec)); err != nil {
		return err
	}
	if err := addAppZone(w, appZone); err != nil {
		return err
	}
	name := appName(p)
	for _, rs := range []sim.RecordSpec{
		{Name: name, SetIdentifier: "primary-" + source, Failover: r53types.ResourceRecordSetFailoverPrimary, HealthCheckID: cfg.HealthCheckID, Region: source},
		{Name: name, SetIdentifier: "secondary-" + target, Failover: r53types.ResourceRecordSetFailoverSecondary, Region: target},
	} {
		if err := sim.IgnoreDuplicate(w.AddRecord(appZone, rs)); err != nil {
			return err
		}
	}
	return w.SetApp(appZone, name)
}

func arcTraffic(w *sim.World, p *plan.Plan, cfg *plan.ARCRoutingControl, target, source string) error {
	if err := addAppZone(w, appZone); err != nil {
		return err
	}
	name := appName(p)
	// The routing controls the step sets belong to the Regions it moves
	// (Off: the source, On: the target); a Region with no control the step
	// touches keeps an unconditional record.
	checks := map[string]string{}
	for i, s := range cfg.States {
		region := target
		if s.State == "Off" {
			region = source
		}
		id := fmt.Sprintf("drill-arc-%s-%d", p.Metadata.Name, i)
		if err := sim.IgnoreDuplicate(w.AddHealthCheck(sim.HealthCheckSpec{ID: id, Type: sim.HealthCheckRecoveryControl, RoutingControlArn: s.RoutingControl})); err != nil {
			return err
		}
		checks[region] = id
	}
	for _, r := range p.Spec.Regions {
		if r != target && r != source {
			continue
		}
		if err := sim.IgnoreDuplicate(w.AddRecord(appZone, sim.RecordSpec{Name: name, SetIdentifier: r, Weight: aws.Int64(100), HealthCheckID: checks[r], Region: r})); err != nil {
			return err
		}
	}
	return w.SetApp(appZone, name)
}

func route53Traffic(w *sim.World, cfg *plan.Route53Record, target, source string) error {
	if err := sim.IgnoreDuplicate(w.AddHostedZone(cfg.HostedZoneID, "example.com.")); err != nil {
		return err
	}
	name := ""
	for _, rc := range cfg.Records {
		region := ""
		switch {
		case rc.SetIdentifier == target || strings.Contains(rc.SetIdentifier, target):
			region = target
		case rc.SetIdentifier == source || strings.Contains(rc.SetIdentifier, source):
			region = source
		}
		weight := int64(0)
		if region == source {
			weight = 100
		}
		typ := r53types.RRType(cmp.Or(rc.Type, "A"))
		if err := sim.IgnoreDuplicate(w.AddRecord(cfg.HostedZoneID, sim.RecordSpec{Name: rc.Name, Type: typ, SetIdentifier: rc.SetIdentifier, Weight: aws.Int64(weight), Region: region})); err != nil {
			return err
		}
		name = rc.Name
	}
	if name == "" {
		return nil
	}
	return w.SetApp(cfg.HostedZoneID, name)
}
