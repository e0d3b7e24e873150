package drill

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// StepChange is one step state change as the drill sees it: the audit
// record the executor appends for every step transition.
type StepChange struct {
	// At is the AWS (clock) time of the change.
	At time.Time
	// Execution, Stage and Step locate the step; Block is its block.
	Execution string
	Stage     string
	Step      string
	Block     string
	// Status is the new status in lower case (running, succeeded, waiting, …).
	Status  string
	Attempt int
	// Message is the block's one-line account, Error the failure if any.
	Message string
	Error   string
	// Outputs are the block's measured figures at this change.
	Outputs map[string]any
}

// observedStore wraps the store the runtime uses so the drill sees every
// step transition and approval request the moment it happens (in the
// handler's goroutine, at the clock's current instant) without polling.
type observedStore struct {
	store.Store
	clk clock.Clock

	mu     sync.Mutex
	onStep func(StepChange)
	onAsk  func(store.Approval)
	// written are the step records the store accepted, for the audit check.
	written []store.Step
	// keys are the audit keys already reported.
	keys map[string]bool
}

func newObservedStore(s store.Store, clk clock.Clock) *observedStore {
	return &observedStore{Store: s, clk: clk}
}

// PutStep records the accepted write for CheckAudit.
func (o *observedStore) PutStep(ctx context.Context, s store.Step) (store.Step, error) {
	got, err := o.Store.PutStep(ctx, s)
	if err == nil && got.Attempt == s.Attempt && got.Seq == s.Seq {
		o.mu.Lock()
		o.written = append(o.written, got)
		o.mu.Unlock()
	}
	return got, err
}

// AppendAudit reports step transitions to the progress view.
func (o *observedStore) AppendAudit(ctx context.Context, r store.AuditRecord) (store.AuditRecord, error) {
	got, err := o.Store.AppendAudit(ctx, r)
	if err != nil || got.Seq == 0 || !strings.HasPrefix(r.Action, "step.") || !strings.HasPrefix(r.Actor, "step:") {
		return got, err
	}
	// A repeated append with the same Key (a duplicate delivery) returns the
	// first record: report only the first.
	if r.Key != "" {
		o.mu.Lock()
		dup := o.keys[r.Execution+"\x00"+r.Key]
		if o.keys == nil {
			o.keys = map[string]bool{}
		}
		o.keys[r.Execution+"\x00"+r.Key] = true
		o.mu.Unlock()
		if dup {
			return got, err
		}
	}
	var d struct {
		Stage   string         `json:"stage"`
		Block   string         `json:"block"`
		Attempt int            `json:"attempt"`
		Message string         `json:"message"`
		Outputs map[string]any `json:"outputs"`
		Error   *struct {
			Error string `json:"Error"`
			Cause string `json:"Cause"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Detail, &d) // a detail the drill cannot read still gets its line
	c := StepChange{At: o.clk.Now(), Execution: r.Execution, Stage: d.Stage, Step: strings.TrimPrefix(r.Actor, "step:"),
		Block: d.Block, Status: strings.TrimPrefix(r.Action, "step."), Attempt: d.Attempt, Message: d.Message, Outputs: d.Outputs}
	if d.Error != nil {
		c.Error = strings.TrimSpace(d.Error.Error + ": " + d.Error.Cause)
	}
	o.mu.Lock()
	f := o.onStep
	o.mu.Unlock()
	if f != nil {
		f(c)
	}
	return got, err
}

// CreateApproval reports a new approval or decision request so the drill
// can answer it.
func (o *observedStore) CreateApproval(ctx context.Context, a store.Approval) (store.Approval, bool, error) {
	got, created, err := o.Store.CreateApproval(ctx, a)
	if err == nil && created {
		o.mu.Lock()
		f := o.onAsk
		o.mu.Unlock()
		if f != nil {
			f(got)
		}
	}
	return got, created, err
}

// stepWrites returns the step records the store accepted.
func (o *observedStore) stepWrites() []store.Step {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]store.Step(nil), o.written...)
}

// CheckAudit reports the step transitions (accepted step records) that have
// no audit record: an audit record of the same execution with actor
// "step:NAME", action "step.STATUS" (lower case) and the same attempt.
func CheckAudit(ctx context.Context, s store.Audit, writes []store.Step) ([]string, error) {
	type key struct {
		exec, step, action string
		attempt            int
	}
	have := map[key]bool{}
	seen := map[string]bool{}
	for _, w := range writes {
		if seen[w.Execution] {
			continue
		}
		seen[w.Execution] = true
		recs, err := s.ListAudit(ctx, w.Execution, 0, 0)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			var d struct {
				Attempt int `json:"attempt"`
			}
			_ = json.Unmarshal(r.Detail, &d)
			have[key{r.Execution, strings.TrimPrefix(r.Actor, "step:"), r.Action, d.Attempt}] = true
		}
	}
	var missing []string
	for _, w := range writes {
		k := key{w.Execution, w.Name, "step." + strings.ToLower(string(w.Status)), w.Attempt}
		if !have[k] {
			missing = append(missing, w.Name+" "+strings.ToLower(string(w.Status))+" (attempt "+strconv.Itoa(w.Attempt)+")")
		}
	}
	return missing, nil
}
