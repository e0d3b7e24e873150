package trigger

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// RDSTrigger is the pseudo-trigger name of decisions on Aurora global
// database events: they are not a plan's trigger, but a failover or
// switchover nobody started through Switchyard must reach people.
const RDSTrigger = "aurora-global-event"

// rds notifies about global-cluster operations on clusters a plan names.
// It never starts anything: the operation is already happening.
func (h *Handler) rds(ctx context.Context, ev *awsevent.RDSClusterEvent) ([]Decision, error) {
	ref := &awsevent.EventRef{ID: ev.ID, Source: ev.Source, DetailType: ev.DetailType, Region: ev.Region}
	op, ok := ev.Detail.GlobalOperation()
	if !ok {
		return []Decision{{Decision: awsevent.DecisionIgnored, Event: ref, DecidedAt: h.o.Clock.Now(),
			Reason: fmt.Sprintf("RDS event %s is not a global-cluster switchover or failover event", ev.Detail.EventID)}}, nil
	}
	plans, err := h.o.Plans.Plans(ctx)
	if err != nil {
		return nil, fmt.Errorf("trigger: %w", err)
	}
	var out []Decision
	var errs []error
	for _, p := range plans {
		target := planTargetFor(p, ev.Detail.SourceArn, ev.Detail.SourceIdentifier)
		if target == "" {
			continue
		}
		reason := fmt.Sprintf("Aurora global database %s %s (%s, %s): %s", op.Kind, op.Phase, ev.Detail.EventID, ev.Detail.SourceIdentifier, ev.Detail.Message)
		d := Decision{Plan: p.Metadata.Name, Trigger: RDSTrigger, Action: plan.ActionNotify, Target: target, Event: ref, DecidedAt: h.o.Clock.Now()}
		decision := awsevent.DecisionNotified
		if h.o.Notifier == nil {
			decision, reason = awsevent.DecisionBlocked, "would notify, but no notifier is configured: "+reason
		} else if err := h.o.Notifier.Notify(ctx, Notice{Plan: d.Plan, Trigger: d.Trigger, Target: target, Action: d.Action, Decision: decision,
			Reason: reason, Suggested: "if no Switchyard execution started this, check where the writer is and move traffic to it (one writer, traffic where the writer is)"}); err != nil {
			decision, reason = awsevent.DecisionBlocked, "notifying failed: "+err.Error()
		}
		d, err := h.record(ctx, d, decision, reason, nil)
		if err != nil {
			errs = append(errs, err)
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		out = append(out, Decision{Decision: awsevent.DecisionIgnored, Event: ref, DecidedAt: h.o.Clock.Now(),
			Reason: fmt.Sprintf("no plan names DB cluster %s", ev.Detail.SourceIdentifier)})
	}
	return out, errors.Join(errs...)
}

// planTargetFor returns the Region of the plan's aurora-global member the
// event is about, or "".
func planTargetFor(p *plan.Plan, arn, id string) string {
	for _, ref := range p.Steps() {
		cfg, ok := ref.Step.With.(*plan.AuroraGlobal)
		if !ok {
			continue
		}
		for region, m := range cfg.Members {
			if m == arn || (id != "" && strings.HasSuffix(m, ":cluster:"+id)) {
				return region
			}
		}
		if cfg.GlobalCluster == arn || (id != "" && strings.HasSuffix(cfg.GlobalCluster, ":"+id)) {
			target, _ := p.StepRegions(ref.Workflow)
			return target
		}
	}
	return ""
}
