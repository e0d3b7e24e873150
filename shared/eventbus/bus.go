package eventbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/clock"
)

// Target receives a matched event. It must be idempotent: the bus delivers
// at least once, and in DeliverTwice mode exactly twice. A returned error
// makes the bus retry the delivery.
type Target func(ctx context.Context, event []byte) error

// Delivery selects how many times each matched target receives an event.
type Delivery int

const (
	// AtLeastOnce delivers once and retries on error, as EventBridge does.
	AtLeastOnce Delivery = iota
	// DeliverTwice delivers every event twice (each copy retried on error),
	// to prove that targets tolerate duplicate deliveries.
	DeliverTwice
)

// Options configure a Bus. The zero value is usable.
type Options struct {
	// Delivery is AtLeastOnce (default) or DeliverTwice.
	Delivery Delivery
	// MaxAttempts bounds the attempts per delivery (default 5; EventBridge
	// itself retries for up to 24 hours and 185 attempts).
	MaxAttempts int
	// Backoff is the wait before the first retry, doubled after each failed
	// attempt (default 1 s of clock time).
	Backoff time.Duration
	// Logger receives one line per delivery that exhausts its attempts
	// (default slog.Default()).
	Logger *slog.Logger
}

// Bus matches published events against rules and delivers them to the
// targets registered for the matching rules.
type Bus struct {
	matcher *Matcher
	clk     clock.Clock
	opts    Options

	mu      sync.Mutex
	targets map[string][]namedTarget
}

type namedTarget struct {
	id string
	fn Target
}

// New returns a bus over m whose deliveries run on clk (each delivery in a
// goroutine started with clk.Go, retries waiting with clk.Sleep).
func New(m *Matcher, clk clock.Clock, opts Options) *Bus {
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Bus{matcher: m, clk: clk, opts: opts, targets: map[string][]namedTarget{}}
}

// Register adds a target, identified by id in results, to rule. It refuses a
// rule the bus does not know and an id already registered on that rule.
func (b *Bus) Register(rule, id string, t Target) error {
	if t == nil {
		return fmt.Errorf("registering target %q on rule %q: nil target", id, rule)
	}
	known := b.matcher.Rules()
	i := sort.SearchStrings(known, rule)
	if i == len(known) || known[i] != rule {
		return fmt.Errorf("registering target %q: no rule named %q (rules: %s)", id, rule, strings.Join(known, ", "))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, nt := range b.targets[rule] {
		if nt.id == id {
			return fmt.Errorf("registering target %q on rule %q: already registered", id, rule)
		}
	}
	b.targets[rule] = append(b.targets[rule], namedTarget{id: id, fn: t})
	return nil
}

// Result is the outcome of one delivery.
type Result struct {
	Rule     string
	Target   string
	Copy     int // 1, or 2 for the duplicate in DeliverTwice mode
	Attempts int
	Err      error // nil if delivered; the last error otherwise
}

// Receipt tracks the deliveries of one published event.
type Receipt struct {
	// Rules are the rules the event matched, sorted.
	Rules []string

	mu      sync.Mutex
	results []*Result
	done    []clock.Event
}

// Wait blocks until every delivery has finished (delivered or out of
// attempts) or ctx ends, and returns ctx's error in that case. On a
// clock.Virtual, a caller outside the clock's tracked goroutines holds the
// clock (Hold) around Publish and Wait.
func (r *Receipt) Wait(ctx context.Context) error {
	for _, ev := range r.done {
		if err := ev.Wait(ctx, 0); err != nil {
			return err
		}
	}
	return nil
}

// Results returns the outcome of every delivery, sorted by rule, target and
// copy. Deliveries still running have Attempts so far and a nil Err.
func (r *Receipt) Results() []Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Result, len(r.results))
	for i, res := range r.results {
		out[i] = *res
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Rule != out[j].Rule {
			return out[i].Rule < out[j].Rule
		}
		if out[i].Target != out[j].Target {
			return out[i].Target < out[j].Target
		}
		return out[i].Copy < out[j].Copy
	})
	return out
}

// Publish checks that event is an EventBridge event, matches it, and starts
// one delivery per matched target (two in DeliverTwice mode). It returns at
// once; use the receipt to wait. Deliveries run under ctx.
func (b *Bus) Publish(ctx context.Context, event []byte) (*Receipt, error) {
	if _, err := awsevent.DecodeEnvelope(event); err != nil {
		return nil, fmt.Errorf("publishing: %w", err)
	}
	rules, err := b.matcher.Match(event)
	if err != nil {
		return nil, fmt.Errorf("publishing: %w", err)
	}
	rc := &Receipt{Rules: rules}
	copies := 1
	if b.opts.Delivery == DeliverTwice {
		copies = 2
	}
	b.mu.Lock()
	var jobs []job
	for _, rule := range rules {
		for _, nt := range b.targets[rule] {
			for c := 1; c <= copies; c++ {
				jobs = append(jobs, job{rule: rule, target: nt, copy: c})
			}
		}
	}
	b.mu.Unlock()
	for _, j := range jobs {
		res := &Result{Rule: j.rule, Target: j.target.id, Copy: j.copy}
		done := b.clk.NewEvent()
		rc.results = append(rc.results, res)
		rc.done = append(rc.done, done)
		payload := append([]byte(nil), event...)
		b.clk.Go(func() {
			defer done.Fire()
			b.deliver(ctx, rc, res, j.target.fn, payload)
		})
	}
	return rc, nil
}

type job struct {
	rule   string
	target namedTarget
	copy   int
}

// deliver calls t until it succeeds, attempts run out, or ctx ends.
func (b *Bus) deliver(ctx context.Context, rc *Receipt, res *Result, t Target, payload []byte) {
	wait := b.opts.Backoff
	for attempt := 1; ; attempt++ {
		err := callTarget(ctx, t, payload)
		rc.mu.Lock()
		res.Attempts, res.Err = attempt, err
		rc.mu.Unlock()
		if err == nil {
			return
		}
		if attempt >= b.opts.MaxAttempts {
			b.opts.Logger.Warn("event delivery failed", "rule", res.Rule, "target", res.Target,
				"copy", res.Copy, "attempts", attempt, "error", err.Error())
			return
		}
		if serr := b.clk.Sleep(ctx, wait); serr != nil {
			rc.mu.Lock()
			res.Err = errors.Join(err, serr)
			rc.mu.Unlock()
			return
		}
		wait *= 2
	}
}

// callTarget turns a target panic into an error so one bad target cannot
// take the bus down.
func callTarget(ctx context.Context, t Target, payload []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("target panicked: %v", p)
		}
	}()
	return t(ctx, payload)
}
