package devserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/slack-go/slack"

	"github.com/switchyard-dev/switchyard/shared/api"
	"github.com/switchyard-dev/switchyard/shared/asl"
	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/runtime"
	"github.com/switchyard-dev/switchyard/shared/sim"
	"github.com/switchyard-dev/switchyard/shared/slackapp"
	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
)

// PrincipalHeader carries the caller's identity to the local API. It is a
// development convenience only: `dev serve` trusts it as API Gateway's IAM
// authorizer would trust a SigV4 signature. Never expose dev serve beyond
// the loopback interface.
const PrincipalHeader = "X-Switchyard-Principal"

// AnonymousPrincipal is the caller of a request without PrincipalHeader:
// it may start and read executions, but approve, decide and cancel need one
// of the plan's fallbackApprovers.
const AnonymousPrincipal = "local:anonymous"

// DefaultSpeed is the clock speed: one wall second is one simulated minute.
const DefaultSpeed = 60

// DefaultSlackToken is the bot token sent to the (fake) Slack.
const DefaultSlackToken = "xoxb-switchyard-dev"

// Config configures a Server.
type Config struct {
	// Plans are deployed to the store and the simulated world is built from
	// them (required).
	Plans []*plan.Plan
	// Region is the Region this control plane runs in: executions fail
	// over into it (default: the Region most plans fail over into).
	Region string
	// SigningSecret verifies /slack/interactions (empty: the endpoint
	// answers 503, Slack disabled).
	SigningSecret string
	// SlackAPIURL is the Slack Web API base URL, e.g. a fake Slack's
	// "http://127.0.0.1:PORT/api/" (empty: messages are not posted).
	SlackAPIURL string
	// SlackToken is the bot token (default DefaultSlackToken).
	SlackToken string
	// Speed is how much faster than the wall clock simulated time runs
	// (default DefaultSpeed). Ignored when Clock is set.
	Speed float64
	// Clock overrides the scaled clock (tests: a *clock.Virtual, held
	// around every action from outside).
	Clock clock.Clock
	// ResyncInterval is how often (wall time) Slack messages whose update
	// failed are retried (default 5 s).
	ResyncInterval time.Duration
	// Logger receives the progress lines (default slog.Default()).
	Logger *slog.Logger
}

// Server is the local control plane.
type Server struct {
	cfg     Config
	clk     clock.Clock
	log     *slog.Logger
	st      store.Store
	world   *sim.World
	rt      *runtime.Runtime
	backend *api.AWSBackend
	poster  *slackapp.Poster
	post    func(context.Context, store.Approval) // slackapp.PostOnRequest
	handler http.Handler

	mu    sync.Mutex
	dirty map[string]bool // executions whose Slack messages need a re-render
	kick  chan struct{}
}

// New builds the server: the simulated world from the plans, the blocks on
// it, the runtime, the API backend over the runtime's engine and store,
// and the Slack endpoint.
func New(cfg Config) (*Server, error) {
	if len(cfg.Plans) == 0 {
		return nil, errors.New("dev serve: no plans (give --plans DIR holding *.yaml plans)")
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion(cfg.Plans)
	}
	if cfg.Region == "" {
		return nil, errors.New("dev serve: no plan has an activate workflow; give --region")
	}
	if cfg.Speed <= 0 {
		cfg.Speed = DefaultSpeed
	}
	if cfg.SlackToken == "" {
		cfg.SlackToken = DefaultSlackToken
	}
	if cfg.ResyncInterval <= 0 {
		cfg.ResyncInterval = 5 * time.Second
	}
	s := &Server{cfg: cfg, clk: cfg.Clock, log: cfg.Logger, dirty: map[string]bool{}, kick: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.clk == nil {
		s.clk = clock.NewScaled(time.Now().UTC().Truncate(time.Second), cfg.Speed)
	}
	world, err := readiness.WorldFromPlan(readiness.WorldOptions{Options: sim.Options{Clock: s.clk, Regions: []string{"us-east-1"}}}, cfg.Plans...)
	if err != nil {
		return nil, fmt.Errorf("dev serve: %w", err)
	}
	if err := completeWorld(world, cfg.Plans, cfg.Region); err != nil {
		return nil, fmt.Errorf("dev serve: completing the simulated world: %w", err)
	}
	s.world = world
	reg := blocks.NewRegistry(world.Clients(), s.clk,
		blocks.WithHTTPClient(world.HTTP()),
		blocks.WithARCDirectory(readiness.SimClients{W: world}),
	)
	s.st = &progressStore{Store: memory.New(s.clk), s: s}
	var chat *slack.Client
	if cfg.SlackAPIURL != "" {
		chat = slack.New(cfg.SlackToken, slack.OptionAPIURL(cfg.SlackAPIURL))
		s.poster = slackapp.NewPoster(chat, s.st, s.clk)
		s.poster.Attempts = 1 // the resync loop retries on the wall clock
		s.post = slackapp.PostOnRequest(s.st, s.poster, s.log)
	}
	quiet := slog.New(minLevel{Handler: s.log.Handler(), min: slog.LevelWarn})
	rt, err := runtime.New(runtime.Config{
		Clock: s.clk, Store: s.st, Clients: world.Clients(), Blocks: reg, Plans: cfg.Plans, Region: cfg.Region,
		Approver: s.approvalRequested, Observer: s.observe, Logger: quiet,
	})
	if err != nil {
		return nil, fmt.Errorf("dev serve: %w", err)
	}
	s.rt = rt
	world.Subscribe(func(ev sim.Event) {
		b, err := json.Marshal(ev)
		if err != nil {
			return
		}
		// The bus delivers on the clock; the step runner polls if an event
		// is refused.
		_, _ = rt.PublishAWSEvent(context.Background(), b)
	})
	s.backend, err = api.NewAWSBackend(api.AWSConfig{
		SFN: rt.Engine(), StateMachineArn: rt.StateMachineArn(runtime.ExecutePlan), Store: s.st,
		Answerer: rt.Approvals().Answerer(), OnApprovalChanged: s.approvalChanged, Clock: s.clk, Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("dev serve: %w", err)
	}
	apiHandler := api.NewHandler(s.backend, api.NewStorePlans(s.st), api.WithCaller(Caller), api.WithLogger(s.log))
	mux := http.NewServeMux()
	mux.Handle("/v1/", apiHandler)
	mux.HandleFunc("GET /healthz", s.health)
	if cfg.SigningSecret != "" {
		sh, err := s.slackHandler(chat)
		if err != nil {
			return nil, err
		}
		mux.Handle("/slack/interactions", sh)
	} else {
		mux.HandleFunc("/slack/interactions", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"code":"slack_disabled","text":"dev serve was started without --slack-signing-secret: Slack clicks are not accepted"}` + "\n"))
		})
	}
	s.handler = mux
	return s, nil
}

// minLevel passes on only the records at min or above: the runtime's
// warnings join the progress lines, its chatter does not.
type minLevel struct {
	slog.Handler
	min slog.Level
}

// Enabled reports whether l is at least min.
func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.Handler.Enabled(ctx, l)
}

// WithAttrs keeps the level floor.
func (m minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{Handler: m.Handler.WithAttrs(as), min: m.min}
}

// WithGroup keeps the level floor.
func (m minLevel) WithGroup(name string) slog.Handler {
	return minLevel{Handler: m.Handler.WithGroup(name), min: m.min}
}

func (s *Server) slackHandler(chat *slack.Client) (http.Handler, error) {
	// Slack's timestamps are wall time, whatever the simulated clock says.
	v, err := slackapp.NewVerifier(s.cfg.SigningSecret, clock.Real{})
	if err != nil {
		return nil, fmt.Errorf("dev serve: --slack-signing-secret: %w", err)
	}
	var groups slackapp.GroupsAPI
	if chat != nil {
		groups = chat
	}
	h, err := slackapp.NewHandler(slackapp.HandlerConfig{
		Verifier: v, Replay: slackapp.NewReplayGuard(clock.Real{}, 2*slackapp.MaxSkew), Store: s.st,
		Answerer: s.rt.Approvals().Answerer(), Authorizer: slackapp.NewAuthorizer(groups, s.clk, 5*time.Minute),
		Poster: s.poster, Background: true, Clock: s.clk, Logger: s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("dev serve: %w", err)
	}
	return h, nil
}

// Caller reads the caller's identity from PrincipalHeader
// (AnonymousPrincipal without it).
func Caller(r *http.Request) string {
	if p := strings.TrimSpace(r.Header.Get(PrincipalHeader)); p != "" {
		return p
	}
	return AnonymousPrincipal
}

// DefaultRegion is the Region most of the plans' activate workflows fail
// over into, other than their primary (ties: alphabetical).
func DefaultRegion(plans []*plan.Plan) string {
	count := map[string]int{}
	for _, p := range plans {
		for _, w := range p.Spec.Workflows {
			if w.Kind == plan.Activate && w.Region != p.Spec.Primary {
				count[w.Region]++
			}
		}
	}
	regions := make([]string, 0, len(count))
	for r := range count {
		regions = append(regions, r)
	}
	sort.Slice(regions, func(i, j int) bool {
		if count[regions[i]] != count[regions[j]] {
			return count[regions[i]] > count[regions[j]]
		}
		return regions[i] < regions[j]
	})
	if len(regions) == 0 {
		return ""
	}
	return regions[0]
}

// Handler serves /v1/…, /slack/interactions and /healthz.
func (s *Server) Handler() http.Handler { return s.handler }

// Region is the Region the server executes failovers into.
func (s *Server) Region() string { return s.cfg.Region }

// Clock is the server's clock.
func (s *Server) Clock() clock.Clock { return s.clk }

// Runtime is the local control plane.
func (s *Server) Runtime() *runtime.Runtime { return s.rt }

// World is the simulated AWS.
func (s *Server) World() *sim.World { return s.world }

// Health is the body of GET /healthz.
type Health struct {
	OK     bool      `json:"ok"`
	Region string    `json:"region"`
	Plans  []string  `json:"plans"`
	Now    time.Time `json:"now"`
	Speed  float64   `json:"speed,omitempty"`
	Slack  bool      `json:"slack"`
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	h := Health{OK: true, Region: s.cfg.Region, Now: s.clk.Now(), Slack: s.poster != nil}
	if _, ok := s.clk.(*clock.Scaled); ok {
		h.Speed = s.cfg.Speed
	}
	for _, p := range s.cfg.Plans {
		h.Plans = append(h.Plans, p.Metadata.Name)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(h)
}

// Serve serves on ln until ctx ends, then shuts down gracefully (in-flight
// requests get up to 5 s). Executions are in memory: they end with the
// process.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.resyncLoop(ctx)
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("dev serve listening", "addr", "http://"+ln.Addr().String(), "region", s.cfg.Region,
		"plans", strings.Join(s.planNames(), ","), "slack", s.cfg.SlackAPIURL != "", "simulatedNow", s.clk.Now().Format(time.RFC3339))
	var err error
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			// Connections still busy (or opened and never used) after the
			// grace period are cut; the server has stopped either way.
			s.log.Warn("dev serve: closing connections still open after 5s")
			err = srv.Close()
		}
		s.log.Info("dev serve stopped")
	case err = <-errc:
	}
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func (s *Server) planNames() []string {
	var out []string
	for _, p := range s.cfg.Plans {
		out = append(out, p.Metadata.Name)
	}
	return out
}

// approvalRequested posts a new approval or decision to Slack and says how
// to answer it. It runs inside the approval function.
func (s *Server) approvalRequested(ctx context.Context, _ *runtime.Runtime, req runtime.ApprovalRequest) {
	wall := req.ExpiresAt.Sub(s.clk.Now())
	if _, ok := s.clk.(*clock.Scaled); ok {
		wall = time.Duration(float64(wall) / s.cfg.Speed)
	}
	s.log.Info("waiting for "+string(req.Kind), "execution", req.Execution, "plan", req.Plan, "step", req.Step,
		"approval", req.ID, "expiresIn", wall.Round(time.Second).String(), "answer", answerHint(req))
	if s.poster == nil {
		return
	}
	a, err := s.st.GetApproval(ctx, req.ID)
	if err != nil {
		s.log.Warn("reading approval for Slack", "approval", req.ID, "error", err.Error())
		return
	}
	s.post(ctx, a)
	if a, err := s.st.GetApproval(ctx, req.ID); err == nil && a.Message.TS != "" {
		s.log.Info("posted to Slack", "approval", a.ID, "channel", a.Message.Channel, "ts", a.Message.TS)
	}
}

func answerHint(req runtime.ApprovalRequest) string {
	if req.Kind == store.KindDecision {
		return fmt.Sprintf("switchyard decide %s --action retry|skip|ungraceful|abort", req.Execution)
	}
	return fmt.Sprintf("switchyard approve %s (or click in Slack)", req.Execution)
}

// approvalChanged is the API's OnApprovalChanged: the execution's Slack
// messages are re-rendered by the resync loop, so a slow or down Slack
// never holds up the API.
func (s *Server) approvalChanged(ctx context.Context, approvalID string) {
	a, err := s.st.GetApproval(ctx, approvalID)
	if err != nil {
		return
	}
	s.markDirty(a.Execution)
}

func (s *Server) markDirty(execution string) {
	if s.poster == nil {
		return
	}
	s.mu.Lock()
	s.dirty[execution] = true
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// resyncLoop re-renders the Slack messages of executions marked dirty, at
// once when kicked and then every ResyncInterval until Slack takes them: an
// approval given through the API while Slack is down shows in Slack when
// Slack is back. Every failed attempt is in the audit log (the Poster
// records slack.message.update_failed).
func (s *Server) resyncLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.ResyncInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		case <-t.C:
		}
		s.resync(ctx)
	}
}

func (s *Server) resync(ctx context.Context) {
	s.mu.Lock()
	ids := make([]string, 0, len(s.dirty))
	for id := range s.dirty {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	slices.Sort(ids)
	for _, id := range ids {
		err := slackapp.SyncExecution(ctx, s.st, s.st, s.poster, id)
		if err != nil {
			s.log.Warn("Slack message not updated yet (will retry)", "execution", id, "error", err.Error())
			continue
		}
		s.mu.Lock()
		delete(s.dirty, id)
		s.mu.Unlock()
	}
}

// observe logs the end of every execute-plan execution and queues its
// Slack messages for a final re-render (an approval that expired shows as
// expired).
func (s *Server) observe(arn string, ev sfntypes.HistoryEvent) {
	if !strings.Contains(arn, ":execution:"+runtime.ExecutePlan+":") {
		return
	}
	id := arn[strings.LastIndex(arn, ":")+1:]
	if ev.Type == sfntypes.HistoryEventTypeExecutionStarted {
		s.log.Info("execution started", "execution", id)
		return
	}
	st, errName, cause, ok := asl.ExecutionEnd(ev)
	if !ok {
		return
	}
	status := string(st)
	attrs := []any{"execution", id, "status", status}
	if errName != "" {
		attrs = append(attrs, "error", errName, "cause", cause)
	}
	s.log.Info("execution ended", attrs...)
	s.markDirty(id)
}

// progressStore is the store, logging every step transition and new
// approval as it is written.
type progressStore struct {
	store.Store
	s *Server
}

// PutStep logs the step's new state.
func (p *progressStore) PutStep(ctx context.Context, st store.Step) (store.Step, error) {
	out, err := p.Store.PutStep(ctx, st)
	if err == nil {
		attrs := []any{"execution", st.Execution, "step", st.Name, "block", st.Block, "status", string(st.Status), "attempt", st.Attempt}
		if st.Error != "" {
			attrs = append(attrs, "error", st.Error)
		}
		p.s.log.Info("step", attrs...)
	}
	return out, err
}
