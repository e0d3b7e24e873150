package blocks

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// scalePoll is how often a scaling step looks again while capacity starts.
const scalePoll = 15 * time.Second

// fleetView is a scalable resource as observed: its desired and running
// (ECS running tasks, ASG InService instances, EKS Ready nodes) counts.
type fleetView struct {
	desired, running int32
	// runningKnown is false when the API does not report a running count
	// (EKS node groups: then "running" means the group is ACTIVE at the
	// desired size).
	runningKnown bool
	// max is the resource's upper bound (0: none).
	max int32
}

// scaleSpec is one *-scale step's configuration, block independent.
type scaleSpec struct {
	block                  string
	targetName             string // for messages
	sourceName             string
	percent, ungracefulMin int
	lookback               time.Duration
}

// scaleKind adapts the scaling logic to one service.
type scaleKind interface {
	name() string
	spec(req Request) (scaleSpec, error)
	// metric names the CloudWatch metric holding the source's capacity.
	metric(req Request) (namespace, name string, dims map[string]string)
	observe(ctx context.Context, d *deps, req Request, source bool) (fleetView, error)
	setDesired(ctx context.Context, d *deps, req Request, v fleetView, n int32) error
}

// scaler scales a fleet in the target Region to percent% of the source's
// peak over the look-back window.
//
// The peak comes from CloudWatch GetMetricData (Maximum) over the window:
// in graceful mode from the source Region, falling back to the source's
// current desired count; in ungraceful mode (and in graceful mode when the
// source Region does not answer) the source Region is not called: the
// source's metric is looked up in the target Region's CloudWatch (where a
// metric stream or a cross-Region copy may put it), then in PeakHints
// (WithPeakHints). desired = ceil(percent% × peak); the target
// is never scaled in (its desired count becomes max(current, desired)).
// Done once running >= desired; in ungraceful mode once running >=
// ceil(ungracefulMinPercent% × desired) (a capacity shortfall then
// completes the step, degraded). Outputs: desired, running, peak,
// peakSource.
type scaler struct {
	d    *deps
	kind scaleKind
}

type scaleState struct {
	Desired    int32   `json:"desired"`
	Peak       float64 `json:"peak"`
	PeakSource string  `json:"peakSource"`
}

func (s *scaler) Start(ctx context.Context, req Request) (Progress, error) {
	sp, err := s.kind.spec(req)
	if err != nil {
		return Progress{}, err
	}
	if err := requireTarget(req); err != nil {
		return Progress{}, err
	}
	peak, from, err := s.peak(ctx, req, sp)
	if err != nil {
		return Progress{}, err
	}
	st := scaleState{Desired: int32(math.Ceil(float64(sp.percent) * peak / 100)), Peak: peak, PeakSource: from}
	v, err := s.kind.observe(ctx, s.d, req, false)
	if err != nil {
		return Progress{}, err
	}
	if want := max(v.desired, st.Desired); want > v.desired {
		if err := s.kind.setDesired(ctx, s.d, req, v, want); err != nil {
			return Progress{}, err
		}
		v.desired = want
	}
	return s.progress(req, sp, st, v), nil
}

func (s *scaler) Poll(ctx context.Context, req Request) (Progress, error) {
	var st scaleState
	if err := loadState(req, &st); err != nil {
		return Progress{}, err
	}
	if st.PeakSource == "" {
		return s.Start(ctx, req)
	}
	sp, err := s.kind.spec(req)
	if err != nil {
		return Progress{}, err
	}
	v, err := s.kind.observe(ctx, s.d, req, false)
	if err != nil {
		return Progress{}, err
	}
	if v.desired < st.Desired {
		// Someone scaled the target in meanwhile: put it back.
		if err := s.kind.setDesired(ctx, s.d, req, v, st.Desired); err != nil {
			return Progress{}, err
		}
		v.desired = st.Desired
	}
	return s.progress(req, sp, st, v), nil
}

func (s *scaler) progress(req Request, sp scaleSpec, st scaleState, v fleetView) Progress {
	out := map[string]any{"desired": st.Desired, "running": v.running, "peak": st.Peak, "peakSource": st.PeakSource}
	p := Progress{State: mustState(st), Outputs: out, PollAfter: scalePoll}
	reached := v.running >= st.Desired
	if !v.runningKnown {
		reached = v.desired >= st.Desired && v.running >= v.desired
	}
	if reached {
		p.Done = true
		p.Message = fmt.Sprintf("%s runs %d (desired %d = %d%% of peak %g from %s)", sp.targetName, v.running, st.Desired, sp.percent, st.Peak, st.PeakSource)
		return p
	}
	if req.Mode == Ungraceful && v.runningKnown {
		min := int32(math.Ceil(float64(sp.ungracefulMin) * float64(st.Desired) / 100))
		if v.running >= min {
			p.Done = true
			p.Message = fmt.Sprintf("%s runs %d of %d desired: at or above the ungraceful minimum %d%% (%d); proceeding degraded",
				sp.targetName, v.running, st.Desired, sp.ungracefulMin, min)
			out["shortfall"] = st.Desired - v.running
			return p
		}
	}
	p.Message = fmt.Sprintf("%s: %d of %d running", sp.targetName, v.running, st.Desired)
	return p
}

// peak finds the source's peak and says where it came from. Graceful: the
// source Region's metrics, else the source's current desired count; when
// the source Region does not answer, the ungraceful sources follow (the
// target Region's copy of the metrics, then PeakHints). Ungraceful: only
// those.
func (s *scaler) peak(ctx context.Context, req Request, sp scaleSpec) (float64, string, error) {
	ns, name, dims := s.kind.metric(req)
	var srcErr error
	if req.Mode != Ungraceful && req.Source != "" {
		p, ok, err := s.d.metricPeak(ctx, req.Source, ns, name, dims, sp.lookback)
		if err == nil && ok {
			return p, "metrics:" + req.Source, nil
		}
		v, oerr := s.kind.observe(ctx, s.d, req, true)
		if oerr == nil {
			return float64(v.desired), "current:" + req.Source, nil
		}
		srcErr = errors.Join(err, oerr)
		if !errclass.IsRetryable(oerr) {
			return 0, "", srcErr
		}
	}
	// Never call the source Region from here on.
	p, ok, err := s.d.metricPeak(ctx, req.Target, ns, name, dims, sp.lookback)
	if err == nil && ok {
		return p, "metrics:" + req.Target, nil
	}
	if s.d.peaks != nil {
		if n, ok := s.d.peaks.SourcePeak(ctx, sp.block, stepName(req)); ok {
			return float64(n), "recorded", nil
		}
	}
	if srcErr != nil {
		return 0, "", srcErr
	}
	if err != nil {
		return 0, "", err
	}
	return 0, "", &errclass.Terminal{Op: fmt.Sprintf("step %s: %s", stepName(req), sp.block),
		Err: fmt.Errorf("ungraceful mode: no %s/%s history for %s in %s and no recorded peak, so the target size is unknown (the source Region %s is not called)",
			ns, name, sp.sourceName, req.Target, req.Source)}
}

// Check: the target exists, its upper bound can hold the desired size
// (estimated from the source's metrics), and the source is visible.
func (s *scaler) Check(ctx context.Context, req Request) ([]Finding, error) {
	sp, err := s.kind.spec(req)
	if err != nil {
		return nil, err
	}
	if err := requireTarget(req); err != nil {
		return nil, err
	}
	check := sp.block + "/"
	v, err := s.kind.observe(ctx, s.d, req, false)
	if err != nil {
		if notFound(err) || isMissing(err) {
			return []Finding{{Severity: "error", Resource: sp.targetName, Check: check + "exists", Message: fmt.Sprintf("%s does not exist in %s: %v", sp.targetName, req.Target, err)}}, nil
		}
		return nil, err
	}
	var fs []Finding
	peak, from, err := s.peak(ctx, req, sp)
	if err != nil {
		return append(fs, Finding{Severity: "warning", Resource: sp.sourceName, Check: check + "source-peak", Message: "cannot size the target: " + err.Error()}), nil
	}
	want := int32(math.Ceil(float64(sp.percent) * peak / 100))
	if v.max > 0 && want > v.max {
		fs = append(fs, Finding{Severity: "warning", Resource: sp.targetName, Check: check + "max",
			Message: fmt.Sprintf("%s would need %d (%d%% of peak %g from %s) but its maximum is %d; the block raises it", sp.targetName, want, sp.percent, peak, from, v.max)})
	}
	fs = append(fs, Finding{Severity: "info", Resource: sp.targetName, Check: check + "size",
		Message: fmt.Sprintf("%s has %d desired / %d running; a recovery would ask for %d", sp.targetName, v.desired, v.running, max(v.desired, want))})
	return fs, nil
}

// missingErr marks a resource a describe call left out (ECS Failures MISSING,
// an empty ASG list).
type missingErr struct{ what string }

func (e *missingErr) Error() string { return e.what + " not found" }

func isMissing(err error) bool {
	var m *missingErr
	return errors.As(err, &m)
}

func scaleSpecOf(block, target, source string, percent, ungMin int, lookback plan.Duration) scaleSpec {
	if percent == 0 {
		percent = 100
	}
	lb := lookback.D()
	if lb <= 0 {
		lb = 24 * time.Hour
	}
	return scaleSpec{block: block, targetName: target, sourceName: source, percent: percent, ungracefulMin: ungMin, lookback: lb}
}
