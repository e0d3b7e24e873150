package clock

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// Virtual is a deterministic clock for drills and tests. Its time stands still
// while any tracked goroutine (one started with Go or AfterFunc) or holder (see
// Hold) is active, and jumps straight to the earliest pending timer the moment
// every one of them is blocked in Sleep or Event.Wait.
//
// Rules for callers:
//   - Every goroutine that takes part in a run is started with Go.
//   - Every wait that another participant ends goes through an Event.
//   - Code outside the clock (a test, an HTTP handler, the CLI's main
//     goroutine) that wants to act "at the current instant" — e.g. start an
//     execution and then send SendTaskSuccess before a timeout fires — calls
//     Hold first and the returned release function afterwards. While held, the
//     clock never advances. An untracked goroutine may call Sleep or
//     Event.Wait only while it holds the clock.
//   - Event.Fire is safe from anywhere, held or not: the waiter is counted as
//     active again before Fire returns.
//   - Cancelling a context that a tracked goroutine sleeps on is asynchronous:
//     until that goroutine notices, the clock may advance. Participants should
//     end each other's waits with Events, and keep contexts for shutdown.
//
// Deadlock (everybody waiting on Events nobody can fire and no timer pending)
// simply leaves time where it is: nothing advances until someone outside fires
// an Event.
type Virtual struct {
	mu     sync.Mutex
	now    time.Time
	active int // tracked goroutines and holders not blocked on the clock
	seq    uint64
	timers timerHeap
}

var (
	_ Clock  = (*Virtual)(nil)
	_ Holder = (*Virtual)(nil)
)

// NewVirtual returns a Virtual clock whose time starts at start.
func NewVirtual(start time.Time) *Virtual {
	return &Virtual{now: start}
}

// Now returns the clock's current virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// Hold keeps the clock from advancing until the returned function is called
// (calling it more than once is harmless). Use it around any action taken from
// outside the clock's tracked goroutines.
func (v *Virtual) Hold() (release func()) {
	v.mu.Lock()
	v.active++
	v.mu.Unlock()
	var once sync.Once
	return func() { once.Do(v.done) }
}

// Advance moves time forward by d at once, firing due timers in order, as if
// d passed. It is meant for tests driving time by hand; callers should hold
// the clock (see Hold) so it does not also jump on its own.
func (v *Virtual) Advance(d time.Duration) {
	v.mu.Lock()
	target := v.now.Add(d)
	for len(v.timers) > 0 && !v.timers[0].when.After(target) {
		t := heap.Pop(&v.timers).(*vtimer)
		if t.when.After(v.now) {
			v.now = t.when
		}
		v.fireLocked(t)
	}
	if target.After(v.now) {
		v.now = target
	}
	v.mu.Unlock()
}

// Pending reports how many timers are scheduled (for tests).
func (v *Virtual) Pending() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.timers)
}

// Go runs f in a tracked goroutine.
func (v *Virtual) Go(f func()) {
	v.mu.Lock()
	v.active++
	v.mu.Unlock()
	go func() {
		defer v.done()
		f()
	}()
}

// done marks one active participant finished or blocked, advancing time if it
// was the last.
func (v *Virtual) done() {
	v.mu.Lock()
	v.active--
	v.advanceLocked()
	v.mu.Unlock()
}

// advanceLocked jumps to the earliest timer if nobody is active.
func (v *Virtual) advanceLocked() {
	for v.active <= 0 && len(v.timers) > 0 {
		t := heap.Pop(&v.timers).(*vtimer)
		if t.when.After(v.now) {
			v.now = t.when
		}
		v.fireLocked(t)
	}
}

// fireLocked runs a due timer: it wakes a waiter (counting it active again)
// or starts an AfterFunc in a tracked goroutine.
func (v *Virtual) fireLocked(t *vtimer) {
	t.index = -1
	if t.w != nil {
		v.wakeLocked(t.w, ErrTimeout)
		return
	}
	t.started = true
	v.active++
	f := t.f
	go func() {
		defer v.done()
		f()
	}()
}

// wakeLocked ends w's wait with result, once.
func (v *Virtual) wakeLocked(w *waiter, result error) {
	if w.woken {
		return
	}
	w.woken = true
	w.result = result
	v.active++
	if w.timer != nil && w.timer.index >= 0 {
		heap.Remove(&v.timers, w.timer.index)
	}
	if w.ev != nil {
		w.ev.removeLocked(w)
	}
	close(w.ch)
}

func (v *Virtual) addTimerLocked(d time.Duration) *vtimer {
	v.seq++
	t := &vtimer{when: v.now.Add(d), seq: v.seq}
	heap.Push(&v.timers, t)
	return t
}

// block waits for w from the caller's goroutine, which stops counting as
// active meanwhile. mu must be held on entry; it is released.
func (v *Virtual) block(ctx context.Context, w *waiter) error {
	v.active--
	v.advanceLocked()
	v.mu.Unlock()
	select {
	case <-w.ch:
		return w.result
	case <-ctx.Done():
		v.mu.Lock()
		defer v.mu.Unlock()
		if w.woken {
			return w.result
		}
		w.woken = true
		v.active++
		if w.timer != nil && w.timer.index >= 0 {
			heap.Remove(&v.timers, w.timer.index)
		}
		if w.ev != nil {
			w.ev.removeLocked(w)
		}
		return ctx.Err()
	}
}

// Sleep blocks for d of virtual time.
func (v *Virtual) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil || d <= 0 {
		return err
	}
	v.mu.Lock()
	w := &waiter{ch: make(chan struct{})}
	w.timer = v.addTimerLocked(d)
	w.timer.w = w
	if err := v.block(ctx, w); err != nil && err != ErrTimeout {
		return err
	}
	return nil
}

// AfterFunc runs f in a tracked goroutine after d of virtual time.
func (v *Virtual) AfterFunc(d time.Duration, f func()) Timer {
	v.mu.Lock()
	defer v.mu.Unlock()
	if d < 0 {
		d = 0
	}
	t := v.addTimerLocked(d)
	t.f = f
	t.v = v
	// A zero-delay timer still waits for the next quiet moment, like time.AfterFunc
	// waits for the scheduler.
	v.advanceLocked()
	return t
}

// NewEvent returns an unfired Event bound to v.
func (v *Virtual) NewEvent() Event { return &vevent{v: v} }

type vevent struct {
	v       *Virtual
	fired   bool
	waiters []*waiter
}

func (e *vevent) Fire() {
	e.v.mu.Lock()
	defer e.v.mu.Unlock()
	if e.fired {
		return
	}
	e.fired = true
	ws := e.waiters
	e.waiters = nil
	for _, w := range ws {
		w.ev = nil
		e.v.wakeLocked(w, nil)
	}
}

func (e *vevent) Fired() bool {
	e.v.mu.Lock()
	defer e.v.mu.Unlock()
	return e.fired
}

func (e *vevent) Wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v := e.v
	v.mu.Lock()
	if e.fired {
		v.mu.Unlock()
		return nil
	}
	w := &waiter{ch: make(chan struct{}), ev: e}
	e.waiters = append(e.waiters, w)
	if d > 0 {
		w.timer = v.addTimerLocked(d)
		w.timer.w = w
	}
	return v.block(ctx, w)
}

func (e *vevent) removeLocked(w *waiter) {
	for i, x := range e.waiters {
		if x == w {
			e.waiters = append(e.waiters[:i], e.waiters[i+1:]...)
			return
		}
	}
}

type waiter struct {
	ch     chan struct{}
	woken  bool
	result error
	timer  *vtimer
	ev     *vevent
}

type vtimer struct {
	when    time.Time
	seq     uint64
	index   int
	w       *waiter
	f       func()
	v       *Virtual
	started bool
}

func (t *vtimer) Stop() bool {
	t.v.mu.Lock()
	defer t.v.mu.Unlock()
	if t.started || t.index < 0 {
		return false
	}
	heap.Remove(&t.v.timers, t.index)
	t.index = -1
	return true
}

type timerHeap []*vtimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*vtimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	t.index = -1
	*h = old[:n-1]
	return t
}
