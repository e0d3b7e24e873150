package drill

import (
	"fmt"
	"time"
)

// PathSegment is one link of the critical path.
type PathSegment struct {
	// Kind is "trigger-hold", "stage" or "traffic".
	Kind string `json:"kind"`
	// Name is the trigger or stage name.
	Name string `json:"name"`
	// Step is the step whose inherent duration bounds the stage ("" for the
	// trigger hold or a stage with no inherent duration).
	Step string `json:"step,omitempty"`
	// Seconds is the segment's length.
	Seconds float64 `json:"seconds"`
	// Basis says where the figure comes from.
	Basis string `json:"basis"`
}

// Inherent is the inherent duration of one step on this world: what the
// step's AWS operation or deliberate wait takes with zero orchestration cost.
type Inherent struct {
	Duration time.Duration
	// Basis says where the figure comes from, e.g. "sim: switchover record
	// 10:00:00→10:01:25" or "approval answered after 0s".
	Basis string
}

// pathStage is one stage as the critical-path computation sees it.
type pathStage struct {
	Name  string
	Steps []pathStep
}

// pathStep is one step with its inherent duration and, for the step that
// moved traffic, the start of its last attempt (when its action ran).
type pathStep struct {
	Name     string
	Inherent Inherent
	// LastAttemptAt is when the step's last attempt started (zero if the
	// step never ran).
	LastAttemptAt time.Time
	// MovesTraffic marks blocks that move traffic (stop-signal,
	// arc-routing-control, route53-record).
	MovesTraffic bool
}

// criticalPath computes the lower bound of the RTO for a run: the longest
// chain of inherent durations from the alarm (or start) to the target
// serving traffic, with zero orchestration cost. Stages run in order and the
// steps of a stage in parallel, so the chain is:
//
//	hold                                  the trigger's hold time (all its
//	                                      conditions' longest "for"); 0 when
//	                                      the drill starts directly
//	+ Σ over the stages before the        the longest inherent duration among
//	  traffic stage                       the stage's steps (see Inherent)
//	+ servedAt − last attempt start of    the traffic tail as the simulator
//	  the traffic step                    records it (alarm evaluation,
//	                                      health check, DNS TTL)
//
// The traffic stage is the first stage holding a traffic-moving step that
// ran; stages after it do not delay the RTO and are left out. Without a
// served time (the target never served) or a traffic step, every stage
// counts and there is no tail. When the target served traffic before any
// traffic step acted (say Route 53 health checks moved it because the source
// Region is down), the plan had nothing to add: the path is origin →
// servedAt.
func criticalPath(holdName string, hold time.Duration, stages []pathStage, origin, servedAt time.Time) ([]PathSegment, time.Duration) {
	if !servedAt.IsZero() && !servedAt.Before(origin) {
		acted := false
		for _, st := range stages {
			for _, s := range st.Steps {
				acted = acted || s.MovesTraffic && !s.LastAttemptAt.IsZero() && !servedAt.Before(s.LastAttemptAt)
			}
		}
		if !acted {
			d := servedAt.Sub(origin)
			return []PathSegment{{Kind: "traffic", Name: "automatic", Seconds: seconds(d),
				Basis: fmt.Sprintf("sim: the target served traffic at %s, before any traffic step acted (health checks moved it)", servedAt.UTC().Format(time.TimeOnly))}}, d
		}
	}
	var segs []PathSegment
	total := time.Duration(0)
	if hold > 0 {
		segs = append(segs, PathSegment{Kind: "trigger-hold", Name: holdName, Seconds: seconds(hold),
			Basis: "the trigger's conditions held for their longest duration"})
		total += hold
	}
	for _, st := range stages {
		var traffic *pathStep
		for i := range st.Steps {
			s := &st.Steps[i]
			if s.MovesTraffic && !s.LastAttemptAt.IsZero() && !servedAt.IsZero() && !servedAt.Before(s.LastAttemptAt) {
				if traffic == nil || s.LastAttemptAt.After(traffic.LastAttemptAt) {
					traffic = s
				}
			}
		}
		if traffic != nil {
			tail := servedAt.Sub(traffic.LastAttemptAt)
			segs = append(segs, PathSegment{Kind: "traffic", Name: st.Name, Step: traffic.Name, Seconds: seconds(tail),
				Basis: fmt.Sprintf("sim: target served at %s, %s after the step's action", servedAt.UTC().Format(time.TimeOnly), tail)})
			total += tail
			return segs, total
		}
		var longest *pathStep
		for i := range st.Steps {
			if s := &st.Steps[i]; longest == nil || s.Inherent.Duration > longest.Inherent.Duration {
				longest = s
			}
		}
		seg := PathSegment{Kind: "stage", Name: st.Name, Basis: "no steps"}
		if longest != nil {
			seg.Step, seg.Seconds, seg.Basis = longest.Name, seconds(longest.Inherent.Duration), longest.Inherent.Basis
			total += longest.Inherent.Duration
		}
		segs = append(segs, seg)
	}
	return segs, total
}
