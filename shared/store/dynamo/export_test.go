package dynamo

import (
	"context"

	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/internal/rules"
)

// The hooks below perform only the first write of a two-write operation,
// as a caller that died in between would leave it, so tests can check that
// the next caller completes the operation.

// ClaimClientTokenOnly writes an execution's client-token claim only.
func (s *Store) ClaimClientTokenOnly(ctx context.Context, e store.Execution) error {
	e, err := rules.NewExecution(e, s.clock.Now())
	if err != nil {
		return err
	}
	return save(ctx, s, tokenKind, "TOKEN#"+e.ClientToken, skToken, e, 0)
}

// ClaimTaskTokenOnly writes an approval's task-token claim only and returns
// the approval it holds.
func (s *Store) ClaimTaskTokenOnly(ctx context.Context, a store.Approval) (store.Approval, error) {
	a, err := rules.NewApproval(a, s.clock.Now())
	if err != nil {
		return a, err
	}
	return a, save(ctx, s, taskTokenKind, taskTokenPK(a.TaskToken), skTaskToken, a, 0)
}

// ClaimAuditKeyOnly writes an audit key's claim only (based on the current
// end of the log).
func (s *Store) ClaimAuditKeyOnly(ctx context.Context, r store.AuditRecord) error {
	r, err := rules.NewAudit(r, s.clock.Now())
	if err != nil {
		return err
	}
	base, err := s.lastAuditSeq(ctx, execPK(r.Execution))
	if err != nil {
		return err
	}
	return save(ctx, s, claimKind, execPK(r.Execution), skAuditKeyPrefix+r.Key, auditClaim{Base: base, Record: r}, 0)
}

// UnsettleAuditKey resets a claim's recorded sequence to 0, as if its
// appender died after appending the record but before settling the claim.
func (s *Store) UnsettleAuditKey(ctx context.Context, execution, key string) error {
	return mutate(ctx, s, claimKind, execPK(execution), skAuditKeyPrefix+key, func(cur *auditClaim) (*auditClaim, error) {
		next := *cur
		next.Seq = 0
		return &next, nil
	})
}

// PutPlanVersionOnly writes a plan version without making it latest.
func (s *Store) PutPlanVersionOnly(ctx context.Context, p store.PlanVersion) error {
	p, err := rules.NewPlan(p, s.clock.Now())
	if err != nil {
		return err
	}
	return save(ctx, s, planVersionKind, planPK(p.Name), skVersionPrefix+p.Version, p, 0)
}
