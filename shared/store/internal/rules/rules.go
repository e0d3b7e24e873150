package rules

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/switchyard-dev/switchyard/shared/store"
)

// maxKeyLen bounds names used in keys (DynamoDB allows 2048 bytes per
// partition key; ours stay far below).
const maxKeyLen = 256

// Key checks a name that becomes part of a table key: required, at most 256
// bytes, no '#' (the key separator) and no control characters.
func Key(field, v string) error {
	switch {
	case v == "":
		return fmt.Errorf("%w: %s is required", store.ErrInvalid, field)
	case len(v) > maxKeyLen:
		return fmt.Errorf("%w: %s is %d bytes long, at most %d allowed", store.ErrInvalid, field, len(v), maxKeyLen)
	case strings.Contains(v, "#"):
		return fmt.Errorf("%w: %s %q contains '#', which is reserved", store.ErrInvalid, field, v)
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: %s %q contains a control character", store.ErrInvalid, field, v)
	}
	return nil
}

func optionalKey(field, v string) error {
	if v == "" {
		return nil
	}
	return Key(field, v)
}

func optionalJSON(field string, v json.RawMessage) error {
	if len(v) > 0 && !json.Valid(v) {
		return fmt.Errorf("%w: %s is not valid JSON", store.ErrInvalid, field)
	}
	return nil
}

func cloneJSON(v json.RawMessage) json.RawMessage {
	if len(v) == 0 {
		return nil
	}
	return bytes.Clone(v)
}

// UTC strips the location and monotonic reading, as storage does; the zero
// time stays zero.
func UTC(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return UTC(now)
	}
	return UTC(t)
}

// Plans

var versionRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// NewPlan validates a plan version to store.
func NewPlan(p store.PlanVersion, now time.Time) (store.PlanVersion, error) {
	if err := Key("plan name", p.Name); err != nil {
		return p, err
	}
	if !versionRE.MatchString(p.Version) {
		return p, fmt.Errorf("%w: plan %q version %q is not a fingerprint (want \"sha256:\" and 64 lowercase hex digits)", store.ErrInvalid, p.Name, p.Version)
	}
	if len(p.Document) == 0 || !json.Valid(p.Document) {
		return p, fmt.Errorf("%w: plan %q version %s: document is missing or not valid JSON", store.ErrInvalid, p.Name, p.Version)
	}
	p.Document = cloneJSON(p.Document)
	p.DeployedAt = orNow(p.DeployedAt, now)
	return p, nil
}

// SamePlan reports whether a stored version and a new one carry the same
// document; if not, the put is a conflict.
func SamePlan(stored, p store.PlanVersion) error {
	if bytes.Equal(stored.Document, p.Document) {
		return nil
	}
	return fmt.Errorf("%w: plan %q version %s is already stored with a different document (a version's document never changes)", store.ErrConflict, p.Name, p.Version)
}

// SortPlans orders plans by name.
func SortPlans(ps []store.PlanVersion) {
	slices.SortFunc(ps, func(a, b store.PlanVersion) int { return cmp.Compare(a.Name, b.Name) })
}

// SortPlanVersions orders versions newest first.
func SortPlanVersions(ps []store.PlanVersion) {
	slices.SortFunc(ps, func(a, b store.PlanVersion) int {
		if c := b.DeployedAt.Compare(a.DeployedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Version, b.Version)
	})
}

// ClonePlan deep-copies a plan version.
func ClonePlan(p store.PlanVersion) store.PlanVersion {
	p.Document = cloneJSON(p.Document)
	return p
}

// Executions

func validMode(m store.Mode) error {
	if m != store.ModeGraceful && m != store.ModeUngraceful {
		return fmt.Errorf("%w: mode %q is not allowed (graceful or ungraceful)", store.ErrInvalid, m)
	}
	return nil
}

// NewExecution validates an execution to create.
func NewExecution(e store.Execution, now time.Time) (store.Execution, error) {
	for _, f := range []struct{ name, v string }{{"execution id", e.ID}, {"plan", e.Plan}, {"target Region", e.Target}} {
		if err := Key(f.name, f.v); err != nil {
			return e, err
		}
	}
	if err := optionalKey("source Region", e.Source); err != nil {
		return e, err
	}
	if err := validMode(e.Mode); err != nil {
		return e, err
	}
	if e.Status != "" && e.Status != store.ExecutionRunning {
		return e, fmt.Errorf("%w: a new execution's status must be RUNNING, not %q", store.ErrInvalid, e.Status)
	}
	if len(e.ClientToken) > maxKeyLen {
		return e, fmt.Errorf("%w: client token is %d bytes long, at most %d allowed", store.ErrInvalid, len(e.ClientToken), maxKeyLen)
	}
	e.Status = store.ExecutionRunning
	e.StartedAt = orNow(e.StartedAt, now)
	e.EndedAt = time.Time{}
	e.Result = store.ExecutionResult{}
	return e, nil
}

// SameStart checks that a request reusing a client token asks for what the
// stored execution does.
func SameStart(stored, req store.Execution) error {
	if stored.Plan == req.Plan && stored.Target == req.Target {
		return nil
	}
	return fmt.Errorf("%w: client token %q already started execution %s of plan %q towards %s",
		store.ErrConflict, req.ClientToken, stored.ID, stored.Plan, stored.Target)
}

// ExecutionExists is the conflict for an id already taken.
func ExecutionExists(id string) error {
	return fmt.Errorf("%w: execution %s already exists", store.ErrConflict, id)
}

// SetMode switches a running execution's mode.
func SetMode(cur store.Execution, mode store.Mode) (store.Execution, bool, error) {
	if err := validMode(mode); err != nil {
		return cur, false, err
	}
	if cur.Mode == mode {
		return cur, false, nil
	}
	if cur.Status.Terminal() {
		return cur, false, fmt.Errorf("%w: execution %s is %s: its mode can no longer change", store.ErrConflict, cur.ID, cur.Status)
	}
	cur.Mode = mode
	return cur, true, nil
}

// Finish ends a running execution.
func Finish(cur store.Execution, status store.ExecutionStatus, r store.ExecutionResult, now time.Time) (store.Execution, bool, error) {
	if !status.Terminal() {
		return cur, false, fmt.Errorf("%w: %q is not a final status (SUCCEEDED, FAILED, TIMED_OUT or ABORTED)", store.ErrInvalid, status)
	}
	if cur.Status == status {
		return cur, false, nil
	}
	if cur.Status.Terminal() {
		return cur, false, fmt.Errorf("%w: execution %s already ended as %s, cannot end as %s", store.ErrConflict, cur.ID, cur.Status, status)
	}
	cur.Status = status
	cur.EndedAt = UTC(now)
	cur.Result = r
	return cur, true, nil
}

// Filter validates an execution filter.
func Filter(f store.ExecutionFilter) error {
	if f.Status != "" && f.Status != store.ExecutionRunning && !f.Status.Terminal() {
		return fmt.Errorf("%w: execution status %q is not one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED", store.ErrInvalid, f.Status)
	}
	if f.Limit < 0 {
		return fmt.Errorf("%w: execution listing limit must not be negative, got %d", store.ErrInvalid, f.Limit)
	}
	return nil
}

// MatchExecution applies a filter.
func MatchExecution(e store.Execution, f store.ExecutionFilter) bool {
	return (f.Plan == "" || e.Plan == f.Plan) && (f.Status == "" || e.Status == f.Status)
}

// SortExecutions orders newest first and applies the filter's limit.
func SortExecutions(es []store.Execution, limit int) []store.Execution {
	slices.SortFunc(es, func(a, b store.Execution) int {
		if c := b.StartedAt.Compare(a.StartedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	if limit > 0 && len(es) > limit {
		es = es[:limit]
	}
	return es
}

// Steps

// PutStep applies a step write; write is false when nothing changes.
func PutStep(cur *store.Step, next store.Step, now time.Time) (stored store.Step, write bool, err error) {
	if err := Key("execution id", next.Execution); err != nil {
		return next, false, err
	}
	if err := Key("step name", next.Name); err != nil {
		return next, false, err
	}
	if next.Attempt < 1 || next.Seq < 0 {
		return next, false, fmt.Errorf("%w: step %q: attempt must be ≥ 1 and seq ≥ 0 (got %d, %d)", store.ErrInvalid, next.Name, next.Attempt, next.Seq)
	}
	if next.Status == "" {
		return next, false, fmt.Errorf("%w: step %q: status is required", store.ErrInvalid, next.Name)
	}
	if err := optionalJSON("step output", next.Output); err != nil {
		return next, false, err
	}
	next.StartedAt, next.EndedAt = UTC(next.StartedAt), UTC(next.EndedAt)
	next.Output = cloneJSON(next.Output)
	if cur != nil {
		switch {
		case next.Attempt == cur.Attempt && next.Seq == cur.Seq:
			if sameStep(*cur, next) {
				return *cur, false, nil
			}
			return *cur, false, fmt.Errorf("%w: step %q of %s already has a different update at attempt %d seq %d",
				store.ErrStale, next.Name, next.Execution, next.Attempt, next.Seq)
		case next.Attempt < cur.Attempt || (next.Attempt == cur.Attempt && next.Seq < cur.Seq):
			return *cur, false, fmt.Errorf("%w: step %q of %s is at attempt %d seq %d, update is for attempt %d seq %d",
				store.ErrStale, next.Name, next.Execution, cur.Attempt, cur.Seq, next.Attempt, next.Seq)
		}
	}
	next.UpdatedAt = UTC(now)
	return next, true, nil
}

func sameStep(a, b store.Step) bool {
	return a.Block == b.Block && a.Stage == b.Stage && a.Status == b.Status &&
		a.StartedAt.Equal(b.StartedAt) && a.EndedAt.Equal(b.EndedAt) &&
		a.Error == b.Error && bytes.Equal(a.Output, b.Output)
}

// SortSteps orders by stage, start and name.
func SortSteps(ss []store.Step) {
	slices.SortFunc(ss, func(a, b store.Step) int {
		if c := cmp.Compare(a.Stage, b.Stage); c != 0 {
			return c
		}
		if c := a.StartedAt.Compare(b.StartedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
}

// CloneStep deep-copies a step.
func CloneStep(s store.Step) store.Step {
	s.Output = cloneJSON(s.Output)
	return s
}

// Audit

// NewAudit validates a record to append (Seq is left to the store).
func NewAudit(r store.AuditRecord, now time.Time) (store.AuditRecord, error) {
	if err := Key("execution id", r.Execution); err != nil {
		return r, err
	}
	if r.Action == "" {
		return r, fmt.Errorf("%w: audit record of %s: action is required", store.ErrInvalid, r.Execution)
	}
	if err := optionalJSON("audit detail", r.Detail); err != nil {
		return r, err
	}
	if err := optionalKey("audit key", r.Key); err != nil {
		return r, err
	}
	r.Seq = 0
	r.Time = orNow(r.Time, now)
	r.Detail = cloneJSON(r.Detail)
	return r, nil
}

// CloneAudit deep-copies a record.
func CloneAudit(r store.AuditRecord) store.AuditRecord {
	r.Detail = cloneJSON(r.Detail)
	return r
}

// Approvals

// NewApproval validates an approval to create and assigns its id.
func NewApproval(a store.Approval, now time.Time) (store.Approval, error) {
	if a.Kind != store.KindApproval && a.Kind != store.KindDecision {
		return a, fmt.Errorf("%w: approval kind %q is not allowed (approval or decision)", store.ErrInvalid, a.Kind)
	}
	if err := Key("execution id", a.Execution); err != nil {
		return a, err
	}
	if err := optionalKey("plan", a.Plan); err != nil {
		return a, err
	}
	if a.TaskToken == "" {
		return a, fmt.Errorf("%w: approval for %s: task token is required", store.ErrInvalid, a.Execution)
	}
	if a.ID == "" {
		a.ID = store.NewApprovalID()
	} else if err := Key("approval id", a.ID); err != nil {
		return a, err
	}
	switch {
	case a.Kind == store.KindDecision:
		a.Quorum = 1
	case a.Quorum < 1:
		return a, fmt.Errorf("%w: approval for %s: quorum must be ≥ 1, got %d", store.ErrInvalid, a.Execution, a.Quorum)
	}
	if !a.ExpiresAt.After(now) {
		return a, fmt.Errorf("%w: approval for %s: expiresAt %s is not in the future", store.ErrInvalid, a.Execution, a.ExpiresAt.UTC().Format(time.RFC3339))
	}
	a.Status = store.ApprovalPending
	a.Approvers, a.Answer, a.DecidedBy, a.Note, a.DecidedAt = nil, "", "", "", time.Time{}
	a.Options = slices.Clone(a.Options)
	a.CreatedAt = UTC(now)
	a.ExpiresAt = UTC(a.ExpiresAt)
	return a, nil
}

// ApprovalGone reports whether an approval is past its retention.
func ApprovalGone(a store.Approval, now time.Time) bool {
	return !now.Before(ApprovalTTL(a))
}

// ApprovalTTL is when an approval stops existing.
func ApprovalTTL(a store.Approval) time.Time { return a.ExpiresAt.Add(store.ApprovalRetention) }

// ApprovalView is the approval as readers see it: pending past its deadline
// reads as expired.
func ApprovalView(a store.Approval, now time.Time) store.Approval {
	if a.Status == store.ApprovalPending && !now.Before(a.ExpiresAt) {
		a.Status = store.ApprovalExpired
		a.DecidedAt = a.ExpiresAt
	}
	return a
}

// CloneApproval deep-copies an approval.
func CloneApproval(a store.Approval) store.Approval {
	a.Options = slices.Clone(a.Options)
	a.Approvers = slices.Clone(a.Approvers)
	return a
}

// Vote applies a vote to the stored approval; write is false when nothing
// changes.
func Vote(cur store.Approval, v store.Vote, now time.Time) (store.Approval, store.VoteResult, bool, error) {
	if v.User == "" {
		return cur, store.VoteResult{}, false, fmt.Errorf("%w: vote on approval %s: user is required", store.ErrInvalid, cur.ID)
	}
	view := ApprovalView(cur, now)
	if slices.Contains(view.Approvers, v.User) || (view.DecidedBy == v.User && view.Status != store.ApprovalPending) {
		return view, store.VoteResult{Approval: view}, false, nil
	}
	if view.Status != store.ApprovalPending {
		return view, store.VoteResult{Approval: view}, false, &store.NotPendingError{ID: view.ID, Status: view.Status}
	}
	next := CloneApproval(cur)
	decide := func(s store.ApprovalStatus) {
		next.Status, next.DecidedBy, next.Note, next.DecidedAt = s, v.User, v.Note, UTC(now)
	}
	switch next.Kind {
	case store.KindDecision:
		if v.Answer == "" {
			return view, store.VoteResult{Approval: view}, false, fmt.Errorf("%w: decision %s: answer is required", store.ErrInvalid, cur.ID)
		}
		if len(next.Options) > 0 && !slices.Contains(next.Options, v.Answer) {
			return view, store.VoteResult{Approval: view}, false, fmt.Errorf("%w: decision %s: answer %q is not one of %s",
				store.ErrInvalid, cur.ID, v.Answer, strings.Join(next.Options, ", "))
		}
		next.Answer = v.Answer
		decide(store.ApprovalAnswered)
	default:
		if !v.Approve {
			decide(store.ApprovalRejected)
			break
		}
		next.Approvers = append(next.Approvers, v.User)
		if len(next.Approvers) >= next.Quorum {
			decide(store.ApprovalApproved)
		}
	}
	return next, store.VoteResult{Approval: next, Counted: true, Completed: next.Status != store.ApprovalPending}, true, nil
}

// Expire closes a pending approval; changed is false if it was no longer
// pending (or already past its deadline).
func Expire(cur store.Approval, now time.Time) (store.Approval, bool) {
	view := ApprovalView(cur, now)
	if view.Status != store.ApprovalPending {
		return view, false
	}
	next := CloneApproval(cur)
	next.Status, next.DecidedAt = store.ApprovalExpired, UTC(now)
	return next, true
}

// SortApprovals orders oldest first.
func SortApprovals(as []store.Approval) {
	slices.SortFunc(as, func(a, b store.Approval) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// Locks

// Acquire applies an acquisition to the stored lock (nil: never locked).
func Acquire(cur *store.Lock, plan, holder string, ttl time.Duration, now time.Time) (store.Lock, bool, error) {
	if err := lockArgs(plan, holder, ttl); err != nil {
		return store.Lock{}, false, err
	}
	if cur != nil && cur.Holder != "" && now.Before(cur.ExpiresAt) {
		if cur.Holder != holder {
			return *cur, false, &store.LockHeldError{Plan: plan, Holder: cur.Holder, Epoch: cur.Epoch, ExpiresAt: cur.ExpiresAt}
		}
		next := *cur
		if exp := UTC(now.Add(ttl)); exp.After(next.ExpiresAt) {
			next.ExpiresAt = exp
			return next, true, nil
		}
		return next, false, nil
	}
	var epoch int64 = 1
	if cur != nil {
		epoch = cur.Epoch + 1
	}
	return store.Lock{Plan: plan, Holder: holder, Epoch: epoch, AcquiredAt: UTC(now), ExpiresAt: UTC(now.Add(ttl))}, true, nil
}

func lockArgs(plan, holder string, ttl time.Duration) error {
	if err := Key("plan", plan); err != nil {
		return err
	}
	if err := Key("lock holder", holder); err != nil {
		return err
	}
	if ttl <= 0 {
		return fmt.Errorf("%w: lock on plan %q: lease duration must be positive, got %s", store.ErrInvalid, plan, ttl)
	}
	return nil
}

// Renew extends the holder's lease.
func Renew(cur *store.Lock, plan, holder string, epoch int64, ttl time.Duration, now time.Time) (store.Lock, error) {
	if err := lockArgs(plan, holder, ttl); err != nil {
		return store.Lock{}, err
	}
	if cur == nil || cur.Holder != holder || cur.Epoch != epoch || !now.Before(cur.ExpiresAt) {
		return store.Lock{}, fmt.Errorf("renewing the lock on plan %q for %s at epoch %d: %w", plan, holder, epoch, store.ErrLockLost)
	}
	next := *cur
	next.ExpiresAt = UTC(now.Add(ttl))
	return next, nil
}

// Release frees the lock if (holder, epoch) holds it.
func Release(cur *store.Lock, plan, holder string, epoch int64, now time.Time) (store.Lock, bool, error) {
	if err := lockArgs(plan, holder, time.Second); err != nil {
		return store.Lock{}, false, err
	}
	switch {
	case cur == nil || cur.Holder == "":
		return store.Lock{}, false, nil
	case cur.Holder == holder && cur.Epoch == epoch:
		return store.Lock{Plan: plan, Epoch: cur.Epoch}, true, nil
	case !now.Before(cur.ExpiresAt):
		return *cur, false, nil
	}
	return *cur, false, fmt.Errorf("releasing the lock on plan %q for %s at epoch %d (now held by %s at epoch %d): %w",
		plan, holder, epoch, cur.Holder, cur.Epoch, store.ErrLockLost)
}

// LockView is the lease readers see: ErrNotFound when free or expired.
func LockView(cur *store.Lock, plan string, now time.Time) (store.Lock, error) {
	if cur == nil || cur.Holder == "" || !now.Before(cur.ExpiresAt) {
		return store.Lock{}, fmt.Errorf("lock on plan %q: %w", plan, store.ErrNotFound)
	}
	return *cur, nil
}

// Readiness

// PutReadiness applies a new report over the stored one (nil: none).
func PutReadiness(cur *store.ReadinessReport, next store.ReadinessReport, now time.Time) (store.ReadinessReport, error) {
	if err := Key("plan", next.Plan); err != nil {
		return next, err
	}
	if err := Key("Region", next.Region); err != nil {
		return next, err
	}
	if err := optionalJSON("readiness checks", next.Checks); err != nil {
		return next, err
	}
	next.EvaluatedAt = orNow(next.EvaluatedAt, now)
	next.Checks = cloneJSON(next.Checks)
	if cur != nil && next.EvaluatedAt.Before(cur.EvaluatedAt) {
		return *cur, fmt.Errorf("%w: readiness of plan %q in %s evaluated at %s is older than the stored report (%s)",
			store.ErrStale, next.Plan, next.Region, next.EvaluatedAt.Format(time.RFC3339Nano), cur.EvaluatedAt.Format(time.RFC3339Nano))
	}
	next.Changed = cur == nil || cur.Ready != next.Ready || cur.Digest != next.Digest || cur.PlanVersion != next.PlanVersion
	if next.Changed {
		next.ChangedAt = next.EvaluatedAt
	} else {
		next.ChangedAt = cur.ChangedAt
	}
	return next, nil
}

// CloneReadiness deep-copies a report.
func CloneReadiness(r store.ReadinessReport) store.ReadinessReport {
	r.Checks = cloneJSON(r.Checks)
	return r
}

// Triggers

// PutTrigger applies a compare-and-set of the trigger's conditions.
func PutTrigger(cur *store.TriggerState, next store.TriggerState, now time.Time) (store.TriggerState, error) {
	if err := triggerArgs(next.Plan, next.Trigger); err != nil {
		return next, err
	}
	var stored int64
	if cur != nil {
		stored = cur.Version
	}
	if next.Version != stored {
		return next, fmt.Errorf("%w: trigger %q of plan %q is at version %d, write was for version %d",
			store.ErrStale, next.Trigger, next.Plan, stored, next.Version)
	}
	out := store.TriggerState{Plan: next.Plan, Trigger: next.Trigger, Since: cloneSince(next.Since), Version: stored + 1, UpdatedAt: UTC(now)}
	if cur != nil {
		out.LastFiredAt, out.CooldownUntil, out.Fires = cur.LastFiredAt, cur.CooldownUntil, cur.Fires
	}
	return out, nil
}

// Fire applies a fire to the stored trigger state (nil: none).
func Fire(cur *store.TriggerState, plan, trigger string, ver int64, cooldown time.Duration, now time.Time) (store.TriggerState, error) {
	if err := triggerArgs(plan, trigger); err != nil {
		return store.TriggerState{}, err
	}
	if cooldown < 0 {
		return store.TriggerState{}, fmt.Errorf("%w: trigger %q of plan %q: cooldown must not be negative, got %s", store.ErrInvalid, trigger, plan, cooldown)
	}
	out := store.TriggerState{Plan: plan, Trigger: trigger}
	if cur != nil {
		out = CloneTrigger(*cur)
	}
	if ver != out.Version {
		return store.TriggerState{}, fmt.Errorf("%w: trigger %q of plan %q is at version %d, fire was for version %d",
			store.ErrStale, trigger, plan, out.Version, ver)
	}
	if now.Before(out.CooldownUntil) {
		return store.TriggerState{}, &store.CoolingDownError{Plan: plan, Trigger: trigger, Until: out.CooldownUntil}
	}
	out.LastFiredAt, out.CooldownUntil = UTC(now), UTC(now.Add(cooldown))
	out.Fires++
	out.Version++
	out.UpdatedAt = UTC(now)
	return out, nil
}

func triggerArgs(plan, trigger string) error {
	if err := Key("plan", plan); err != nil {
		return err
	}
	return Key("trigger", trigger)
}

func cloneSince(m map[string]time.Time) map[string]time.Time {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]time.Time, len(m))
	for k, v := range m {
		out[k] = UTC(v)
	}
	return out
}

// CloneTrigger deep-copies trigger state.
func CloneTrigger(s store.TriggerState) store.TriggerState {
	s.Since = cloneSince(s.Since)
	return s
}

// Routing

// PutRouting applies a compare-and-set of routing state.
func PutRouting(cur *store.RoutingState, next store.RoutingState, now time.Time) (store.RoutingState, error) {
	if err := Key("plan", next.Plan); err != nil {
		return next, err
	}
	if err := optionalKey("active Region", next.Active); err != nil {
		return next, err
	}
	var stored int64
	if cur != nil {
		stored = cur.Version
	}
	if next.Version != stored {
		return next, fmt.Errorf("%w: routing state of plan %q is at version %d, write was for version %d",
			store.ErrStale, next.Plan, stored, next.Version)
	}
	next = CloneRouting(next)
	next.Version = stored + 1
	next.UpdatedAt = UTC(now)
	return next, nil
}

// CloneRouting deep-copies routing state.
func CloneRouting(r store.RoutingState) store.RoutingState {
	if len(r.Controls) == 0 {
		r.Controls = nil
	} else {
		r.Controls = maps.Clone(r.Controls)
	}
	return r
}
