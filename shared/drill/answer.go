package drill

import (
	"context"
	"fmt"

	"github.com/switchyard-dev/switchyard/shared/runtime"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// asked is told about every new approval or decision inside the approval
// handler, at the clock's current instant; the clock stands still until it
// returns, so an automatic answer lands at the same AWS instant and a
// prompt holds AWS time while the person thinks.
func (d *driller) asked(ctx context.Context, a runtime.ApprovalRequest) {
	if err := d.answer(ctx, a); err != nil {
		d.mu.Lock()
		d.errs = append(d.errs, err)
		d.mu.Unlock()
	}
}

func (d *driller) answer(ctx context.Context, a runtime.ApprovalRequest) error {
	now := d.clk.Now()
	switch a.Kind {
	case store.KindApproval:
		what := "the execution"
		if a.Step != "" {
			what = "step " + a.Step
		}
		if d.o.Approve == ApprovePrompt {
			ans, err := d.o.Prompt.Ask(ctx, fmt.Sprintf("Approve %s of plan %s (quorum %d)?", what, a.Plan, a.Quorum), []string{"approve", "reject"})
			if err != nil {
				return fmt.Errorf("asking for approval of %s: %w", what, err)
			}
			user := "operator"
			for i := 0; i < max(1, a.Quorum); i++ {
				if i > 0 {
					user = fmt.Sprintf("operator-%d", i+1)
				}
				if err := d.eng.Approve(ctx, a.ID, user, ans == "approve"); err != nil {
					return fmt.Errorf("answering the approval of %s: %w", what, err)
				}
			}
			verb := map[string]string{"approve": "approved", "reject": "rejected"}[ans]
			d.pr.linef(now, "approval  %s %s on the terminal", what, verb)
			return nil
		}
		for i := 0; i < max(1, a.Quorum); i++ {
			user := DrillUser
			if i > 0 {
				user = fmt.Sprintf("%s-%d", DrillUser, i+1)
			}
			if err := d.eng.Approve(ctx, a.ID, user, true); err != nil {
				return fmt.Errorf("answering the approval of %s: %w", what, err)
			}
		}
		d.pr.linef(now, "approval  %s approved by %s (auto)", what, DrillUser)
		return nil
	case store.KindDecision:
		d.mu.Lock()
		if d.asks == nil {
			d.asks = map[string]int{}
		}
		d.asks[a.Execution+"/"+a.Step]++
		n := d.asks[a.Execution+"/"+a.Step]
		d.mu.Unlock()
		mode := d.o.Mode
		if e, err := d.obs.GetExecution(ctx, a.Execution); err == nil {
			mode = string(e.Mode)
		}
		dec := Decision{Plan: a.Plan, Execution: a.Execution, Step: a.Step, Error: a.Note, Mode: mode, Options: a.Options, Asked: n}
		why := ""
		if a.Note != "" {
			why = " (" + oneLine(a.Note) + ")"
		}
		d.pr.linef(now, "decision  step %s failed%s: operator decision asked", a.Step, why)
		var ans string
		var err error
		switch {
		case d.o.Decide != nil:
			ans, err = d.o.Decide(ctx, dec)
		case d.o.Approve == ApprovePrompt:
			ans, err = d.o.Prompt.Ask(ctx, fmt.Sprintf("Step %s of plan %s failed: %s. What now?", a.Step, a.Plan, oneLine(a.Note)), a.Options)
		default:
			ans, err = DefaultDecider(ctx, dec)
		}
		if err != nil {
			return fmt.Errorf("deciding at step %s: %w", a.Step, err)
		}
		if err := d.eng.Decide(ctx, a.ID, DrillUser, ans); err != nil {
			return fmt.Errorf("answering the decision at step %s with %s: %w", a.Step, ans, err)
		}
		d.pr.linef(now, "decision  step %s: %s", a.Step, ans)
		return nil
	}
	return fmt.Errorf("approval %s has unknown kind %q", a.ID, a.Kind)
}
