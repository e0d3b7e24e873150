package trigger

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
)

// ClockWaker is the local Waker: a timer on the shared clock calls the
// handler's Recheck at the deadline (once per plan, trigger and instant).
// Decisions made by those re-checks go to OnDecision.
type ClockWaker struct {
	ctx        context.Context
	clk        clock.Clock
	h          *Handler
	onDecision func(Decision, error)
	mu         sync.Mutex
	pending    map[string]bool
}

// NewClockWaker returns a Waker on clk; Bind it to its handler before use.
// Re-checks run with ctx.
func NewClockWaker(ctx context.Context, clk clock.Clock, onDecision func(Decision, error)) *ClockWaker {
	return &ClockWaker{ctx: ctx, clk: clk, onDecision: onDecision, pending: map[string]bool{}}
}

// Bind sets the handler whose Recheck the waker calls.
func (w *ClockWaker) Bind(h *Handler) { w.h = h }

// WakeAt implements Waker.
func (w *ClockWaker) WakeAt(at time.Time, planName, trigger string) {
	key := fmt.Sprintf("%s/%s@%d", planName, trigger, at.UnixNano())
	w.mu.Lock()
	if w.pending[key] || w.h == nil {
		w.mu.Unlock()
		return
	}
	w.pending[key] = true
	w.mu.Unlock()
	w.clk.AfterFunc(max(at.Sub(w.clk.Now()), 0), func() {
		w.mu.Lock()
		delete(w.pending, key)
		w.mu.Unlock()
		d, err := w.h.Recheck(w.ctx, planName, trigger)
		if w.onDecision != nil {
			w.onDecision(d, err)
		}
	})
}

// MemoryStarter is a Starter for the simulator until the local runtime's
// Start is wired: it records each request and returns one execution ID per
// client token, as Step Functions does for an execution name.
type MemoryStarter struct {
	mu       sync.Mutex
	byToken  map[string]string
	requests []StartRequest
}

var _ Starter = (*MemoryStarter)(nil)

// Start implements Starter.
func (s *MemoryStarter) Start(_ context.Context, req StartRequest) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byToken == nil {
		s.byToken = map[string]string{}
	}
	if id, ok := s.byToken[req.ClientToken]; ok {
		return id, nil
	}
	id := fmt.Sprintf("arn:aws:states:%s:123456789012:execution:switchyard-execute-plan:%s", req.Target, req.ClientToken)
	s.byToken[req.ClientToken] = id
	s.requests = append(s.requests, req)
	return id, nil
}

// Started returns the distinct executions started, in order.
func (s *MemoryStarter) Started() []StartRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]StartRequest(nil), s.requests...)
}

// RecordingNotifier keeps every notice (tests and the CLI print them).
type RecordingNotifier struct {
	mu      sync.Mutex
	notices []Notice
}

var _ Notifier = (*RecordingNotifier)(nil)

// Notify implements Notifier.
func (n *RecordingNotifier) Notify(_ context.Context, x Notice) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.notices = append(n.notices, x)
	return nil
}

// Notices returns the notices so far.
func (n *RecordingNotifier) Notices() []Notice {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Notice(nil), n.notices...)
}

// StarterFunc adapts a function to Starter, e.g. the local runtime:
//
//	trigger.StarterFunc(func(ctx context.Context, r trigger.StartRequest) (string, error) {
//		return rt.Start(ctx, r.ClientToken, executor.Input{Plan: r.Plan, Target: r.Target,
//			Mode: "graceful", Reason: r.Reason, StartedBy: r.StartedBy, ClientToken: r.ClientToken})
//	})
type StarterFunc func(ctx context.Context, req StartRequest) (string, error)

// Start implements Starter.
func (f StarterFunc) Start(ctx context.Context, req StartRequest) (string, error) { return f(ctx, req) }
