package blocks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53recoverycluster"
	arctypes "github.com/aws/aws-sdk-go-v2/service/route53recoverycluster/types"

	"github.com/switchyard-dev/switchyard/shared/awsapi"
	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// arcRouting sets routing-control states through an ARC cluster's data
// plane. It reads every control first and updates only those that differ,
// in one UpdateRoutingControlStates call (atomic, checked against the
// safety rules as a whole), then reads them back: Done when all match.
//
// Endpoints come from the ARCDirectory (WithARCDirectory). Every call
// starts at the endpoint that last answered (kept in the state) and moves to
// the next one on a connection error, a 5xx or throttling; when all five
// fail the error is Retryable. A safety-rule rejection (ConflictException)
// is Terminal and names the rule; rules listed in safetyRulesToOverride are
// passed to ARC as overrides.
type arcRouting struct{ *deps }

type arcState struct {
	// Endpoint is the index of the endpoint that last answered.
	Endpoint int `json:"endpoint"`
	// Failed counts endpoint failures met so far (for the report).
	Failed int `json:"failed,omitempty"`
}

func (b *arcRouting) Start(ctx context.Context, req Request) (Progress, error) {
	return b.reconcile(ctx, req, true)
}

func (b *arcRouting) Poll(ctx context.Context, req Request) (Progress, error) {
	return b.reconcile(ctx, req, false)
}

func (b *arcRouting) endpoints(ctx context.Context, cluster string) ([]awsapi.ARCEndpoint, error) {
	if b.arcDir == nil {
		return nil, &errclass.Terminal{Op: "finding the endpoints of ARC cluster " + cluster, Err: errors.New("no ARC endpoint directory configured (blocks.WithARCDirectory)")}
	}
	eps, err := b.arcDir.Endpoints(ctx, cluster)
	if err != nil {
		return nil, errclass.Classify("finding the endpoints of ARC cluster "+cluster, err)
	}
	if len(eps) == 0 {
		return nil, &errclass.Terminal{Op: "finding the endpoints of ARC cluster " + cluster, Err: errors.New("the cluster lists no endpoints")}
	}
	return eps, nil
}

// rotate runs call against the endpoints starting at st.Endpoint, moving
// on when an endpoint fails transiently.
func (b *arcRouting) rotate(eps []awsapi.ARCEndpoint, st *arcState, op string, call func(awsapi.ARC) error) error {
	var errs []error
	start := st.Endpoint % len(eps)
	for i := range eps {
		k := (start + i) % len(eps)
		err := call(b.clients.ARC(eps[k]))
		if err == nil {
			st.Endpoint = k
			return nil
		}
		if !errclass.IsRetryable(err) {
			return err
		}
		st.Failed++
		errs = append(errs, fmt.Errorf("endpoint %s (%s): %w", eps[k].URL, eps[k].Region, err))
	}
	return &errclass.Retryable{Op: op + ": every cluster endpoint failed", Err: errors.Join(errs...)}
}

func (b *arcRouting) reconcile(ctx context.Context, req Request, starting bool) (Progress, error) {
	cfg, err := configOf[*plan.ARCRoutingControl](req)
	if err != nil {
		return Progress{}, err
	}
	var st arcState
	if !starting {
		if err := loadState(req, &st); err != nil {
			return Progress{}, err
		}
	}
	eps, err := b.endpoints(ctx, cfg.Cluster)
	if err != nil {
		return Progress{}, err
	}
	current, err := b.read(ctx, eps, &st, cfg)
	if err != nil {
		return Progress{}, err
	}
	var entries []arctypes.UpdateRoutingControlStateEntry
	for _, s := range cfg.States {
		if !strings.EqualFold(string(current[s.RoutingControl]), s.State) {
			entries = append(entries, arctypes.UpdateRoutingControlStateEntry{RoutingControlArn: aws.String(s.RoutingControl), RoutingControlState: arctypes.RoutingControlState(s.State)})
		}
	}
	out := map[string]any{"endpoint": eps[st.Endpoint%len(eps)].URL, "endpointFailures": st.Failed}
	if len(entries) == 0 {
		return Progress{Done: true, State: mustState(st), Outputs: out, Message: fmt.Sprintf("%d routing control(s) already in the desired state", len(cfg.States))}, nil
	}
	op := fmt.Sprintf("setting %d routing control(s) via ARC cluster %s", len(entries), arnName(cfg.Cluster))
	err = b.rotate(eps, &st, op, func(c awsapi.ARC) error {
		_, err := c.UpdateRoutingControlStates(ctx, &route53recoverycluster.UpdateRoutingControlStatesInput{
			UpdateRoutingControlStateEntries: entries, SafetyRulesToOverride: cfg.SafetyRulesToOverride})
		return err
	})
	if err != nil {
		var conflict *arctypes.ConflictException
		if errors.As(err, &conflict) {
			rule := aws.ToString(conflict.ResourceId)
			return Progress{}, &errclass.Terminal{Op: op, Err: fmt.Errorf("rejected by safety rule %s (%s); list it in safetyRulesToOverride only if overriding it is intended",
				rule, aws.ToString(conflict.Message))}
		}
		return Progress{}, errclass.Classify(op, err)
	}
	after, err := b.read(ctx, eps, &st, cfg)
	if err != nil {
		return Progress{}, err
	}
	out["endpoint"], out["endpointFailures"] = eps[st.Endpoint%len(eps)].URL, st.Failed
	for _, s := range cfg.States {
		if !strings.EqualFold(string(after[s.RoutingControl]), s.State) {
			return Progress{State: mustState(st), Outputs: out, PollAfter: 5 * time.Second,
				Message: fmt.Sprintf("routing control %s is %s after the update, want %s", arnName(s.RoutingControl), after[s.RoutingControl], s.State)}, nil
		}
	}
	return Progress{Done: true, State: mustState(st), Outputs: out, Message: fmt.Sprintf("set %d routing control(s) via %s", len(entries), out["endpoint"])}, nil
}

func (b *arcRouting) read(ctx context.Context, eps []awsapi.ARCEndpoint, st *arcState, cfg *plan.ARCRoutingControl) (map[string]arctypes.RoutingControlState, error) {
	got := map[string]arctypes.RoutingControlState{}
	for _, s := range cfg.States {
		op := "reading routing control " + arnName(s.RoutingControl)
		err := b.rotate(eps, st, op, func(c awsapi.ARC) error {
			out, err := c.GetRoutingControlState(ctx, &route53recoverycluster.GetRoutingControlStateInput{RoutingControlArn: aws.String(s.RoutingControl)})
			if err == nil {
				got[s.RoutingControl] = out.RoutingControlState
			}
			return err
		})
		if err != nil {
			return nil, errclass.Classify(op, err)
		}
	}
	return got, nil
}

// Check: the cluster's endpoints are known, at least one answers, and every
// routing control exists; endpoints that do not answer are warnings.
func (b *arcRouting) Check(ctx context.Context, req Request) ([]Finding, error) {
	cfg, err := configOf[*plan.ARCRoutingControl](req)
	if err != nil {
		return nil, err
	}
	eps, err := b.endpoints(ctx, cfg.Cluster)
	if err != nil {
		return []Finding{{Severity: "error", Resource: cfg.Cluster, Check: "arc-routing-control/endpoints", Message: err.Error()}}, nil
	}
	if len(cfg.States) == 0 {
		return []Finding{{Severity: "error", Resource: cfg.Cluster, Check: "arc-routing-control/states", Message: "the step sets no routing control"}}, nil
	}
	var fs []Finding
	up := 0
	probe := cfg.States[0].RoutingControl
	for _, ep := range eps {
		_, err := b.clients.ARC(ep).GetRoutingControlState(ctx, &route53recoverycluster.GetRoutingControlStateInput{RoutingControlArn: aws.String(probe)})
		if err != nil && errclass.IsRetryable(err) {
			fs = append(fs, Finding{Severity: "warning", Resource: ep.URL, Check: "arc-routing-control/endpoint",
				Message: fmt.Sprintf("ARC endpoint %s (%s) does not answer: %v", ep.URL, ep.Region, err)})
			continue
		}
		up++
	}
	if up == 0 {
		return append(fs, Finding{Severity: "error", Resource: cfg.Cluster, Check: "arc-routing-control/endpoints", Message: "no endpoint of the cluster answers"}), nil
	}
	st := arcState{}
	for _, s := range cfg.States {
		err := b.rotate(eps, &st, "reading "+s.RoutingControl, func(c awsapi.ARC) error {
			_, err := c.GetRoutingControlState(ctx, &route53recoverycluster.GetRoutingControlStateInput{RoutingControlArn: aws.String(s.RoutingControl)})
			return err
		})
		if err != nil {
			fs = append(fs, Finding{Severity: "error", Resource: s.RoutingControl, Check: "arc-routing-control/control", Message: fmt.Sprintf("cannot read routing control %s: %v", arnName(s.RoutingControl), err)})
		}
	}
	return fs, nil
}
