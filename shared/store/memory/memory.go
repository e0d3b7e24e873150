package memory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/internal/rules"
)

// Store is an in-memory store.Store. Build it with New.
type Store struct {
	clock clock.Clock

	mu         sync.Mutex
	plans      map[string]map[string]store.PlanVersion // name → version → plan
	latest     map[string]string                       // name → version
	executions map[string]store.Execution
	tokens     map[string]string // client token → execution id
	steps      map[string]map[string]store.Step
	audit      map[string][]store.AuditRecord
	auditKeys  map[string]map[string]int64 // execution → key → seq
	approvals  map[string]store.Approval
	taskTokens map[string]string // task token → approval id
	locks      map[string]store.Lock
	readiness  map[string]map[string]store.ReadinessReport // plan → Region → report
	triggers   map[[2]string]store.TriggerState
	routing    map[string]store.RoutingState
}

var _ store.Store = (*Store)(nil)

// New returns an empty store whose notion of "now" is clk.Now().
func New(clk clock.Clock) *Store {
	return &Store{
		clock:      clk,
		plans:      map[string]map[string]store.PlanVersion{},
		latest:     map[string]string{},
		executions: map[string]store.Execution{},
		tokens:     map[string]string{},
		steps:      map[string]map[string]store.Step{},
		audit:      map[string][]store.AuditRecord{},
		auditKeys:  map[string]map[string]int64{},
		approvals:  map[string]store.Approval{},
		taskTokens: map[string]string{},
		locks:      map[string]store.Lock{},
		readiness:  map[string]map[string]store.ReadinessReport{},
		triggers:   map[[2]string]store.TriggerState{},
		routing:    map[string]store.RoutingState{},
	}
}

func (s *Store) now() time.Time { return s.clock.Now() }

// PutPlan implements store.Plans.
func (s *Store) PutPlan(ctx context.Context, p store.PlanVersion) (store.PlanVersion, bool, error) {
	p, err := rules.NewPlan(p, s.now())
	if err != nil {
		return p, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	versions := s.plans[p.Name]
	if versions == nil {
		versions = map[string]store.PlanVersion{}
		s.plans[p.Name] = versions
	}
	created := true
	if stored, ok := versions[p.Version]; ok {
		if err := rules.SamePlan(stored, p); err != nil {
			return p, false, err
		}
		p, created = stored, false
	} else {
		versions[p.Version] = p
	}
	s.latest[p.Name] = p.Version
	return rules.ClonePlan(p), created, nil
}

// GetPlan implements store.Plans.
func (s *Store) GetPlan(ctx context.Context, name string) (store.PlanVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.latest[name]
	if !ok {
		return store.PlanVersion{}, fmt.Errorf("plan %q: %w", name, store.ErrNotFound)
	}
	return rules.ClonePlan(s.plans[name][v]), nil
}

// GetPlanVersion implements store.Plans.
func (s *Store) GetPlanVersion(ctx context.Context, name, version string) (store.PlanVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.plans[name][version]
	if !ok {
		return store.PlanVersion{}, fmt.Errorf("plan %q version %s: %w", name, version, store.ErrNotFound)
	}
	return rules.ClonePlan(p), nil
}

// ListPlans implements store.Plans.
func (s *Store) ListPlans(ctx context.Context) ([]store.PlanVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]store.PlanVersion, 0, len(s.latest))
	for name, v := range s.latest {
		out = append(out, rules.ClonePlan(s.plans[name][v]))
	}
	rules.SortPlans(out)
	return out, nil
}

// ListPlanVersions implements store.Plans.
func (s *Store) ListPlanVersions(ctx context.Context, name string) ([]store.PlanVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]store.PlanVersion, 0, len(s.plans[name]))
	for _, p := range s.plans[name] {
		out = append(out, rules.ClonePlan(p))
	}
	rules.SortPlanVersions(out)
	return out, nil
}

// CreateExecution implements store.Executions.
func (s *Store) CreateExecution(ctx context.Context, e store.Execution) (store.Execution, bool, error) {
	e, err := rules.NewExecution(e, s.now())
	if err != nil {
		return e, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.ClientToken != "" {
		if id, ok := s.tokens[e.ClientToken]; ok {
			stored := s.executions[id]
			return stored, false, rules.SameStart(stored, e)
		}
	}
	if _, ok := s.executions[e.ID]; ok {
		return e, false, rules.ExecutionExists(e.ID)
	}
	s.executions[e.ID] = e
	if e.ClientToken != "" {
		s.tokens[e.ClientToken] = e.ID
	}
	return e, true, nil
}

// GetExecution implements store.Executions.
func (s *Store) GetExecution(ctx context.Context, id string) (store.Execution, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.execution(id)
}

func (s *Store) execution(id string) (store.Execution, error) {
	e, ok := s.executions[id]
	if !ok {
		return e, fmt.Errorf("execution %q: %w", id, store.ErrNotFound)
	}
	return e, nil
}

// SetExecutionMode implements store.Executions.
func (s *Store) SetExecutionMode(ctx context.Context, id string, mode store.Mode) (store.Execution, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.execution(id)
	if err != nil {
		return cur, err
	}
	next, changed, err := rules.SetMode(cur, mode)
	if err != nil {
		return cur, err
	}
	if changed {
		s.executions[id] = next
	}
	return next, nil
}

// FinishExecution implements store.Executions.
func (s *Store) FinishExecution(ctx context.Context, id string, status store.ExecutionStatus, r store.ExecutionResult) (store.Execution, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.execution(id)
	if err != nil {
		return cur, err
	}
	next, changed, err := rules.Finish(cur, status, r, s.now())
	if err != nil {
		return cur, err
	}
	if changed {
		s.executions[id] = next
	}
	return next, nil
}

// ListExecutions implements store.Executions.
func (s *Store) ListExecutions(ctx context.Context, f store.ExecutionFilter) ([]store.Execution, error) {
	if err := rules.Filter(f); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []store.Execution{}
	for _, e := range s.executions {
		if rules.MatchExecution(e, f) {
			out = append(out, e)
		}
	}
	return rules.SortExecutions(out, f.Limit), nil
}

// PutStep implements store.Steps.
func (s *Store) PutStep(ctx context.Context, st store.Step) (store.Step, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur *store.Step
	if c, ok := s.steps[st.Execution][st.Name]; ok {
		cur = &c
	}
	next, write, err := rules.PutStep(cur, st, s.now())
	if err != nil {
		return rules.CloneStep(next), err
	}
	if write {
		if s.steps[st.Execution] == nil {
			s.steps[st.Execution] = map[string]store.Step{}
		}
		s.steps[st.Execution][st.Name] = next
	}
	return rules.CloneStep(next), nil
}

// GetStep implements store.Steps.
func (s *Store) GetStep(ctx context.Context, execution, name string) (store.Step, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.steps[execution][name]
	if !ok {
		return st, fmt.Errorf("step %q of execution %q: %w", name, execution, store.ErrNotFound)
	}
	return rules.CloneStep(st), nil
}

// ListSteps implements store.Steps.
func (s *Store) ListSteps(ctx context.Context, execution string) ([]store.Step, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]store.Step, 0, len(s.steps[execution]))
	for _, st := range s.steps[execution] {
		out = append(out, rules.CloneStep(st))
	}
	rules.SortSteps(out)
	return out, nil
}

// AppendAudit implements store.Audit.
func (s *Store) AppendAudit(ctx context.Context, r store.AuditRecord) (store.AuditRecord, error) {
	r, err := rules.NewAudit(r, s.now())
	if err != nil {
		return r, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	log := s.audit[r.Execution]
	if r.Key != "" {
		if seq, ok := s.auditKeys[r.Execution][r.Key]; ok {
			return rules.CloneAudit(log[seq-1]), nil
		}
	}
	r.Seq = int64(len(log)) + 1
	s.audit[r.Execution] = append(log, r)
	if r.Key != "" {
		if s.auditKeys[r.Execution] == nil {
			s.auditKeys[r.Execution] = map[string]int64{}
		}
		s.auditKeys[r.Execution][r.Key] = r.Seq
	}
	return rules.CloneAudit(r), nil
}

// ListAudit implements store.Audit.
func (s *Store) ListAudit(ctx context.Context, execution string, afterSeq int64, limit int) ([]store.AuditRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	log := s.audit[execution]
	afterSeq = max(0, min(afterSeq, int64(len(log))))
	log = log[afterSeq:]
	if limit > 0 && len(log) > limit {
		log = log[:limit]
	}
	out := make([]store.AuditRecord, len(log))
	for i, r := range log {
		out[i] = rules.CloneAudit(r)
	}
	return out, nil
}

// CreateApproval implements store.Approvals.
func (s *Store) CreateApproval(ctx context.Context, a store.Approval) (store.Approval, bool, error) {
	now := s.now()
	a, err := rules.NewApproval(a, now)
	if err != nil {
		return a, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.taskTokens[a.TaskToken]; ok {
		if stored, err := s.approval(id, now); err == nil {
			return stored, false, nil
		}
	}
	if _, ok := s.approvals[a.ID]; ok {
		return a, false, fmt.Errorf("%w: approval %s already exists", store.ErrConflict, a.ID)
	}
	s.approvals[a.ID] = a
	s.taskTokens[a.TaskToken] = a.ID
	return rules.CloneApproval(a), true, nil
}

// approval returns the approval as readers see it (a copy).
func (s *Store) approval(id string, now time.Time) (store.Approval, error) {
	a, ok := s.approvals[id]
	if !ok || rules.ApprovalGone(a, now) {
		return store.Approval{}, fmt.Errorf("approval %q: %w", id, store.ErrNotFound)
	}
	return rules.CloneApproval(rules.ApprovalView(a, now)), nil
}

// GetApproval implements store.Approvals.
func (s *Store) GetApproval(ctx context.Context, id string) (store.Approval, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.approval(id, s.now())
}

// ListApprovals implements store.Approvals.
func (s *Store) ListApprovals(ctx context.Context, execution string) ([]store.Approval, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []store.Approval{}
	for _, a := range s.approvals {
		if a.Execution == execution && !rules.ApprovalGone(a, now) {
			out = append(out, rules.CloneApproval(rules.ApprovalView(a, now)))
		}
	}
	rules.SortApprovals(out)
	return out, nil
}

// SetApprovalMessage implements store.Approvals.
func (s *Store) SetApprovalMessage(ctx context.Context, id string, ref store.SlackRef) (store.Approval, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.approval(id, now); err != nil {
		return store.Approval{}, err
	}
	a := s.approvals[id]
	a.Message = ref
	s.approvals[id] = a
	return rules.CloneApproval(rules.ApprovalView(a, now)), nil
}

// VoteApproval implements store.Approvals.
func (s *Store) VoteApproval(ctx context.Context, id string, v store.Vote) (store.VoteResult, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.approval(id, now); err != nil {
		return store.VoteResult{}, err
	}
	next, res, write, err := rules.Vote(s.approvals[id], v, now)
	if err != nil {
		return res, err
	}
	if write {
		s.approvals[id] = next
	}
	res.Approval = rules.CloneApproval(res.Approval)
	return res, nil
}

// ExpireApproval implements store.Approvals.
func (s *Store) ExpireApproval(ctx context.Context, id string) (store.Approval, bool, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.approval(id, now); err != nil {
		return store.Approval{}, false, err
	}
	next, changed := rules.Expire(s.approvals[id], now)
	if changed {
		s.approvals[id] = next
	}
	return rules.CloneApproval(next), changed, nil
}

func (s *Store) lock(plan string) *store.Lock {
	if l, ok := s.locks[plan]; ok {
		return &l
	}
	return nil
}

// AcquireLock implements store.Locks.
func (s *Store) AcquireLock(ctx context.Context, plan, holder string, ttl time.Duration) (store.Lock, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next, write, err := rules.Acquire(s.lock(plan), plan, holder, ttl, s.now())
	if err != nil {
		return store.Lock{}, err
	}
	if write {
		s.locks[plan] = next
	}
	return next, nil
}

// RenewLock implements store.Locks.
func (s *Store) RenewLock(ctx context.Context, plan, holder string, epoch int64, ttl time.Duration) (store.Lock, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next, err := rules.Renew(s.lock(plan), plan, holder, epoch, ttl, s.now())
	if err != nil {
		return store.Lock{}, err
	}
	s.locks[plan] = next
	return next, nil
}

// ReleaseLock implements store.Locks.
func (s *Store) ReleaseLock(ctx context.Context, plan, holder string, epoch int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next, write, err := rules.Release(s.lock(plan), plan, holder, epoch, s.now())
	if err != nil {
		return err
	}
	if write {
		s.locks[plan] = next
	}
	return nil
}

// GetLock implements store.Locks.
func (s *Store) GetLock(ctx context.Context, plan string) (store.Lock, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return rules.LockView(s.lock(plan), plan, s.now())
}

// PutReadiness implements store.Readiness.
func (s *Store) PutReadiness(ctx context.Context, r store.ReadinessReport) (store.ReadinessReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur *store.ReadinessReport
	if c, ok := s.readiness[r.Plan][r.Region]; ok {
		cur = &c
	}
	next, err := rules.PutReadiness(cur, r, s.now())
	if err != nil {
		return rules.CloneReadiness(next), err
	}
	if s.readiness[r.Plan] == nil {
		s.readiness[r.Plan] = map[string]store.ReadinessReport{}
	}
	s.readiness[r.Plan][r.Region] = next
	return rules.CloneReadiness(next), nil
}

// GetReadiness implements store.Readiness.
func (s *Store) GetReadiness(ctx context.Context, plan, region string) (store.ReadinessReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.readiness[plan][region]
	if !ok {
		return r, fmt.Errorf("readiness of plan %q in %s: %w", plan, region, store.ErrNotFound)
	}
	return rules.CloneReadiness(r), nil
}

// ListReadiness implements store.Readiness.
func (s *Store) ListReadiness(ctx context.Context, plan string) ([]store.ReadinessReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	regions := slices.Sorted(maps.Keys(s.readiness[plan]))
	out := make([]store.ReadinessReport, 0, len(regions))
	for _, r := range regions {
		out = append(out, rules.CloneReadiness(s.readiness[plan][r]))
	}
	return out, nil
}

func (s *Store) trigger(plan, trigger string) *store.TriggerState {
	if t, ok := s.triggers[[2]string{plan, trigger}]; ok {
		return &t
	}
	return nil
}

// GetTrigger implements store.Triggers.
func (s *Store) GetTrigger(ctx context.Context, plan, trigger string) (store.TriggerState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.trigger(plan, trigger)
	if t == nil {
		return store.TriggerState{}, fmt.Errorf("trigger %q of plan %q: %w", trigger, plan, store.ErrNotFound)
	}
	return rules.CloneTrigger(*t), nil
}

// PutTrigger implements store.Triggers.
func (s *Store) PutTrigger(ctx context.Context, t store.TriggerState) (store.TriggerState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next, err := rules.PutTrigger(s.trigger(t.Plan, t.Trigger), t, s.now())
	if err != nil {
		return store.TriggerState{}, err
	}
	s.triggers[[2]string{t.Plan, t.Trigger}] = next
	return rules.CloneTrigger(next), nil
}

// FireTrigger implements store.Triggers.
func (s *Store) FireTrigger(ctx context.Context, plan, trigger string, version int64, cooldown time.Duration) (store.TriggerState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next, err := rules.Fire(s.trigger(plan, trigger), plan, trigger, version, cooldown, s.now())
	if err != nil {
		return store.TriggerState{}, err
	}
	s.triggers[[2]string{plan, trigger}] = next
	return rules.CloneTrigger(next), nil
}

// GetRouting implements store.Routing.
func (s *Store) GetRouting(ctx context.Context, plan string) (store.RoutingState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.routing[plan]
	if !ok {
		return r, fmt.Errorf("routing state of plan %q: %w", plan, store.ErrNotFound)
	}
	return rules.CloneRouting(r), nil
}

// PutRouting implements store.Routing.
func (s *Store) PutRouting(ctx context.Context, r store.RoutingState) (store.RoutingState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur *store.RoutingState
	if c, ok := s.routing[r.Plan]; ok {
		cur = &c
	}
	next, err := rules.PutRouting(cur, r, s.now())
	if err != nil {
		return store.RoutingState{}, err
	}
	s.routing[r.Plan] = next
	return rules.CloneRouting(next), nil
}
