package readiness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/switchyard-dev/switchyard/shared/awsevent"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// Publisher sends one complete EventBridge event (JSON) to the Region's
// Switchyard bus.
type Publisher interface {
	Publish(ctx context.Context, event []byte) error
}

// PublisherFunc adapts a function to Publisher.
type PublisherFunc func(ctx context.Context, event []byte) error

// Publish implements Publisher.
func (f PublisherFunc) Publish(ctx context.Context, event []byte) error { return f(ctx, event) }

// PlanSource lists the plans deployed in this Region. Plan returns an error
// wrapping store.ErrNotFound for an unknown plan.
type PlanSource interface {
	Plans(ctx context.Context) ([]*plan.Plan, error)
	Plan(ctx context.Context, name string) (*plan.Plan, error)
}

// StorePlans reads plans from a store's latest versions.
type StorePlans struct {
	Store store.Plans
}

var _ PlanSource = StorePlans{}

// Plans implements PlanSource.
func (s StorePlans) Plans(ctx context.Context) ([]*plan.Plan, error) {
	vs, err := s.Store.ListPlans(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing plans: %w", err)
	}
	out := make([]*plan.Plan, 0, len(vs))
	for _, v := range vs {
		p, err := decodePlan(v)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Plan implements PlanSource.
func (s StorePlans) Plan(ctx context.Context, name string) (*plan.Plan, error) {
	v, err := s.Store.GetPlan(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("reading plan %s: %w", name, err)
	}
	return decodePlan(v)
}

func decodePlan(v store.PlanVersion) (*plan.Plan, error) {
	ps, err := plan.Parse(v.Name+".json", v.Document)
	if err != nil {
		return nil, fmt.Errorf("decoding stored plan %s %s: %w", v.Name, v.Version, err)
	}
	if len(ps) != 1 {
		return nil, fmt.Errorf("decoding stored plan %s %s: %d documents, want 1", v.Name, v.Version, len(ps))
	}
	return ps[0], nil
}

// StoreVersions reads the deployed plan version from each Region's store.
type StoreVersions map[string]store.Plans

// DeployedVersion implements Versions.
func (s StoreVersions) DeployedVersion(ctx context.Context, region, name string) (string, error) {
	st, ok := s[region]
	if !ok {
		return "", fmt.Errorf("no store configured for %s", region)
	}
	v, err := st.GetPlan(ctx, name)
	if err != nil {
		return "", fmt.Errorf("reading plan %s in %s: %w", name, region, err)
	}
	return v.Version, nil
}

// HandlerOptions configure a Handler. Evaluator, Plans, Store and Region are
// required.
type HandlerOptions struct {
	Evaluator *Evaluator
	Plans     PlanSource
	Store     store.Readiness
	// Events receives Readiness Changed events (optional).
	Events Publisher
	// Metrics receives one EMF line per plan and Region (optional; the
	// Lambda's standard output in production).
	Metrics io.Writer
	// Region is where this copy runs: the target it evaluates.
	Region  string
	Account string
	Logger  *slog.Logger
}

// Handler is the readiness function: it evaluates plans for a failover into
// its own Region, stores the reports, emits Readiness Changed only when the
// verdict or the set of problems changed, and writes one metric line per
// plan. Retry contract: evaluating is read-only and storing is idempotent
// (a stale report is dropped), so a retried invocation does no harm.
type Handler struct {
	o HandlerOptions
}

// NewHandler returns a Handler.
func NewHandler(o HandlerOptions) (*Handler, error) {
	if o.Evaluator == nil || o.Plans == nil || o.Store == nil || o.Region == "" {
		return nil, errors.New("readiness handler: Evaluator, Plans, Store and Region are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{o: o}, nil
}

// Request is the on-demand input of the readiness function. The scheduled
// event (or an empty Plan) evaluates every plan with a workflow into the
// Region.
type Request struct {
	Plan string `json:"plan,omitempty"`
}

// Outcome is what one evaluation recorded.
type Outcome struct {
	Report  Report `json:"report"`
	Changed bool   `json:"changed"`
}

// Handle evaluates the plan named by the input (a Request), or every plan
// for a scheduled event.
func (h *Handler) Handle(ctx context.Context, input json.RawMessage) ([]Outcome, error) {
	var req Request
	if len(input) > 0 {
		if ev, err := awsevent.DecodeEnvelope(input); err == nil {
			if ev.DetailType != awsevent.DetailTypeScheduledEvent {
				return nil, fmt.Errorf("readiness: unexpected event %s/%s (want a Scheduled Event or {\"plan\": NAME})", ev.Source, ev.DetailType)
			}
		} else if err := json.Unmarshal(input, &req); err != nil {
			return nil, fmt.Errorf("readiness: input is neither a Scheduled Event nor {\"plan\": NAME}: %w", err)
		}
	}
	var plans []*plan.Plan
	if req.Plan != "" {
		p, err := h.o.Plans.Plan(ctx, req.Plan)
		if err != nil {
			return nil, err
		}
		plans = []*plan.Plan{p}
	} else {
		var err error
		if plans, err = h.o.Plans.Plans(ctx); err != nil {
			return nil, err
		}
	}
	var out []Outcome
	var errs []error
	for _, p := range plans {
		if !hasRegion(p, h.o.Region) {
			continue
		}
		o, err := h.Evaluate(ctx, p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, o)
	}
	return out, errors.Join(errs...)
}

func hasRegion(p *plan.Plan, r string) bool {
	for _, x := range p.Spec.Regions {
		if x == r {
			return true
		}
	}
	return false
}

// Evaluate evaluates one plan into the handler's Region and records it.
func (h *Handler) Evaluate(ctx context.Context, p *plan.Plan) (Outcome, error) {
	rep, err := h.o.Evaluator.Evaluate(ctx, p, h.o.Region)
	if err != nil {
		return Outcome{}, err
	}
	return h.Record(ctx, rep)
}

// Record stores a report, emits Readiness Changed when it changed, and
// writes its metric line.
func (h *Handler) Record(ctx context.Context, rep Report) (Outcome, error) {
	var prev *bool
	if old, err := h.o.Store.GetReadiness(ctx, rep.Plan, rep.Target); err == nil {
		prev = &old.Ready
	}
	checks, err := json.Marshal(rep.Findings)
	if err != nil {
		return Outcome{}, fmt.Errorf("encoding findings of %s: %w", rep.Plan, err)
	}
	stored, err := h.o.Store.PutReadiness(ctx, store.ReadinessReport{Plan: rep.Plan, Region: rep.Target, PlanVersion: rep.PlanVersion,
		Ready: rep.Ready, Digest: rep.Digest(), Summary: rep.Summary(), Checks: checks, EvaluatedAt: rep.EvaluatedAt})
	if errors.Is(err, store.ErrStale) {
		h.o.Logger.InfoContext(ctx, "readiness report superseded by a newer one", "plan", rep.Plan, "region", rep.Target)
		return Outcome{Report: rep}, nil
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("storing readiness of %s in %s: %w", rep.Plan, rep.Target, err)
	}
	if h.o.Metrics != nil {
		line, err := rep.EMF()
		if err != nil {
			return Outcome{}, err
		}
		if _, err := fmt.Fprintf(h.o.Metrics, "%s\n", line); err != nil {
			return Outcome{}, fmt.Errorf("writing the readiness metric: %w", err)
		}
	}
	if stored.Changed && h.o.Events != nil {
		ev := awsevent.NewSwitchyardEvent(h.o.Account, h.o.Region, rep.EvaluatedAt, []string{}, awsevent.ReadinessChangedDetail{
			Plan: rep.Plan, PlanVersion: rep.PlanVersion, Region: h.o.Region, TargetRegion: rep.Target, Ready: rep.Ready,
			PreviousReady: prev, ReportID: rep.Plan + "/" + rep.Target + "/" + rep.EvaluatedAt.UTC().Format("20060102T150405Z"),
			EvaluatedAt: rep.EvaluatedAt.UTC(), Counts: rep.Counts(), Findings: rep.EventFindings(50)})
		data, err := json.Marshal(ev)
		if err != nil {
			return Outcome{}, fmt.Errorf("encoding Readiness Changed: %w", err)
		}
		if err := h.o.Events.Publish(ctx, data); err != nil {
			return Outcome{}, fmt.Errorf("publishing Readiness Changed for %s: %w", rep.Plan, err)
		}
	}
	h.o.Logger.InfoContext(ctx, "readiness evaluated", "plan", rep.Plan, "region", rep.Target, "ready", rep.Ready, "changed", stored.Changed)
	return Outcome{Report: rep, Changed: stored.Changed}, nil
}

// StaticPlans is a PlanSource over a fixed list (the CLI, tests, the
// simulator).
type StaticPlans []*plan.Plan

var _ PlanSource = StaticPlans(nil)

// Plans implements PlanSource.
func (s StaticPlans) Plans(context.Context) ([]*plan.Plan, error) { return s, nil }

// Plan implements PlanSource.
func (s StaticPlans) Plan(_ context.Context, name string) (*plan.Plan, error) {
	for _, p := range s {
		if p.Metadata.Name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("plan %q: %w", name, store.ErrNotFound)
}
