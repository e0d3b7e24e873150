package asl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/clock"
)

// MaxPayloadBytes is the Step Functions payload quota (256 KiB) applied to
// execution input, state input/output and task results.
const MaxPayloadBytes = 256 * 1024

// MaxHistoryEvents is the history quota of a Standard workflow execution.
const MaxHistoryEvents = 25000

// Observer receives every history event as it is recorded, in order per
// execution. It runs synchronously on the engine's (clock-tracked) goroutine,
// so on a Virtual clock no time passes while it runs: keep it quick. It may
// call the engine's methods, including SendTaskSuccess (a drill can answer a
// TaskSubmitted event at once) and StopExecution.
type Observer func(executionArn string, ev types.HistoryEvent)

// Engine runs state machines. Create it with New; it is safe for concurrent
// use.
type Engine struct {
	clk         clock.Clock
	region      string
	account     string
	lambdas     Resolver
	mocks       *MockConfig
	testCase    string
	noCallbacks bool
	observer    Observer
	log         *slog.Logger
	tokenWatch  chan<- IssuedToken
	latency     Latency

	mu       sync.Mutex
	machines map[string]*machine // by ARN
	execs    map[string]*execution
	order    []*execution
	tokens   map[string]*callback
	seq      uint64
}

// Option configures an Engine.
type Option func(*Engine)

// WithClock sets the clock (default clock.Real{}).
func WithClock(c clock.Clock) Option { return func(e *Engine) { e.clk = c } }

// WithLambda sets the resolver for Lambda tasks.
func WithLambda(r Resolver) Option { return func(e *Engine) { e.lambdas = r } }

// WithMocks consults cfg's test case testCase before dispatching any Task
// state (Step Functions Local mocking).
func WithMocks(cfg *MockConfig, testCase string) Option {
	return func(e *Engine) { e.mocks, e.testCase = cfg, testCase }
}

// WithObserver registers a callback for every history event.
func WithObserver(o Observer) Option { return func(e *Engine) { e.observer = o } }

// WithAccount sets the Region and account used in ARNs (default us-east-1,
// 123456789012).
func WithAccount(region, account string) Option {
	return func(e *Engine) { e.region, e.account = region, account }
}

// WithoutCallbacks makes .waitForTaskToken tasks that are not mocked fail at
// once (States.Runtime) instead of waiting: for runs where nobody can call
// SendTaskSuccess, such as `switchyard asl run`.
func WithoutCallbacks() Option { return func(e *Engine) { e.noCallbacks = true } }

// IssuedToken announces a task token that a .waitForTaskToken task is
// about to wait on.
type IssuedToken struct {
	ExecutionArn string
	State        string
	Token        string
	// Release lets the clock advance again. On a clock that can be held
	// (clock.Virtual) the engine holds it from the moment the token is issued
	// until Release is called, so a receiver outside the clock can answer
	// before any timeout or heartbeat fires. Always call it, exactly once.
	Release func()
}

// WithTokenWatch sends every issued task token to ch (the engine blocks
// until it is received). This is how a test or a local server outside the
// clock learns tokens and answers them deterministically.
func WithTokenWatch(ch chan<- IssuedToken) Option { return func(e *Engine) { e.tokenWatch = ch } }

// Latency is the time the modelled AWS service itself takes, spent on the
// engine's clock: a drill on a Virtual clock would otherwise count state
// transitions and Lambda invocations as free, and overstate how close the
// orchestration comes to the critical path.
type Latency struct {
	// Transition passes before every state is entered.
	Transition time.Duration
	// Invoke passes before every Lambda invocation (network, a warm
	// execution environment's overhead), on top of the handler's own time.
	Invoke time.Duration
}

// WithLatency makes every state transition and Lambda invocation take the
// given time on the engine's clock. The default is none.
func WithLatency(l Latency) Option { return func(e *Engine) { e.latency = l } }

// WithLogger sets the logger for engine diagnostics (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.log = l } }

// New returns an engine.
func New(opts ...Option) *Engine {
	e := &Engine{
		clk:      clock.Real{},
		region:   "us-east-1",
		account:  "123456789012",
		machines: map[string]*machine{},
		execs:    map[string]*execution{},
		tokens:   map[string]*callback{},
	}
	for _, o := range opts {
		o(e)
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	return e
}

// Clock returns the engine's clock.
func (e *Engine) Clock() clock.Clock { return e.clk }

type machine struct {
	arn     string
	name    string
	def     *Definition
	roleArn string
	created time.Time
	typ     types.StateMachineType
}

// machineArn returns the ARN a state machine called name gets.
func (e *Engine) machineArn(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", e.region, e.account, name)
}

// Register adds a parsed definition under name and returns its ARN; it is
// the Go-native form of CreateStateMachine.
func (e *Engine) Register(name string, def *Definition) (string, error) {
	if !validName(name) {
		return "", &types.InvalidName{Message: ptr(fmt.Sprintf("invalid state machine name %q: 1-80 characters, letters, digits, '-' and '_'", name))}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	arn := e.machineArn(name)
	if old, ok := e.machines[arn]; ok {
		if old.def.raw == def.raw {
			return arn, nil
		}
		return "", &types.StateMachineAlreadyExists{Message: ptr(fmt.Sprintf("State Machine Already Exists: '%s'", arn))}
	}
	e.machines[arn] = &machine{
		arn: arn, name: name, def: def, created: e.clk.Now(), typ: types.StateMachineTypeStandard,
		roleArn: fmt.Sprintf("arn:aws:iam::%s:role/switchyard-local", e.account),
	}
	return arn, nil
}

func validName(n string) bool {
	if n == "" || len(n) > 80 {
		return false
	}
	for _, r := range n {
		if !(r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func ptr[T any](v T) *T { return &v }

func (e *Engine) nextSeq() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	return e.seq
}

func newToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return tokenPrefix + hex.EncodeToString(b[:])
}

const tokenPrefix = "SYTT1."

func validToken(t string) bool {
	if !strings.HasPrefix(t, tokenPrefix) || len(t) != len(tokenPrefix)+48 {
		return false
	}
	_, err := hex.DecodeString(t[len(tokenPrefix):])
	return err == nil
}

// fmtTime renders timestamps as Step Functions does in context objects.
func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// scope is a region of an execution that can be halted as a whole: the
// execution itself, the branches of one Parallel state, the iterations of one
// Map state. Halting fires every Event its goroutines wait on, so a stop or a
// sibling's failure interrupts Wait states, task timeouts and callbacks.
type scope struct {
	mu       *sync.Mutex
	parent   *scope
	children map[*scope]struct{}
	halted   bool
	waits    map[clock.Event]struct{}
}

func newScope(mu *sync.Mutex) *scope { return &scope{mu: mu} }

func (s *scope) child() *scope {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &scope{mu: s.mu, parent: s, halted: s.halted}
	if s.children == nil {
		s.children = map[*scope]struct{}{}
	}
	s.children[c] = struct{}{}
	return c
}

func (s *scope) release() {
	if s.parent == nil {
		return
	}
	s.mu.Lock()
	delete(s.parent.children, s)
	s.mu.Unlock()
}

func (s *scope) halt() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.haltLocked()
}

func (s *scope) haltLocked() {
	if s.halted {
		return
	}
	s.halted = true
	for ev := range s.waits {
		ev.Fire()
	}
	for c := range s.children {
		c.haltLocked()
	}
}

func (s *scope) isHalted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.halted
}

// errHalted ends a goroutine whose scope was halted.
var errHalted = &StatesError{Name: "switchyard.Halted", Cause: "execution scope halted"}

// wait waits for ev (or d of clock time; d <= 0 means no limit) unless the
// scope is halted first. It returns nil, clock.ErrTimeout, errHalted, or
// ctx.Err().
func (s *scope) wait(ctx context.Context, ev clock.Event, d time.Duration) error {
	s.mu.Lock()
	if s.halted {
		s.mu.Unlock()
		return errHalted
	}
	if s.waits == nil {
		s.waits = map[clock.Event]struct{}{}
	}
	s.waits[ev] = struct{}{}
	s.mu.Unlock()
	err := ev.Wait(ctx, d)
	s.mu.Lock()
	delete(s.waits, ev)
	halted := s.halted
	s.mu.Unlock()
	if halted {
		return errHalted
	}
	return err
}
