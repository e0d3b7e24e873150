package drill

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// fleetSnapshot is the running count of ECS services before a plan runs,
// keyed by Region/cluster/service, so the drill knows whether a scaling step
// had to start anything, and the number of Aurora modify calls made in each
// Region so far (key "modify/REGION").
type fleetSnapshot map[string]int32

// modifyCalls counts the ModifyDBInstance and ModifyDBCluster calls made in
// region (throttled or not).
func modifyCalls(w *sim.World, region string) int32 {
	return int32(w.CallCount("rds", "ModifyDBInstance", region) + w.CallCount("rds", "ModifyDBCluster", region))
}

// snapshotFleets reads the running count of every ECS service the world's
// plans scale. A service it cannot read is left out (treated as needing to
// start tasks).
func snapshotFleets(ctx context.Context, w *sim.World, plans ...*plan.Plan) (fleetSnapshot, error) {
	snap := fleetSnapshot{}
	for _, r := range w.Regions() {
		snap["modify/"+r] = modifyCalls(w, r)
	}
	for _, p := range plans {
		for _, ref := range p.Steps() {
			target, _ := p.StepRegions(ref.Workflow)
			switch cfg := ref.Step.With.(type) {
			case *plan.ECSScale:
				cluster := arnTail(cfg.Target.Cluster, "cluster")
				out, err := w.ECS(target).DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{cfg.Target.Service}})
				if err != nil || len(out.Services) == 0 {
					continue
				}
				snap[target+"/"+cluster+"/"+cfg.Target.Service] = out.Services[0].RunningCount
			case *plan.EKSScale:
				// Nodes of an ACTIVE node group count as running (the
				// block's own view).
				cluster := arnTail(cfg.Target.Cluster, "cluster")
				out, err := w.Clients().EKS(target).DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(cluster), NodegroupName: aws.String(cfg.Target.Deployment)})
				if err != nil || out.Nodegroup == nil || out.Nodegroup.ScalingConfig == nil || out.Nodegroup.Status != ekstypes.NodegroupStatusActive {
					continue
				}
				snap[target+"/eks/"+cluster+"/"+cfg.Target.Deployment] = aws.ToInt32(out.Nodegroup.ScalingConfig.DesiredSize)
			}
		}
	}
	return snap, nil
}

// arnRegion returns an ARN's Region, or def.
func arnRegion(arn, def string) string {
	if a, err := plan.ParseARN(arn); err == nil && a.Region != "" {
		return a.Region
	}
	return def
}

// arnTail returns an ARN's resource without its type prefix
// ("cluster/payments-usw2" → "payments-usw2"), or the input if it is not an
// ARN.
func arnTail(arn, prefix string) string {
	a, err := plan.ParseARN(arn)
	if err != nil {
		return arn
	}
	return strings.TrimLeft(strings.TrimPrefix(a.Resource, prefix), "/:")
}

// inherent is a step's duration with zero orchestration cost on this world:
//
//   - approval: the wait until it was answered (as answered);
//   - aurora-global: the completed switchover or failover into the target
//     that the simulator recorded for this run (GlobalOps: StartedAt to
//     EndedAt, i.e. to FailoverState clearing);
//   - ecs-scale / eks-scale: the simulator's task start-up / node warm-up
//     time when the step asked for more than was running before the run,
//     else 0; asg-scale: the instance warm-up time;
//   - aurora-scale: the simulator's instance modification time when the
//     step had changes to wait for (it did not finish at its first look),
//     else 0;
//   - alarm-wait: what was left of holdFor when the step started;
//     http-check: (successes − 1) × interval; both deliberate waits;
//   - anything else (fence, lambda, event-source-mapping, …): 0.
//
// Traffic-moving steps are measured separately (see criticalPath).
func (d *driller) inherent(p *plan.Plan, w *plan.Workflow, step plan.Step, r *Result, approvals []store.Approval, before fleetSnapshot) Inherent {
	durs := d.world.Durations()
	var rec *StepResult
	for i := range r.Steps {
		if r.Steps[i].Name == step.Name {
			rec = &r.Steps[i]
		}
	}
	if rec == nil || rec.StartedAt.IsZero() {
		return Inherent{Basis: "did not run"}
	}
	outputs := map[string]any{}
	_ = json.Unmarshal(rec.Output, &outputs)
	switch cfg := step.With.(type) {
	case *plan.ApprovalStep:
		wait := time.Duration(0)
		for _, a := range approvals {
			if a.Step == step.Name && a.Kind == store.KindApproval && !a.DecidedAt.IsZero() {
				wait += a.DecidedAt.Sub(a.CreatedAt)
			}
		}
		return Inherent{Duration: wait, Basis: fmt.Sprintf("approval answered after %s", wait)}
	case *plan.AuroraGlobal:
		id := arnTail(cfg.GlobalCluster, "global-cluster")
		for _, op := range d.world.GlobalOps(id) {
			if op.Outcome == "completed" && op.ToRegion == r.Target && !op.StartedAt.Before(r.AlarmAt) {
				dur := op.EndedAt.Sub(op.StartedAt)
				return Inherent{Duration: dur, Basis: fmt.Sprintf("sim: %s of %s recorded %s→%s", op.Kind, id,
					op.StartedAt.UTC().Format(time.TimeOnly), op.EndedAt.UTC().Format(time.TimeOnly))}
			}
		}
		return Inherent{Basis: "sim: no completed switchover or failover into " + r.Target}
	case *plan.ECSScale:
		target, _ := p.StepRegions(w)
		key := target + "/" + arnTail(cfg.Target.Cluster, "cluster") + "/" + cfg.Target.Service
		desired, _ := outputs["desired"].(float64)
		if running, ok := before[key]; ok && desired <= float64(running) {
			return Inherent{Basis: fmt.Sprintf("%d task(s) already running", running)}
		}
		return Inherent{Duration: durs.ECSTaskStart, Basis: fmt.Sprintf("sim: ECS task start-up %s", durs.ECSTaskStart)}
	case *plan.ASGScale:
		return Inherent{Duration: durs.InstanceWarmup, Basis: fmt.Sprintf("sim: instance warm-up %s", durs.InstanceWarmup)}
	case *plan.EKSScale:
		target, _ := p.StepRegions(w)
		key := target + "/eks/" + arnTail(cfg.Target.Cluster, "cluster") + "/" + cfg.Target.Deployment
		desired, _ := outputs["desired"].(float64)
		if running, ok := before[key]; ok && desired <= float64(running) {
			return Inherent{Basis: fmt.Sprintf("%d node(s) already running", running)}
		}
		return Inherent{Duration: durs.NodeWarmup, Basis: fmt.Sprintf("sim: node warm-up %s", durs.NodeWarmup)}
	case *plan.AuroraScale:
		region := arnRegion(cfg.Target, r.Target)
		if modifyCalls(d.world, region) > before["modify/"+region] {
			return Inherent{Duration: durs.InstanceModify, Basis: fmt.Sprintf("sim: instance modification %s", durs.InstanceModify)}
		}
		return Inherent{Basis: "no modification: the target already matched the source"}
	case *plan.AlarmWait:
		hold := time.Duration(cfg.HoldFor)
		if s, ok := outputs["greenSince"].(string); ok {
			if since, err := time.Parse(time.RFC3339, s); err == nil && rec.StartedAt.After(since) {
				hold -= rec.StartedAt.Sub(since)
			}
		}
		hold = max(hold, 0)
		return Inherent{Duration: hold, Basis: fmt.Sprintf("deliberate: alarms held green %s", hold)}
	case *plan.HTTPCheck:
		wait := time.Duration(max(cfg.Successes-1, 0)) * time.Duration(cfg.Interval)
		return Inherent{Duration: wait, Basis: fmt.Sprintf("deliberate: %d successes %s apart", cfg.Successes, time.Duration(cfg.Interval))}
	}
	return Inherent{Basis: "no inherent duration"}
}
