package sim

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
)

// Options configure a World.
type Options struct {
	// Clock is the shared clock; required.
	Clock clock.Clock
	// Regions are the Regions of the world, e.g. us-east-1 and us-west-2.
	// Regions used by ARC cluster endpoints are added automatically.
	Regions []string
	// Seed makes random faults (throttling) deterministic.
	Seed int64
	// Durations of operations; zero fields take DefaultDurations.
	Durations Durations
	// Account is the AWS account ID used in ARNs (default 123456789012).
	Account string
	// Logger receives debug lines about faults and transitions (optional).
	Logger *slog.Logger
}

// World is the simulated multi-Region AWS. All methods are safe for
// concurrent use.
type World struct {
	mu      sync.Mutex
	clk     clock.Clock
	d       Durations
	seed    uint64
	account string
	log     *slog.Logger

	regions     map[string]*regionState
	regionOrder []string

	globals     map[string]*globalCluster
	dbClusters  map[string]*dbCluster  // region/id
	dbInstances map[string]*dbInstance // region/id
	ecsClusters map[string]bool        // region/cluster
	ecs         map[string]*ecsService // region/cluster/service
	asgs        map[string]*asg        // region/name
	nodegroups  map[string]*nodegroup  // region/cluster/name
	arc         arcState
	r53         route53State
	cw          cloudWatchState
	lambdas     map[string]*lambdaFunc // arn
	secrets     map[string]*secret     // region/name
	roles       map[string][]Statement // role ARN
	s3          s3State
	esms        map[string]*eventSourceMapping // UUID
	params      map[string]*ssmParameter       // region/name
	tables      map[string]*ddbTable           // region/name
	web         webState

	faults  []*activeFault
	nextID  int
	buckets map[string]*tokenBucket
	limits  map[string]rateLimit // service/api ("" = all)
	latency time.Duration
	calls   map[CallKey]int

	scheduled []scheduled
	timer     clock.Timer
	timerAt   time.Time

	subscribers []func(Event)
	outbox      []Event
	delivering  bool
	eventSeq    int
	dataLoss    []DataLoss
	counter     int
}

type regionState struct {
	down         bool
	controlDown  bool
	downSince    time.Time
	controlSince time.Time
}

type scheduled struct {
	at time.Time
	fn func(at time.Time)
}

// New builds an empty World.
func New(opts Options) (*World, error) {
	if opts.Clock == nil {
		return nil, fmt.Errorf("sim: Options.Clock is required")
	}
	w := &World{
		clk:         opts.Clock,
		d:           opts.Durations.withDefaults(),
		seed:        uint64(opts.Seed),
		account:     opts.Account,
		log:         opts.Logger,
		regions:     map[string]*regionState{},
		globals:     map[string]*globalCluster{},
		dbClusters:  map[string]*dbCluster{},
		dbInstances: map[string]*dbInstance{},
		ecsClusters: map[string]bool{},
		ecs:         map[string]*ecsService{},
		asgs:        map[string]*asg{},
		nodegroups:  map[string]*nodegroup{},
		lambdas:     map[string]*lambdaFunc{},
		secrets:     map[string]*secret{},
		esms:        map[string]*eventSourceMapping{},
		params:      map[string]*ssmParameter{},
		tables:      map[string]*ddbTable{},
		roles:       map[string][]Statement{},
		buckets:     map[string]*tokenBucket{},
		limits:      map[string]rateLimit{},
		calls:       map[CallKey]int{},
	}
	if w.account == "" {
		w.account = "123456789012"
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	w.arc.init()
	w.r53.init()
	w.cw.init()
	w.s3.init()
	w.web.init()
	if len(opts.Regions) == 0 {
		return nil, fmt.Errorf("sim: Options.Regions is empty; name at least one Region")
	}
	for _, r := range opts.Regions {
		if r == "" {
			return nil, fmt.Errorf("sim: Options.Regions contains an empty Region name")
		}
		w.addRegion(r)
	}
	return w, nil
}

func (w *World) addRegion(r string) {
	if _, ok := w.regions[r]; ok {
		return
	}
	w.regions[r] = &regionState{}
	w.regionOrder = append(w.regionOrder, r)
}

// Clock returns the world's clock.
func (w *World) Clock() clock.Clock { return w.clk }

// Durations returns the effective durations.
func (w *World) Durations() Durations { return w.d }

// Account returns the account ID used in ARNs.
func (w *World) Account() string { return w.account }

// Regions lists the world's Regions in the order they were added.
func (w *World) Regions() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.regionOrder)
}

func (w *World) checkRegion(r string) error {
	if _, ok := w.regions[r]; !ok {
		return fmt.Errorf("region %q: %w (world has %v)", r, ErrUnknownRegion, w.regionOrder)
	}
	return nil
}

func (w *World) dataUp(r string) bool {
	st, ok := w.regions[r]
	return ok && !st.down
}

func (w *World) controlUp(r string) bool {
	st, ok := w.regions[r]
	return ok && !st.down && !st.controlDown
}

// SetRegionDown takes a whole Region (control and data plane) down or
// brings it back.
func (w *World) SetRegionDown(region string, down bool) error {
	return w.mutate(func(now time.Time) error {
		if err := w.checkRegion(region); err != nil {
			return err
		}
		st := w.regions[region]
		if st.down != down {
			st.down = down
			st.downSince = now
			w.log.Debug("sim region availability", "region", region, "down", down)
		}
		if !down {
			w.regionRecovered(region, now)
		}
		return nil
	})
}

// SetControlPlaneDown takes a Region's control plane down (data-plane calls
// still work) or brings it back.
func (w *World) SetControlPlaneDown(region string, down bool) error {
	return w.mutate(func(now time.Time) error {
		if err := w.checkRegion(region); err != nil {
			return err
		}
		st := w.regions[region]
		if st.controlDown != down {
			st.controlDown = down
			st.controlSince = now
		}
		return nil
	})
}

// RegionStatus is the availability of one Region.
type RegionStatus struct {
	Region         string
	DataPlaneUp    bool
	ControlPlaneUp bool
}

// RegionStatuses reports every Region's availability.
func (w *World) RegionStatuses() []RegionStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]RegionStatus, 0, len(w.regionOrder))
	for _, r := range w.regionOrder {
		out = append(out, RegionStatus{Region: r, DataPlaneUp: w.dataUp(r), ControlPlaneUp: w.controlUp(r)})
	}
	return out
}

// mutate runs f under the lock between two settles, so lazily derived state
// is computed with the conditions that held before and after the change.
func (w *World) mutate(f func(now time.Time) error) error {
	w.mu.Lock()
	now := w.clk.Now()
	w.settle(now)
	err := f(now)
	w.settle(now)
	deliver := w.afterChange(now)
	w.mu.Unlock()
	if deliver {
		w.clk.Go(w.drain)
	}
	return err
}

// afterChange records the traffic answer, arms the wake-up timer and
// reports whether events wait for delivery. Called with the lock held.
func (w *World) afterChange(now time.Time) bool {
	w.noteTraffic(now)
	w.arm(now)
	return len(w.outbox) > 0 && !w.delivering
}

// schedule runs fn(at) during the first settle at or after at.
func (w *World) schedule(at time.Time, fn func(at time.Time)) {
	w.scheduled = append(w.scheduled, scheduled{at: at, fn: fn})
	sort.SliceStable(w.scheduled, func(i, j int) bool { return w.scheduled[i].at.Before(w.scheduled[j].at) })
}

// settle brings every lazily modelled resource up to now, in time order.
func (w *World) settle(now time.Time) {
	for {
		// The earliest pending transition among scheduled items and
		// global-cluster operations.
		next, ok := w.nextTransition()
		if !ok || next.After(now) {
			break
		}
		w.step(next)
	}
	for _, s := range w.ecs {
		s.fleet.advance(now, w.capacityPercent(s.region, "ecs"))
	}
	for _, a := range w.asgs {
		a.fleet.advance(now, w.capacityPercent(a.region, "asg"))
	}
	for _, n := range w.nodegroups {
		n.fleet.advance(now, w.capacityPercent(n.region, "eks"))
	}
	for _, inst := range w.dbInstances {
		inst.advance(now)
	}
}

// nextTransition is the earliest time something changes by itself.
func (w *World) nextTransition() (time.Time, bool) {
	var best time.Time
	found := false
	consider := func(t time.Time) {
		if !found || t.Before(best) {
			best, found = t, true
		}
	}
	if len(w.scheduled) > 0 {
		consider(w.scheduled[0].at)
	}
	for _, id := range w.globalIDs() {
		if t, ok := w.globals[id].nextTransition(w); ok {
			consider(t)
		}
	}
	return best, found
}

// step performs every transition due at exactly t.
func (w *World) step(t time.Time) {
	for len(w.scheduled) > 0 && !w.scheduled[0].at.After(t) {
		s := w.scheduled[0]
		w.scheduled = w.scheduled[1:]
		s.fn(s.at)
	}
	for _, id := range w.globalIDs() {
		g := w.globals[id]
		if nt, ok := g.nextTransition(w); ok && !nt.After(t) {
			g.transition(w, nt)
		}
	}
	w.noteTraffic(t)
}

// arm makes sure a timer wakes the world at its next transition, so events
// are emitted at the moment they happen even if nobody calls.
func (w *World) arm(now time.Time) {
	next, ok := w.nextTransition()
	if !ok {
		return
	}
	if w.timer != nil && !w.timerAt.After(next) && w.timerAt.After(now) {
		return
	}
	if w.timer != nil {
		w.timer.Stop()
	}
	w.timerAt = next
	w.timer = w.clk.AfterFunc(next.Sub(now), w.wake)
}

func (w *World) wake() {
	w.mu.Lock()
	now := w.clk.Now()
	w.timer = nil
	w.settle(now)
	deliver := w.afterChange(now)
	w.mu.Unlock()
	if deliver {
		w.drain()
	}
}

// now settles the world and returns the current time; lock held.
func (w *World) settleNow() time.Time {
	now := w.clk.Now()
	w.settle(now)
	return now
}

// newID returns a deterministic counter for synthetic identifiers.
func (w *World) newID() int {
	w.counter++
	return w.counter
}

// do runs an API body under the lock after the call pipeline (accounting,
// latency, availability, faults) let it through.
func (w *World) do(ctx context.Context, service, api, region string, body func(now time.Time) error) error {
	if err := w.admit(ctx, service, api, region); err != nil {
		return opError(service, api, err)
	}
	w.mu.Lock()
	now := w.settleNow()
	err := body(now)
	w.settle(now)
	deliver := w.afterChange(now)
	w.mu.Unlock()
	if deliver {
		w.clk.Go(w.drain)
	}
	if err != nil {
		return opError(service, api, err)
	}
	return nil
}
