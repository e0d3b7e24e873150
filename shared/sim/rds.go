package sim

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// FailoverStatusSwitchingOver is the FailoverState status the RDS API
// reports during a switchover; the SDK's enum does not list it.
const FailoverStatusSwitchingOver rdstypes.FailoverStatus = "switching-over"

// LagFunc gives a secondary's replication lag at a moment.
type LagFunc func(t time.Time) time.Duration

// ConstantLag is a flat replication lag.
func ConstantLag(d time.Duration) LagFunc { return func(time.Time) time.Duration { return d } }

// WaveLag oscillates between base and base+amplitude with the given period.
func WaveLag(base, amplitude, period time.Duration) LagFunc {
	return func(t time.Time) time.Duration {
		if period <= 0 {
			return base
		}
		ph := float64(t.UnixNano()%int64(period)) / float64(period)
		return base + time.Duration(float64(amplitude)*(0.5-0.5*math.Cos(2*math.Pi*ph)))
	}
}

// GlobalClusterSpec describes an Aurora global database.
type GlobalClusterSpec struct {
	// ID is the global cluster identifier.
	ID string
	// Engine defaults to aurora-postgresql.
	Engine        string
	EngineVersion string
	// Members: exactly one has Writer set.
	Members []MemberSpec
	// Lag of every secondary over time (default ConstantLag(800ms)).
	Lag LagFunc
}

// MemberSpec is one Regional cluster of a global database.
type MemberSpec struct {
	Region    string
	ClusterID string
	Writer    bool
	// InstanceClass of the cluster's instances (default db.r6g.large;
	// db.serverless for Serverless v2).
	InstanceClass string
	// Instances is the number of DB instances (default 1).
	Instances int
	// ServerlessMin/Max ACUs when InstanceClass is db.serverless.
	ServerlessMin, ServerlessMax float64
}

type dbCluster struct {
	region, id, arn, global string
	engine, version         string
	svMin, svMax            float64
	instances               []string
}

type dbInstance struct {
	region, id, arn, cluster string
	class, pendingClass      string
	modifyDone               time.Time
}

func (i *dbInstance) advance(now time.Time) {
	if i.pendingClass != "" && !now.Before(i.modifyDone) {
		i.class, i.pendingClass = i.pendingClass, ""
	}
}

type memberSync int

const (
	syncConnected memberSync = iota
	syncResyncing            // rejoining after a failover, done at resyncAt
	syncDetached             // old primary whose Region was down; rejoins when reachable
)

type member struct {
	region, clusterID, arn string
	sync                   memberSync
	resyncAt               time.Time
}

type lagSpike struct {
	start  time.Time
	peak   time.Duration
	hold   time.Duration
	region string
}

func (s lagSpike) at(t time.Time) time.Duration {
	if t.Before(s.start) {
		return 0
	}
	over := t.Sub(s.start) - s.hold
	if over <= 0 {
		return s.peak
	}
	return max(0, s.peak-over)
}

type opKind string

const (
	opSwitchover opKind = "switchover"
	opFailover   opKind = "failover"
)

type opPhase int

const (
	phasePending opPhase = iota
	phaseSwitching
	phaseDemoted
	phasePromoted
	phaseFailingOver
	phaseCancelling
)

type globalOp struct {
	kind      opKind
	from, to  int
	phase     opPhase
	startedAt time.Time
	phaseAt   time.Time
	drainedAt time.Time
	lost      time.Duration
	failure   string
}

// GlobalOpRecord is a finished (or running) switchover or failover.
type GlobalOpRecord struct {
	GlobalCluster string
	// Kind is "switchover" or "failover".
	Kind       string
	FromRegion string
	ToRegion   string
	StartedAt  time.Time
	EndedAt    time.Time
	// Outcome is "completed", "failed" or "" while running.
	Outcome string
	// DataLoss is the replication lag accepted by a failover (0 for a
	// switchover): the RPO achieved.
	DataLoss time.Duration
	// Reason explains a failure.
	Reason string
}

// DataLoss is a failover's data-loss window.
type DataLoss struct {
	GlobalCluster string
	FromRegion    string
	ToRegion      string
	At            time.Time
	Lost          time.Duration
}

type globalCluster struct {
	id, arn, engine, version string
	members                  []*member
	writer                   int
	lag                      LagFunc
	spikes                   []lagSpike
	op                       *globalOp
	history                  []GlobalOpRecord
}

func (w *World) globalIDs() []string {
	ids := make([]string, 0, len(w.globals))
	for id := range w.globals {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (w *World) clusterARN(region, id string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:cluster:%s", region, w.account, id)
}

// AddGlobalCluster adds an Aurora global database and its Regional clusters
// and instances.
func (w *World) AddGlobalCluster(spec GlobalClusterSpec) error {
	return w.mutate(func(now time.Time) error {
		if spec.ID == "" {
			return fmt.Errorf("global cluster: ID is empty")
		}
		if _, ok := w.globals[spec.ID]; ok {
			return fmt.Errorf("global cluster %q: %w", spec.ID, ErrDuplicate)
		}
		if len(spec.Members) < 2 {
			return fmt.Errorf("global cluster %q: needs at least 2 members, got %d", spec.ID, len(spec.Members))
		}
		g := &globalCluster{id: spec.ID, arn: fmt.Sprintf("arn:aws:rds::%s:global-cluster:%s", w.account, spec.ID),
			engine: spec.Engine, version: spec.EngineVersion, lag: spec.Lag, writer: -1}
		if g.engine == "" {
			g.engine = "aurora-postgresql"
		}
		if g.version == "" {
			g.version = "16.4"
		}
		if g.lag == nil {
			g.lag = ConstantLag(800 * time.Millisecond)
		}
		seen := map[string]bool{}
		for i, m := range spec.Members {
			if err := w.checkRegion(m.Region); err != nil {
				return fmt.Errorf("global cluster %q member %d: %w", spec.ID, i, err)
			}
			if m.ClusterID == "" {
				return fmt.Errorf("global cluster %q member %d (%s): ClusterID is empty", spec.ID, i, m.Region)
			}
			if seen[m.Region] {
				return fmt.Errorf("global cluster %q: two members in %s; one per Region", spec.ID, m.Region)
			}
			seen[m.Region] = true
			if _, dup := w.dbClusters[m.Region+"/"+m.ClusterID]; dup {
				return fmt.Errorf("DB cluster %s in %s: %w", m.ClusterID, m.Region, ErrDuplicate)
			}
			if m.Writer {
				if g.writer >= 0 {
					return fmt.Errorf("global cluster %q: more than one member has Writer set", spec.ID)
				}
				g.writer = i
			}
		}
		if g.writer < 0 {
			return fmt.Errorf("global cluster %q: no member has Writer set; exactly one must", spec.ID)
		}
		for _, m := range spec.Members {
			c := &dbCluster{region: m.Region, id: m.ClusterID, arn: w.clusterARN(m.Region, m.ClusterID), global: spec.ID,
				engine: g.engine, version: g.version}
			class := m.InstanceClass
			if class == "" {
				class = "db.r6g.large"
			}
			if class == "db.serverless" {
				c.svMin, c.svMax = m.ServerlessMin, m.ServerlessMax
				if c.svMax == 0 {
					c.svMin, c.svMax = 0.5, 16
				}
			}
			n := m.Instances
			if n <= 0 {
				n = 1
			}
			for k := 1; k <= n; k++ {
				id := fmt.Sprintf("%s-instance-%d", m.ClusterID, k)
				c.instances = append(c.instances, id)
				w.dbInstances[m.Region+"/"+id] = &dbInstance{region: m.Region, id: id, cluster: m.ClusterID, class: class,
					arn: fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", m.Region, w.account, id)}
			}
			w.dbClusters[m.Region+"/"+m.ClusterID] = c
			g.members = append(g.members, &member{region: m.Region, clusterID: m.ClusterID, arn: c.arn})
		}
		w.globals[spec.ID] = g
		return nil
	})
}

// lagOf is member i's replication lag at t (0 for the writer).
func (g *globalCluster) lagOf(i int, t time.Time) time.Duration {
	if i == g.writer {
		return 0
	}
	l := g.lag(t)
	for _, s := range g.spikes {
		if s.region == "" || s.region == g.members[i].region {
			l += s.at(t)
		}
	}
	return max(0, l)
}

// writable reports whether the writer currently accepts writes.
func (g *globalCluster) writable() bool {
	if g.op == nil {
		return true
	}
	switch g.op.phase {
	case phasePending, phaseCancelling:
		return true
	case phasePromoted:
		return true // writer already moved
	}
	return false
}

func (g *globalCluster) nextTransition(w *World) (time.Time, bool) {
	var best time.Time
	found := false
	consider := func(t time.Time) {
		if !found || t.Before(best) {
			best, found = t, true
		}
	}
	for _, m := range g.members {
		if m.sync == syncResyncing {
			consider(m.resyncAt)
		}
	}
	if op := g.op; op != nil {
		from := g.members[op.from].region
		switch op.phase {
		case phasePending:
			consider(op.phaseAt.Add(w.d.SwitchoverPending))
		case phaseSwitching, phaseDemoted:
			if !w.dataUp(from) {
				consider(laterOf(op.phaseAt, w.regions[from].downSince))
			} else if op.phase == phaseSwitching {
				consider(op.drainedAt.Add(w.d.SwitchoverDemote))
			} else {
				consider(op.drainedAt.Add(w.d.SwitchoverPromote))
			}
		case phasePromoted:
			consider(op.drainedAt.Add(w.d.SwitchoverFinish))
		case phaseFailingOver:
			consider(op.phaseAt.Add(w.d.Failover))
		case phaseCancelling:
			consider(op.phaseAt.Add(w.d.Cancel))
		}
	}
	return best, found
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// transition performs the transition due at t.
func (g *globalCluster) transition(w *World, t time.Time) {
	for _, m := range g.members {
		if m.sync == syncResyncing && !m.resyncAt.After(t) {
			m.sync = syncConnected
			w.rdsEvent(t, m.region, m, "RDS-EVENT-0241",
				fmt.Sprintf("Finished resynchronizing members of DB cluster %s in Region %s after global failover.", m.clusterID, m.region))
		}
	}
	op := g.op
	if op == nil {
		return
	}
	from, to := g.members[op.from], g.members[op.to]
	due, ok := g.nextTransition(w)
	if !ok || due.After(t) {
		return
	}
	switch op.phase {
	case phasePending:
		if op.kind == opFailover {
			op.phase, op.phaseAt = phaseFailingOver, t
			return
		}
		if !w.dataUp(from.region) {
			g.cancel(w, t, fmt.Sprintf("source Region %s is unreachable", from.region))
			return
		}
		op.phase, op.phaseAt = phaseSwitching, t
		lag := g.lagOf(op.to, t)
		op.drainedAt = t.Add(lag)
		if lag > w.d.LagDrained {
			w.rdsEvent(t, to.region, to, "RDS-EVENT-0183",
				fmt.Sprintf("Waiting for data synchronization across global cluster members. Current lags behind primary DB cluster: %s.", lag.Round(time.Millisecond)))
		}
	case phaseSwitching, phaseDemoted:
		if !w.dataUp(from.region) {
			g.cancel(w, t, fmt.Sprintf("source Region %s became unreachable during the switchover", from.region))
			return
		}
		if op.phase == phaseSwitching {
			op.phase, op.phaseAt = phaseDemoted, t
			w.rdsEvent(t, from.region, from, "RDS-EVENT-0182",
				fmt.Sprintf("Old primary DB cluster %s in Region %s successfully shut down.", from.clusterID, from.region))
			return
		}
		op.phase, op.phaseAt = phasePromoted, t
		g.writer = op.to
		w.rdsEvent(t, to.region, to, "RDS-EVENT-0184",
			fmt.Sprintf("New primary DB cluster %s in Region %s was successfully promoted.", to.clusterID, to.region))
	case phasePromoted:
		g.finish(w, t, "completed", "")
		w.rdsEvent(t, to.region, to, "RDS-EVENT-0185",
			fmt.Sprintf("Global switchover to DB cluster %s in Region %s finished.", to.clusterID, to.region))
	case phaseFailingOver:
		g.writer = op.to
		g.finish(w, t, "completed", "")
		w.dataLoss = append(w.dataLoss, DataLoss{GlobalCluster: g.id, FromRegion: from.region, ToRegion: to.region, At: op.startedAt, Lost: op.lost})
		w.rdsEvent(t, to.region, to, "RDS-EVENT-0238",
			fmt.Sprintf("Global failover to DB cluster %s in Region %s completed.", to.clusterID, to.region))
		if w.dataUp(from.region) {
			g.startResync(w, from, t)
		} else {
			from.sync = syncDetached
		}
	case phaseCancelling:
		g.op = nil
	}
}

func (g *globalCluster) startResync(w *World, m *member, t time.Time) {
	m.sync, m.resyncAt = syncResyncing, t.Add(w.d.Resync)
	w.rdsEvent(t, m.region, m, "RDS-EVENT-0240",
		fmt.Sprintf("Started resynchronizing members of DB cluster %s in Region %s after global failover.", m.clusterID, m.region))
}

func (g *globalCluster) cancel(w *World, t time.Time, reason string) {
	op := g.op
	to := g.members[op.to]
	g.finish(w, t, "failed", reason)
	g.op = &globalOp{kind: op.kind, from: op.from, to: op.to, phase: phaseCancelling, startedAt: op.startedAt, phaseAt: t}
	w.rdsEvent(t, to.region, to, "RDS-EVENT-0187",
		fmt.Sprintf("Global switchover to DB cluster %s in Region %s failed.", to.clusterID, to.region))
}

// finish records the operation's outcome and clears it.
func (g *globalCluster) finish(w *World, t time.Time, outcome, reason string) {
	op := g.op
	for i := len(g.history) - 1; i >= 0; i-- {
		if g.history[i].Outcome == "" {
			g.history[i].Outcome, g.history[i].EndedAt, g.history[i].Reason = outcome, t, reason
			break
		}
	}
	g.op = nil
	_ = op
}

// regionRecovered lets old primaries in region rejoin as secondaries.
func (w *World) regionRecovered(region string, now time.Time) {
	w.s3Recovered(now)
	for _, id := range w.globalIDs() {
		g := w.globals[id]
		for _, m := range g.members {
			if m.region == region && m.sync == syncDetached {
				g.startResync(w, m, now)
			}
		}
	}
}

// RDSEventDetail is the detail of an "RDS DB Cluster Event" as EventBridge
// delivers it.
type RDSEventDetail struct {
	EventCategories  []string `json:"EventCategories"`
	SourceType       string   `json:"SourceType"`
	SourceArn        string   `json:"SourceArn"`
	Date             string   `json:"Date"`
	Message          string   `json:"Message"`
	SourceIdentifier string   `json:"SourceIdentifier"`
	EventID          string   `json:"EventID"`
}

func (w *World) rdsEvent(t time.Time, region string, m *member, id, msg string) {
	d := RDSEventDetail{EventCategories: []string{"global-failover"}, SourceType: "CLUSTER", SourceArn: m.arn,
		Date: t.UTC().Format("2006-01-02T15:04:05.000Z"), Message: msg, SourceIdentifier: m.clusterID, EventID: id}
	w.emit(t, region, "aws.rds", "RDS DB Cluster Event", []string{m.arn}, d)
}

// findMember resolves a cluster identifier or ARN within g.
func (g *globalCluster) findMember(ref string) int {
	for i, m := range g.members {
		if m.arn == ref || m.clusterID == ref {
			return i
		}
	}
	return -1
}

func (w *World) globalSnapshot(g *globalCluster) rdstypes.GlobalCluster {
	out := rdstypes.GlobalCluster{
		GlobalClusterIdentifier: aws.String(g.id), GlobalClusterArn: aws.String(g.arn),
		GlobalClusterResourceId: aws.String("cluster-" + strings.ReplaceAll(g.id, "-", "")),
		Engine:                  aws.String(g.engine), EngineVersion: aws.String(g.version),
		Status: aws.String("available"), StorageEncrypted: aws.Bool(true), DeletionProtection: aws.Bool(true),
		Endpoint: aws.String(g.id + ".global-abc123.global.rds.amazonaws.com"),
	}
	for i, m := range g.members {
		gm := rdstypes.GlobalClusterMember{DBClusterArn: aws.String(m.arn), IsWriter: aws.Bool(i == g.writer),
			SynchronizationStatus: rdstypes.GlobalClusterMemberSynchronizationStatusConnected}
		if m.sync != syncConnected {
			gm.SynchronizationStatus = rdstypes.GlobalClusterMemberSynchronizationStatusPendingResync
		}
		if i == g.writer {
			for j, o := range g.members {
				if j != i {
					gm.Readers = append(gm.Readers, o.arn)
				}
			}
		}
		out.GlobalClusterMembers = append(out.GlobalClusterMembers, gm)
	}
	if op := g.op; op != nil {
		st := rdstypes.FailoverStatusPending
		switch op.phase {
		case phaseSwitching, phaseDemoted, phasePromoted:
			st = FailoverStatusSwitchingOver
		case phaseFailingOver:
			st = rdstypes.FailoverStatusFailingOver
		case phaseCancelling:
			st = rdstypes.FailoverStatusCancelling
		}
		out.FailoverState = &rdstypes.FailoverState{Status: st, FromDbClusterArn: aws.String(g.members[op.from].arn),
			ToDbClusterArn: aws.String(g.members[op.to].arn), IsDataLossAllowed: aws.Bool(op.kind == opFailover)}
		if op.phase != phaseCancelling {
			if op.kind == opFailover {
				out.Status = aws.String("failing-over")
			} else {
				out.Status = aws.String("switching-over")
			}
		}
	}
	return out
}

// RDSClient is a Region's simulated RDS API.
type RDSClient struct {
	w      *World
	region string
}

// RDS returns the RDS client for region.
func (w *World) RDS(region string) *RDSClient { return &RDSClient{w: w, region: region} }

func missing(name string) error {
	return apiError("MissingParameter", fmt.Sprintf("The request must contain the parameter %s", name), faultClient)
}

// DescribeGlobalClusters lists global clusters, or the one named.
func (c *RDSClient) DescribeGlobalClusters(ctx context.Context, in *rds.DescribeGlobalClustersInput, _ ...func(*rds.Options)) (*rds.DescribeGlobalClustersOutput, error) {
	out := &rds.DescribeGlobalClustersOutput{}
	err := c.w.do(ctx, svcRDS, "DescribeGlobalClusters", c.region, func(time.Time) error {
		for _, id := range c.w.globalIDs() {
			g := c.w.globals[id]
			if in != nil && in.GlobalClusterIdentifier != nil && *in.GlobalClusterIdentifier != id && *in.GlobalClusterIdentifier != g.arn {
				continue
			}
			out.GlobalClusters = append(out.GlobalClusters, c.w.globalSnapshot(g))
		}
		if in != nil && in.GlobalClusterIdentifier != nil && len(out.GlobalClusters) == 0 {
			return &rdstypes.GlobalClusterNotFoundFault{Message: aws.String(fmt.Sprintf("Global cluster %s not found.", *in.GlobalClusterIdentifier))}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func failoverStatusOf(w *World, g *globalCluster) string {
	if s := w.globalSnapshot(g).FailoverState; s != nil {
		return string(s.Status)
	}
	return "none"
}

// startGlobalOp validates and starts a switchover or failover.
func (c *RDSClient) startGlobalOp(now time.Time, globalID, target *string, kind opKind) (*rdstypes.GlobalCluster, error) {
	w := c.w
	if globalID == nil || *globalID == "" {
		return nil, missing("GlobalClusterIdentifier")
	}
	if target == nil || *target == "" {
		return nil, missing("TargetDbClusterIdentifier")
	}
	g, ok := w.globals[*globalID]
	if !ok {
		return nil, &rdstypes.GlobalClusterNotFoundFault{Message: aws.String(fmt.Sprintf("Global cluster %s not found.", *globalID))}
	}
	to := g.findMember(*target)
	if to < 0 {
		return nil, &rdstypes.DBClusterNotFoundFault{Message: aws.String(fmt.Sprintf("DB cluster %s is not a member of global cluster %s.", *target, *globalID))}
	}
	if g.op != nil {
		return nil, &rdstypes.InvalidGlobalClusterStateFault{Message: aws.String(fmt.Sprintf(
			"Global cluster %s is not available: a %s to %s is in progress (FailoverState %s).",
			*globalID, g.op.kind, g.members[g.op.to].clusterID, failoverStatusOf(w, g)))}
	}
	if to == g.writer {
		return nil, &rdstypes.InvalidGlobalClusterStateFault{Message: aws.String(fmt.Sprintf(
			"DB cluster %s is already the primary cluster of global cluster %s.", g.members[to].clusterID, *globalID))}
	}
	if g.members[to].sync != syncConnected {
		return nil, &rdstypes.InvalidGlobalClusterStateFault{Message: aws.String(fmt.Sprintf(
			"DB cluster %s of global cluster %s is resynchronizing and cannot be promoted yet.", g.members[to].clusterID, *globalID))}
	}
	if !w.dataUp(g.members[to].region) {
		return nil, &rdstypes.InvalidDBClusterStateFault{Message: aws.String(fmt.Sprintf(
			"DB cluster %s in %s is not available.", g.members[to].clusterID, g.members[to].region))}
	}
	op := &globalOp{kind: kind, from: g.writer, to: to, phase: phasePending, startedAt: now, phaseAt: now}
	if kind == opFailover {
		op.lost = g.lagOf(to, now)
	}
	g.op = op
	rec := GlobalOpRecord{GlobalCluster: g.id, Kind: string(kind), FromRegion: g.members[g.writer].region,
		ToRegion: g.members[to].region, StartedAt: now, DataLoss: op.lost}
	g.history = append(g.history, rec)
	if kind == opSwitchover {
		m := g.members[to]
		w.rdsEvent(now, m.region, m, "RDS-EVENT-0181",
			fmt.Sprintf("Global switchover to DB cluster %s in Region %s started.", m.clusterID, m.region))
	}
	snap := w.globalSnapshot(g)
	return &snap, nil
}

// SwitchoverGlobalCluster starts a graceful switchover (RPO 0) to the named
// secondary. The source Region must stay reachable; the writer moves once
// the lag has drained and the new primary is promoted.
func (c *RDSClient) SwitchoverGlobalCluster(ctx context.Context, in *rds.SwitchoverGlobalClusterInput, _ ...func(*rds.Options)) (*rds.SwitchoverGlobalClusterOutput, error) {
	if in == nil {
		in = &rds.SwitchoverGlobalClusterInput{}
	}
	out := &rds.SwitchoverGlobalClusterOutput{}
	err := c.w.do(ctx, svcRDS, "SwitchoverGlobalCluster", c.region, func(now time.Time) error {
		g, err := c.startGlobalOp(now, in.GlobalClusterIdentifier, in.TargetDbClusterIdentifier, opSwitchover)
		out.GlobalCluster = g
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FailoverGlobalCluster fails over (AllowDataLoss: true, losing the lag at
// that moment) or switches over (Switchover: true or neither flag) to the
// named secondary.
func (c *RDSClient) FailoverGlobalCluster(ctx context.Context, in *rds.FailoverGlobalClusterInput, _ ...func(*rds.Options)) (*rds.FailoverGlobalClusterOutput, error) {
	if in == nil {
		in = &rds.FailoverGlobalClusterInput{}
	}
	out := &rds.FailoverGlobalClusterOutput{}
	err := c.w.do(ctx, svcRDS, "FailoverGlobalCluster", c.region, func(now time.Time) error {
		allow, sw := aws.ToBool(in.AllowDataLoss), aws.ToBool(in.Switchover)
		if allow && sw {
			return apiError("InvalidParameterCombination", "Specify either AllowDataLoss or Switchover, not both.", faultClient)
		}
		kind := opSwitchover
		if allow {
			kind = opFailover
		}
		g, err := c.startGlobalOp(now, in.GlobalClusterIdentifier, in.TargetDbClusterIdentifier, kind)
		out.GlobalCluster = g
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *RDSClient) clusterSnapshot(cl *dbCluster) rdstypes.DBCluster {
	w := c.w
	out := rdstypes.DBCluster{DBClusterIdentifier: aws.String(cl.id), DBClusterArn: aws.String(cl.arn),
		Status: aws.String("available"), Engine: aws.String(cl.engine), EngineVersion: aws.String(cl.version),
		Endpoint:       aws.String(fmt.Sprintf("%s.cluster-abc123.%s.rds.amazonaws.com", cl.id, cl.region)),
		ReaderEndpoint: aws.String(fmt.Sprintf("%s.cluster-ro-abc123.%s.rds.amazonaws.com", cl.id, cl.region)),
		MultiAZ:        aws.Bool(len(cl.instances) > 1), StorageEncrypted: aws.Bool(true)}
	writer := false
	if cl.global != "" {
		out.GlobalClusterIdentifier = aws.String(cl.global)
		if g := w.globals[cl.global]; g != nil {
			writer = g.members[g.writer].region == cl.region && g.members[g.writer].clusterID == cl.id
			if !writer {
				out.ReplicationSourceIdentifier = aws.String(g.members[g.writer].arn)
			}
		}
	}
	if cl.svMax > 0 {
		out.ServerlessV2ScalingConfiguration = &rdstypes.ServerlessV2ScalingConfigurationInfo{MinCapacity: aws.Float64(cl.svMin), MaxCapacity: aws.Float64(cl.svMax)}
	}
	for i, id := range cl.instances {
		out.DBClusterMembers = append(out.DBClusterMembers, rdstypes.DBClusterMember{DBInstanceIdentifier: aws.String(id),
			IsClusterWriter: aws.Bool(writer && i == 0), PromotionTier: aws.Int32(1)})
	}
	return out
}

func (w *World) findCluster(region, ref string) *dbCluster {
	if c, ok := w.dbClusters[region+"/"+ref]; ok {
		return c
	}
	for _, c := range w.dbClusters {
		if c.region == region && c.arn == ref {
			return c
		}
	}
	return nil
}

// DescribeDBClusters lists the Region's DB clusters, or the one named.
func (c *RDSClient) DescribeDBClusters(ctx context.Context, in *rds.DescribeDBClustersInput, _ ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error) {
	out := &rds.DescribeDBClustersOutput{}
	err := c.w.do(ctx, svcRDS, "DescribeDBClusters", c.region, func(time.Time) error {
		if in != nil && in.DBClusterIdentifier != nil {
			cl := c.w.findCluster(c.region, *in.DBClusterIdentifier)
			if cl == nil {
				return &rdstypes.DBClusterNotFoundFault{Message: aws.String(fmt.Sprintf("DBCluster %s not found.", *in.DBClusterIdentifier))}
			}
			out.DBClusters = append(out.DBClusters, c.clusterSnapshot(cl))
			return nil
		}
		keys := sortedKeys(c.w.dbClusters)
		for _, k := range keys {
			if cl := c.w.dbClusters[k]; cl.region == c.region {
				out.DBClusters = append(out.DBClusters, c.clusterSnapshot(cl))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *RDSClient) instanceSnapshot(inst *dbInstance) rdstypes.DBInstance {
	out := rdstypes.DBInstance{DBInstanceIdentifier: aws.String(inst.id), DBInstanceArn: aws.String(inst.arn),
		DBInstanceClass: aws.String(inst.class), DBInstanceStatus: aws.String("available"),
		DBClusterIdentifier: aws.String(inst.cluster), Engine: aws.String("aurora-postgresql")}
	if cl := c.w.dbClusters[inst.region+"/"+inst.cluster]; cl != nil {
		out.Engine = aws.String(cl.engine)
	}
	if inst.pendingClass != "" {
		out.DBInstanceStatus = aws.String("modifying")
		out.PendingModifiedValues = &rdstypes.PendingModifiedValues{DBInstanceClass: aws.String(inst.pendingClass)}
	}
	return out
}

// DescribeDBInstances lists the Region's DB instances, the one named, or
// those matching a db-cluster-id filter.
func (c *RDSClient) DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	out := &rds.DescribeDBInstancesOutput{}
	err := c.w.do(ctx, svcRDS, "DescribeDBInstances", c.region, func(time.Time) error {
		var clusterFilter []string
		if in != nil {
			for _, f := range in.Filters {
				if aws.ToString(f.Name) == "db-cluster-id" {
					clusterFilter = append(clusterFilter, f.Values...)
				}
			}
		}
		for _, k := range sortedKeys(c.w.dbInstances) {
			inst := c.w.dbInstances[k]
			if inst.region != c.region {
				continue
			}
			if in != nil && in.DBInstanceIdentifier != nil && *in.DBInstanceIdentifier != inst.id && *in.DBInstanceIdentifier != inst.arn {
				continue
			}
			if len(clusterFilter) > 0 {
				cl := c.w.dbClusters[inst.region+"/"+inst.cluster]
				match := false
				for _, v := range clusterFilter {
					match = match || v == inst.cluster || (cl != nil && v == cl.arn)
				}
				if !match {
					continue
				}
			}
			out.DBInstances = append(out.DBInstances, c.instanceSnapshot(inst))
		}
		if in != nil && in.DBInstanceIdentifier != nil && len(out.DBInstances) == 0 {
			return &rdstypes.DBInstanceNotFoundFault{Message: aws.String(fmt.Sprintf("DBInstance %s not found.", *in.DBInstanceIdentifier))}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ModifyDBCluster changes a cluster's Serverless v2 capacity range (applied
// at once); other fields are ignored.
func (c *RDSClient) ModifyDBCluster(ctx context.Context, in *rds.ModifyDBClusterInput, _ ...func(*rds.Options)) (*rds.ModifyDBClusterOutput, error) {
	if in == nil {
		in = &rds.ModifyDBClusterInput{}
	}
	out := &rds.ModifyDBClusterOutput{}
	err := c.w.do(ctx, svcRDS, "ModifyDBCluster", c.region, func(time.Time) error {
		if in.DBClusterIdentifier == nil {
			return missing("DBClusterIdentifier")
		}
		cl := c.w.findCluster(c.region, *in.DBClusterIdentifier)
		if cl == nil {
			return &rdstypes.DBClusterNotFoundFault{Message: aws.String(fmt.Sprintf("DBCluster %s not found.", *in.DBClusterIdentifier))}
		}
		if sc := in.ServerlessV2ScalingConfiguration; sc != nil {
			lo, hi := aws.ToFloat64(sc.MinCapacity), aws.ToFloat64(sc.MaxCapacity)
			if sc.MinCapacity == nil {
				lo = cl.svMin
			}
			if sc.MaxCapacity == nil {
				hi = cl.svMax
			}
			if lo < 0 || hi < 1 || hi > 256 || lo > hi {
				return apiError("InvalidParameterCombination", fmt.Sprintf(
					"Serverless v2 capacity must satisfy 0 <= MinCapacity <= MaxCapacity <= 256 and MaxCapacity >= 1 (got %g..%g).", lo, hi), faultClient)
			}
			cl.svMin, cl.svMax = lo, hi
		}
		snap := c.clusterSnapshot(cl)
		out.DBCluster = &snap
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ModifyDBInstance changes an instance's class; the instance is "modifying"
// for Durations.InstanceModify and then reports the new class.
func (c *RDSClient) ModifyDBInstance(ctx context.Context, in *rds.ModifyDBInstanceInput, _ ...func(*rds.Options)) (*rds.ModifyDBInstanceOutput, error) {
	if in == nil {
		in = &rds.ModifyDBInstanceInput{}
	}
	out := &rds.ModifyDBInstanceOutput{}
	err := c.w.do(ctx, svcRDS, "ModifyDBInstance", c.region, func(now time.Time) error {
		if in.DBInstanceIdentifier == nil {
			return missing("DBInstanceIdentifier")
		}
		inst := c.w.dbInstances[c.region+"/"+*in.DBInstanceIdentifier]
		if inst == nil {
			return &rdstypes.DBInstanceNotFoundFault{Message: aws.String(fmt.Sprintf("DBInstance %s not found.", *in.DBInstanceIdentifier))}
		}
		if cls := aws.ToString(in.DBInstanceClass); cls != "" && cls != inst.class {
			if !strings.HasPrefix(cls, "db.") {
				return apiError("InvalidParameterValue", fmt.Sprintf("Invalid DB instance class: %s", cls), faultClient)
			}
			if inst.pendingClass != "" {
				return &rdstypes.InvalidDBInstanceStateFault{Message: aws.String(fmt.Sprintf("DB instance %s is already being modified.", inst.id))}
			}
			inst.pendingClass, inst.modifyDone = cls, now.Add(c.w.d.InstanceModify)
		}
		snap := c.instanceSnapshot(inst)
		out.DBInstance = &snap
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GlobalOps lists the switchovers and failovers of a global cluster.
func (w *World) GlobalOps(globalID string) []GlobalOpRecord {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.settleNow()
	g := w.globals[globalID]
	if g == nil {
		return nil
	}
	return append([]GlobalOpRecord(nil), g.history...)
}

// DataLosses lists the data-loss windows of completed failovers.
func (w *World) DataLosses() []DataLoss {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.settleNow()
	return append([]DataLoss(nil), w.dataLoss...)
}

// ReplicationLag is the lag of the global cluster's member in region now.
func (w *World) ReplicationLag(globalID, region string) (time.Duration, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.settleNow()
	g := w.globals[globalID]
	if g == nil {
		return 0, fmt.Errorf("replication lag: global cluster %q not found (have %v)", globalID, w.globalIDs())
	}
	for i, m := range g.members {
		if m.region == region {
			return g.lagOf(i, now), nil
		}
	}
	return 0, fmt.Errorf("replication lag: global cluster %q has no member in %s", globalID, region)
}
