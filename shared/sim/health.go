package sim

import (
	"slices"
	"time"
)

type trafficChange struct {
	at      time.Time
	regions []string
}

// noteTraffic records the authoritative DNS answer if it changed; lock held.
func (w *World) noteTraffic(at time.Time) {
	w.noteEndpoints(at)
	ans := w.dnsAnswer(at)
	if n := len(w.r53.history); n > 0 && slices.Equal(w.r53.history[n-1].regions, ans) {
		return
	}
	if len(w.r53.history) == 0 && len(ans) == 0 {
		return
	}
	w.r53.history = append(w.r53.history, trafficChange{at: at, regions: ans})
}

// clientAnswer is what clients use at t: answers reach them DNSTTL after
// they change (the first answer is in effect at once).
func (w *World) clientAnswer(t time.Time) ([]string, time.Time) {
	var regions []string
	var since time.Time
	for i, h := range w.r53.history {
		eff := h.at.Add(w.d.DNSTTL)
		if i == 0 {
			eff = h.at
		}
		if eff.After(t) {
			break
		}
		regions, since = h.regions, eff
	}
	return regions, since
}

// Traffic is where the application's clients are sent.
type Traffic struct {
	// Answer is the authoritative DNS answer now.
	Answer []string
	// Clients are the Regions clients use now (Answer, DNSTTL later).
	Clients []string
	// ClientsSince is when Clients took effect.
	ClientsSince time.Time
}

// Traffic reports the DNS answer and where clients go.
func (w *World) Traffic() Traffic {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.settleNow()
	w.noteTraffic(now)
	cl, since := w.clientAnswer(now)
	return Traffic{Answer: w.dnsAnswer(now), Clients: slices.Clone(cl), ClientsSince: since}
}

// RegionHealth is the application's state in one Region.
type RegionHealth struct {
	Region         string
	DataPlaneUp    bool
	ControlPlaneUp bool
	// CanWrite: a global cluster writer here is accepting writes.
	CanWrite bool
	// Healthy: data plane up and every ECS service, Auto Scaling group and
	// node group here has at least its MinHealthy units running.
	Healthy bool
	// HealthySince is when Healthy last became true.
	HealthySince time.Time
	// ReceivesTraffic: clients are sent here.
	ReceivesTraffic bool
}

// healthOf computes a Region's app health; lock held, settled.
func (w *World) healthOf(r string, now time.Time) RegionHealth {
	h := RegionHealth{Region: r, DataPlaneUp: w.dataUp(r), ControlPlaneUp: w.controlUp(r)}
	h.CanWrite = slices.Contains(w.writers(), r)
	h.Healthy = h.DataPlaneUp
	since := w.regions[r].downSince
	n := 0
	check := func(region string, f *fleet) {
		if region != r {
			return
		}
		n++
		if !f.healthy {
			h.Healthy = false
		}
		since = laterOf(since, f.healthySince)
	}
	for _, s := range w.ecs {
		check(s.region, &s.fleet)
	}
	for _, a := range w.asgs {
		check(a.region, &a.fleet)
	}
	for _, g := range w.nodegroups {
		check(g.region, &g.fleet)
	}
	if h.Healthy {
		h.HealthySince = since
	}
	cl, _ := w.clientAnswer(now)
	h.ReceivesTraffic = slices.Contains(cl, r)
	return h
}

// Health reports every Region's application state.
func (w *World) Health() []RegionHealth {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.settleNow()
	w.noteTraffic(now)
	var out []RegionHealth
	for _, r := range w.regionOrder {
		out = append(out, w.healthOf(r, now))
	}
	return out
}

// writers lists Regions whose global-cluster writer accepts writes; lock
// held.
func (w *World) writers() []string {
	var out []string
	for _, id := range w.globalIDs() {
		g := w.globals[id]
		r := g.members[g.writer].region
		if g.writable() && w.dataUp(r) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// Writers lists the Regions where a global cluster's writer is accepting
// writes now. After a run there must be exactly one.
func (w *World) Writers() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.settleNow()
	return w.writers()
}

// Writer returns the writer Region of a global cluster (whether or not it
// accepts writes at this instant, e.g. mid-switchover).
func (w *World) Writer(globalID string) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.settleNow()
	g := w.globals[globalID]
	if g == nil {
		return "", false
	}
	return g.members[g.writer].region, true
}

// ServingRegion is the single Region clients are sent to, when its data
// plane is up and its application healthy.
func (w *World) ServingRegion() (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.settleNow()
	w.noteTraffic(now)
	cl, _ := w.clientAnswer(now)
	if len(cl) != 1 {
		return "", false
	}
	h := w.healthOf(cl[0], now)
	return cl[0], h.Healthy
}

// ServedSince is when region started serving traffic (clients sent there
// and its application healthy), for RTO: ok is false if it is not serving.
func (w *World) ServedSince(region string) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.settleNow()
	w.noteTraffic(now)
	cl, since := w.clientAnswer(now)
	if !slices.Contains(cl, region) {
		return time.Time{}, false
	}
	h := w.healthOf(region, now)
	if !h.Healthy {
		return time.Time{}, false
	}
	return laterOf(since, h.HealthySince), true
}
