package sim

import "time"

// fleet is the lazily advanced capacity model shared by ECS services, Auto
// Scaling groups and EKS node groups: units are placed when requested and
// run after a start-up time, as far as capacity allows.
type fleet struct {
	desired, running int32
	launches         []launch
	startup          time.Duration
	quota            int32 // at most this many running; 0 = no quota
	minHealthy       int32
	healthy          bool
	healthySince     time.Time
	blocked          bool // some units are ready but cannot be placed
	lastAdvance      time.Time
}

type launch struct {
	n       int32
	readyAt time.Time
}

func (f *fleet) pending() int32 {
	var n int32
	for _, l := range f.launches {
		n += l.n
	}
	return n
}

func (f *fleet) setDesired(now time.Time, n int32) {
	total := f.running + f.pending()
	switch {
	case n > total:
		f.launches = append(f.launches, launch{n: n - total, readyAt: now.Add(f.startup)})
	case n < total:
		cut := total - n
		for i := len(f.launches) - 1; i >= 0 && cut > 0; i-- {
			d := min(cut, f.launches[i].n)
			f.launches[i].n -= d
			cut -= d
		}
		f.running -= cut
		f.compact()
	}
	f.desired = n
	f.updateHealth(now)
}

func (f *fleet) compact() {
	out := f.launches[:0]
	for _, l := range f.launches {
		if l.n > 0 {
			out = append(out, l)
		}
	}
	f.launches = out
}

// advance starts every unit whose start-up is over, up to capacity.
func (f *fleet) advance(now time.Time, pct int) {
	limit := f.desired * int32(pct) / 100
	if f.quota > 0 {
		limit = min(limit, f.quota)
	}
	f.blocked = false
	for i := range f.launches {
		l := &f.launches[i]
		if l.readyAt.After(now) {
			continue
		}
		admit := max(0, min(l.n, limit-f.running))
		if admit > 0 {
			f.running += admit
			l.n -= admit
			// Conditions were constant since the last advance, so a unit
			// blocked until then was placed at that moment.
			f.updateHealth(laterOf(l.readyAt, f.lastAdvance))
		}
		if l.n > 0 {
			f.blocked = true
		}
	}
	f.compact()
	f.lastAdvance = now
}

func (f *fleet) updateHealth(t time.Time) {
	h := f.running >= max(1, f.minHealthy)
	if h && !f.healthy {
		f.healthySince = t
	}
	f.healthy = h
}
