package drilltest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/drill"
	"github.com/switchyard-dev/switchyard/shared/executor"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
	"github.com/switchyard-dev/switchyard/shared/store"
)

const examples = "../../examples/plans"

func load(t *testing.T, file string) []*plan.Plan {
	t.Helper()
	ps, err := plan.ParseFile(file)
	if err != nil {
		t.Fatalf("parsing %s: %v", file, err)
	}
	return ps
}

// drilled reports whether the drill of p runs workflow w: the workflow
// executor.ResolveWorkflow picks for the plan's default drill target.
func drilled(t *testing.T, p *plan.Plan, w *plan.Workflow) bool {
	t.Helper()
	for _, target := range p.Spec.Regions {
		if got, err := executor.ResolveWorkflow(p, target, ""); err == nil && got == w {
			return true
		}
	}
	return false
}

// unsupported lists the steps of the workflows the drill may run whose
// block shared/blocks does not implement yet (its Checker reports an error
// "<block>/supported"), so a case can say exactly why it cannot run.
func unsupported(t *testing.T, plans []*plan.Plan) []string {
	t.Helper()
	var out []string
	for _, p := range plans {
		// The checks run against an empty world: only the answer of an
		// unimplemented block matters here.
		w, err := sim.New(sim.Options{Clock: clock.Real{}, Regions: p.Spec.Regions})
		if err != nil {
			t.Fatal(err)
		}
		reg := blocks.NewRegistry(w.Clients(), clock.Real{})
		for _, ref := range p.Steps() {
			if !drilled(t, p, ref.Workflow) {
				continue
			}
			c, ok := reg.Checker(ref.Step.Block)
			if !ok {
				continue
			}
			fs, err := c.Check(t.Context(), blocks.Request{Plan: p, Workflow: ref.Workflow, Stage: ref.Stage, Step: ref.Step})
			if err != nil {
				continue
			}
			for _, f := range fs {
				if f.Check == ref.Step.Block+"/supported" && f.Severity == "error" {
					out = append(out, fmt.Sprintf("%s/%s (%s)", p.Metadata.Name, ref.Step.Name, ref.Step.Block))
				}
			}
		}
	}
	return out
}

// withoutSteps returns copies of the plans with the named steps removed
// (stages left empty are dropped); the fault cases use it to run the rest
// of payments.yaml while a block is not implemented.
func withoutSteps(t *testing.T, plans []*plan.Plan, drop []string) []*plan.Plan {
	t.Helper()
	if len(drop) == 0 {
		return plans
	}
	var out []*plan.Plan
	for _, p := range plans {
		doc, err := p.CanonicalJSON()
		if err != nil {
			t.Fatal(err)
		}
		ps, err := plan.Parse(p.Metadata.Name+".json", doc)
		if err != nil || len(ps) != 1 {
			t.Fatalf("re-parsing %s: %v", p.Metadata.Name, err)
		}
		c := ps[0]
		for wi := range c.Spec.Workflows {
			w := &c.Spec.Workflows[wi]
			var stages []plan.Stage
			for _, st := range w.Stages {
				var steps []plan.Step
				for _, s := range st.Steps {
					if !slices.ContainsFunc(drop, func(d string) bool { return strings.HasPrefix(d, p.Metadata.Name+"/"+s.Name+" ") }) || !drilled(t, p, w) {
						steps = append(steps, s)
					}
				}
				if len(steps) > 0 {
					st.Steps = steps
					stages = append(stages, st)
				}
			}
			w.Stages = stages
		}
		out = append(out, c)
	}
	t.Logf("running without steps whose block shared/blocks does not implement yet: %s", strings.Join(drop, ", "))
	return out
}

// checkInvariants asserts what must hold after every run: exactly one
// writer Region (plans with an Aurora global database), traffic served where
// the writer is, the plan lock released and every step transition audited.
// For an active-active plan taken out of a Region (its deactivate
// workflow; data in DynamoDB global tables, so no database writer to move)
// one writer means all traffic, hence all writes, in the target.
func checkInvariants(t *testing.T, r *drill.Result, plans []*plan.Plan) {
	t.Helper()
	inv := r.Invariants
	if len(inv.Problems) > 0 {
		t.Errorf("invariants violated: %s", strings.Join(inv.Problems, "; "))
	}
	if !inv.LockReleased {
		t.Error("plan lock not released")
	}
	if !inv.AuditComplete {
		t.Error("audit incomplete")
	}
	hasDB := false
	for _, p := range plans {
		for _, ref := range p.Steps() {
			hasDB = hasDB || ref.Step.Block == "aurora-global"
		}
	}
	if hasDB {
		if len(inv.Writers) != 1 {
			t.Errorf("writers = %v, want exactly one", inv.Writers)
		} else if len(inv.Traffic) > 0 && !slices.Equal(inv.Traffic, inv.Writers) {
			t.Errorf("traffic goes to %v, writer is %v", inv.Traffic, inv.Writers)
		}
	}
	for _, p := range plans {
		if p.Metadata.Name != r.Plan || p.Spec.Approach != plan.ActiveActive || hasDB {
			continue
		}
		w, err := executor.ResolveWorkflow(p, r.Target, "")
		if err != nil || w.Kind != plan.Deactivate || r.Status != string(store.ExecutionSucceeded) {
			continue
		}
		if inv.WritersFrom != "traffic" || !slices.Equal(inv.Writers, []string{r.Target}) || !slices.Equal(inv.Traffic, []string{r.Target}) {
			t.Errorf("active-active %s taken out of %s: writers %v (from %q), traffic %v; want all traffic, hence all writes, only in %s",
				p.Metadata.Name, r.Source, inv.Writers, inv.WritersFrom, inv.Traffic, r.Target)
		}
	}
	for _, sub := range r.Plans {
		if !sub.Invariants.LockReleased || !sub.Invariants.AuditComplete || len(sub.Invariants.Problems) > 0 {
			t.Errorf("plan %s: invariants %+v", sub.Plan, sub.Invariants)
		}
	}
}

// progressOut is where a run's live view goes: the test's output with -v,
// nowhere otherwise.
func progressOut(t *testing.T) io.Writer {
	if testing.Verbose() {
		return t.Output()
	}
	return nil
}

// TestExamplePlans drills every example plan in both modes.
func TestExamplePlans(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(examples, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example plans: %v", err)
	}
	for _, f := range files {
		for _, mode := range []string{"graceful", "ungraceful"} {
			t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml")+"/"+mode, func(t *testing.T) {
				plans := load(t, f)
				if miss := unsupported(t, plans); len(miss) > 0 {
					t.Skipf("not runnable yet: shared/blocks does not implement the block of %s", strings.Join(miss, ", "))
				}
				r, err := drill.Run(t.Context(), drill.Options{Plans: plans, Mode: mode, Progress: progressOut(t)})
				if err != nil {
					t.Fatal(err)
				}
				refusesUngraceful := mode == "ungraceful" && refuses(plans, r.Target)
				switch {
				case refusesUngraceful:
					// A plan whose step refuses ungraceful mode (RPO 0 by
					// design) must fail cleanly, leaving the writer alone.
					if r.Status == string(store.ExecutionSucceeded) {
						t.Errorf("status SUCCEEDED, want a refusal: a step of the plan refuses ungraceful mode")
					}
				case r.Status != string(store.ExecutionSucceeded):
					t.Errorf("status %s (%s: %s), want SUCCEEDED", r.Status, r.Error, r.Cause)
				case !r.Served:
					t.Errorf("target %s does not serve traffic at the end", r.Target)
				}
				checkInvariants(t, r, plans)
			})
		}
	}
}

// TestPaymentsWorldState drills payments.yaml by default (graceful, into
// us-west-2) and reads the simulated world afterwards: the fence step set
// the SSM write fence in us-east-1 and the event-source-mapping step
// enabled the standby's queue consumer, through the real SSM and Lambda
// calls (no stand-ins).
func TestPaymentsWorldState(t *testing.T) {
	const (
		mapping = "1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"
		fence   = "/payments/write-fence"
	)
	plans := load(t, filepath.Join(examples, "payments.yaml"))
	var world *sim.World
	r, err := drill.Run(t.Context(), drill.Options{Plans: plans, Progress: progressOut(t),
		Setup: func(w *sim.World) error {
			world = w
			// Both start the other way round (sim.World.AddPlanResources),
			// so the assertions below see what the drill changed.
			if got, ok := w.Parameter("us-east-1", fence); !ok || got == "fenced" {
				return fmt.Errorf("before the drill, parameter %s in us-east-1 = %q (present %v), want it present and not fenced", fence, got, ok)
			}
			if got, err := w.EventSourceMappingState(mapping); err != nil || got == "Enabled" {
				return fmt.Errorf("before the drill, event source mapping %s is %q (%v), want it present and not Enabled", mapping, got, err)
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != string(store.ExecutionSucceeded) {
		t.Fatalf("status %s (%s: %s), want SUCCEEDED; steps %+v", r.Status, r.Error, r.Cause, r.Steps)
	}
	checkInvariants(t, r, plans)
	got, err := world.EventSourceMappingState(mapping)
	if err != nil {
		t.Fatalf("event source mapping after the drill: %v", err)
	}
	if got != "Enabled" {
		t.Errorf("event source mapping %s is %s after the drill, want Enabled", mapping, got)
	}
	if v, ok := world.Parameter("us-east-1", fence); !ok || v != "fenced" {
		t.Errorf("SSM parameter %s in us-east-1 = %q (present %v) after the drill, want fenced", fence, v, ok)
	}
}

// refuses reports whether a plan's workflow into target has a step that
// refuses ungraceful mode.
func refuses(plans []*plan.Plan, target string) bool {
	for _, p := range plans {
		w, err := executor.ResolveWorkflow(p, target, "")
		if err != nil {
			continue
		}
		for _, ref := range p.Steps() {
			if ref.Workflow == w &&
				ref.Step.Ungraceful != nil && ref.Step.Ungraceful.Behavior == plan.UngracefulBehavior("refuse") {
				return true
			}
		}
	}
	return false
}

// payments loads payments.yaml, without the steps whose block is not
// implemented yet (logged).
func payments(t *testing.T) []*plan.Plan {
	t.Helper()
	ps := load(t, filepath.Join(examples, "payments.yaml"))
	return withoutSteps(t, ps, unsupported(t, ps))
}

// decisions records the operator decisions a run asked for.
type decisions struct {
	mu    sync.Mutex
	asked []drill.Decision
}

func (d *decisions) record(dec drill.Decision) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.asked = append(d.asked, dec)
}

func stepOf(r *drill.Result, name string) drill.StepResult {
	for _, s := range r.Steps {
		if s.Name == name {
			return s
		}
	}
	return drill.StepResult{}
}

func outputOf(t *testing.T, s drill.StepResult) map[string]any {
	t.Helper()
	m := map[string]any{}
	if len(s.Output) > 0 {
		if err := json.Unmarshal(s.Output, &m); err != nil {
			t.Fatalf("step %s output %s: %v", s.Name, s.Output, err)
		}
	}
	return m
}

// TestFaults is the fault matrix of issue 4's acceptance.
func TestFaults(t *testing.T) {
	tests := []struct {
		name string
		// plans returns the plans to drill.
		plans func(t *testing.T) []*plan.Plan
		mode  string
		// faults are injected when the drill starts.
		faults []string
		// at injects faults when a step first starts running.
		at map[string][]string
		// answers answers operator decisions by step; "*" answers any
		// decision asked in graceful mode (a decision not answered fails
		// the test).
		answers   map[string]string
		duplicate bool
		check     func(t *testing.T, r *drill.Result, w *sim.World, d *decisions)
	}{
		{
			name: "throttling 30% of every call", plans: payments, mode: "graceful",
			faults: []string{"throttle:rate=0.3"},
			check: func(t *testing.T, r *drill.Result, w *sim.World, _ *decisions) {
				// Throttled calls are retried after a backoff, so some step
				// ends later than in the same run without the fault (the
				// throttling is seeded: the run is deterministic).
				clean, err := drill.Run(t.Context(), drill.Options{Plans: payments(t)})
				if err != nil {
					t.Fatal(err)
				}
				later := false
				for _, s := range r.Steps {
					later = later || s.EndedAt.After(stepOf(clean, s.Name).EndedAt)
				}
				if !later {
					t.Errorf("no step ended later with 30%% throttling than without: the fault had no effect")
				}
				if !r.Served {
					t.Error("target does not serve traffic")
				}
			},
		},
		{
			name: "source Region down during the switchover", plans: payments, mode: "graceful",
			at:      map[string][]string{"promote-aurora": {"region-down:us-east-1"}},
			answers: map[string]string{"promote-aurora": "ungraceful"},
			check: func(t *testing.T, r *drill.Result, w *sim.World, d *decisions) {
				if len(d.asked) == 0 || d.asked[0].Step != "promote-aurora" || d.asked[0].Mode != "graceful" {
					t.Fatalf("decisions asked = %+v, want one at promote-aurora in graceful mode", d.asked)
				}
				if r.FinalMode != "ungraceful" {
					t.Errorf("final mode %s, want ungraceful", r.FinalMode)
				}
				losses := w.DataLosses()
				if len(losses) != 1 || losses[0].ToRegion != "us-west-2" {
					t.Fatalf("data losses = %+v, want one failover into us-west-2", losses)
				}
				if want := float64(losses[0].Lost.Milliseconds()) / 1000; r.RPOSeconds != want || r.RPOSeconds <= 0 {
					t.Errorf("rpoSeconds = %v, want the failover's data loss %v (> 0)", r.RPOSeconds, want)
				}
				if !r.Served {
					t.Error("us-west-2 does not serve traffic")
				}
			},
		},
		{
			name: "source Region down from the start", plans: payments, mode: "graceful",
			faults:  []string{"region-down:us-east-1"},
			answers: map[string]string{"*": "ungraceful"},
			check: func(t *testing.T, r *drill.Result, w *sim.World, d *decisions) {
				if len(d.asked) != 1 || d.asked[0].Mode != "graceful" {
					t.Fatalf("decisions asked = %+v, want exactly one, in graceful mode", d.asked)
				}
				if r.FinalMode != "ungraceful" {
					t.Errorf("final mode %s, want ungraceful", r.FinalMode)
				}
				if ops := w.GlobalOps("payments-global"); len(ops) == 0 || ops[len(ops)-1].Kind != "failover" || ops[len(ops)-1].Outcome != "completed" {
					t.Errorf("global operations = %+v, want a completed failover last", ops)
				}
				if r.RPOSeconds <= 0 {
					t.Errorf("rpoSeconds = %v, want the failover's data loss (> 0)", r.RPOSeconds)
				}
			},
		},
		{
			// Ungraceful from the start: the scaling steps complete at their
			// ungraceful minimum percent.
			name: "ECS capacity shortfall: the ungraceful minimum decides", plans: payments, mode: "ungraceful",
			faults: []string{"capacity:region=us-west-2,service=ecs,percent=60"},
			check: func(t *testing.T, r *drill.Result, _ *sim.World, _ *decisions) {
				s := stepOf(r, "scale-api")
				out := outputOf(t, s)
				desired, _ := out["desired"].(float64)
				running, _ := out["running"].(float64)
				if s.Status != string(store.StepSucceeded) || desired == 0 || running >= desired || running < desired*0.6 {
					t.Errorf("scale-api %s with desired %v running %v: want SUCCEEDED degraded, running in [60%%, 100%%) of desired", s.Status, desired, running)
				}
				if out["shortfall"] == nil {
					t.Errorf("scale-api output %v has no shortfall", out)
				}
			},
		},
		{
			name:   "one ARC cluster endpoint down",
			plans:  func(t *testing.T) []*plan.Plan { return load(t, "testdata/arc-failover.yaml") },
			mode:   "graceful",
			faults: []string{"arc-endpoint-down:index=0"},
			check: func(t *testing.T, r *drill.Result, _ *sim.World, _ *decisions) {
				out := outputOf(t, stepOf(r, "route-to-us-west-2"))
				if f, _ := out["endpointFailures"].(float64); f < 1 {
					t.Errorf("route-to-us-west-2 output %v: want at least one endpoint failure rotated past", out)
				}
				if !r.Served {
					t.Error("us-west-2 does not serve traffic")
				}
			},
		},
		{
			// A server-side error (Retryable) that outlasts run-step's own
			// Lambda-level retries (4 calls) fails the first attempt; the
			// step's retry policy starts a second one, which succeeds.
			name: "a step fails once then succeeds on retry", plans: payments, mode: "graceful",
			faults: []string{"error:api=SwitchoverGlobalCluster,service=rds,region=us-west-2,code=InternalFailure,count=4"},
			check: func(t *testing.T, r *drill.Result, w *sim.World, _ *decisions) {
				for _, s := range r.Steps {
					want := 1
					if s.Name == "promote-aurora" {
						want = 2
					}
					if s.Status != string(store.StepSucceeded) || s.Attempts != want {
						t.Errorf("%s %s after %d attempt(s), want SUCCEEDED after %d", s.Name, s.Status, s.Attempts, want)
					}
				}
				if n := w.CallCount("rds", "SwitchoverGlobalCluster", "us-west-2"); n != 5 {
					t.Errorf("SwitchoverGlobalCluster called %d times in us-west-2, want 5 (4 failed, 1 succeeded)", n)
				}
				if ops := w.GlobalOps("payments-global"); len(ops) != 1 || ops[0].Kind != "switchover" || ops[0].Outcome != "completed" {
					t.Errorf("global operations = %+v, want exactly one completed switchover", ops)
				}
			},
		},
		{
			// AccessDenied is Terminal: retrying cannot fix it. scale-workers
			// (default retry policy, onFailure continue) is continued past
			// at once; scale-api (its author's retry policy) is retried,
			// then its operator is asked, with the error, and skips it.
			name: "terminal error: failed-continued and asked with the error", plans: payments, mode: "graceful",
			faults:  []string{"error:api=UpdateService,service=ecs,region=us-west-2,code=AccessDeniedException"},
			answers: map[string]string{"scale-api": "skip"},
			check: func(t *testing.T, r *drill.Result, _ *sim.World, d *decisions) {
				workers, api := stepOf(r, "scale-workers"), stepOf(r, "scale-api")
				if workers.Status != string(store.StepFailed) || !workers.Continued || workers.Attempts != 1 {
					t.Errorf("scale-workers %s continued=%v after %d attempt(s), want FAILED, continued, after 1 (no retries on a Terminal error)",
						workers.Status, workers.Continued, workers.Attempts)
				}
				if api.Status != string(store.StepSkipped) || api.Attempts != 4 {
					t.Errorf("scale-api %s after %d attempt(s), want SKIPPED after 4 (its own retry policy: 3 retries)", api.Status, api.Attempts)
				}
				if strings.Join(r.FailedContinued, ",") != "scale-workers" {
					t.Errorf("failedContinued = %v, want [scale-workers]", r.FailedContinued)
				}
				if len(d.asked) != 1 || !strings.HasPrefix(d.asked[0].Error, "Terminal: ") || !strings.Contains(d.asked[0].Error, "AccessDeniedException") {
					t.Errorf("decisions asked = %+v, want one at scale-api showing the Terminal AccessDeniedException", d.asked)
				}
				if !r.Served {
					t.Error("us-west-2 does not serve traffic")
				}
			},
		},
		{
			// storefront is active-active: traffic starts in both Regions;
			// the drill into eu-west-1 runs deactivate-us-east-1 from
			// eu-west-1 and ends with all traffic (hence all writes) there.
			name: "storefront graceful: us-east-1 taken out of service", plans: storefront, mode: "graceful",
			check: func(t *testing.T, r *drill.Result, w *sim.World, _ *decisions) {
				checkStorefront(t, r, w)
				if st, err := w.EventSourceMappingState(storefrontESM); err != nil || !strings.EqualFold(st, "disabled") {
					t.Errorf("order export mapping in us-east-1 is %q (%v), want disabled (graceful mode reaches us-east-1)", st, err)
				}
			},
		},
		{
			name: "storefront ungraceful with us-east-1 down", plans: storefront, mode: "ungraceful",
			faults: []string{"region-down:us-east-1"},
			check: func(t *testing.T, r *drill.Result, w *sim.World, _ *decisions) {
				checkStorefront(t, r, w)
				if s := stepOf(r, "pause-order-export-use1"); s.Status != string(store.StepSkipped) {
					t.Errorf("pause-order-export-use1 %s, want SKIPPED (ungraceful: us-east-1 is not called)", s.Status)
				}
				if s := stepOf(r, "scale-web-euw1"); !strings.Contains(string(s.Output), `"recorded"`) {
					t.Errorf("scale-web-euw1 output %s: want the recorded peak (ungraceful mode never reads us-east-1)", s.Output)
				}
			},
		},
		{
			name: "duplicate delivery of every Lambda invocation", plans: payments, mode: "graceful",
			duplicate: true,
			check: func(t *testing.T, r *drill.Result, w *sim.World, _ *decisions) {
				ops := w.GlobalOps("payments-global")
				if len(ops) != 1 || ops[0].Kind != "switchover" || ops[0].Outcome != "completed" {
					t.Errorf("global operations = %+v, want exactly one completed switchover", ops)
				}
				approvals := 0
				for _, a := range r.Approvals {
					if a.Kind == "approval" {
						approvals++
					}
				}
				if approvals != 1 {
					t.Errorf("approvals = %+v, want exactly one", r.Approvals)
				}
				for _, s := range r.Steps {
					if s.Attempts != 1 {
						t.Errorf("step %s took %d attempts, want 1", s.Name, s.Attempts)
					}
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plans := tt.plans(t)
			d := &decisions{}
			var world *sim.World
			var once sync.Map
			o := drill.Options{Plans: plans, Mode: tt.mode, Faults: tt.faults, DuplicateDeliveries: tt.duplicate, Progress: progressOut(t),
				Setup: func(w *sim.World) error { world = w; return nil },
				Decide: func(ctx context.Context, dec drill.Decision) (string, error) {
					d.record(dec)
					if a, ok := tt.answers[dec.Step]; ok {
						return a, nil
					}
					if a, ok := tt.answers["*"]; ok && dec.Mode == "graceful" {
						return a, nil
					}
					return "", fmt.Errorf("unexpected operator decision at step %s: %s", dec.Step, dec.Error)
				},
				OnStep: func(c drill.StepChange) {
					specs := tt.at[c.Step]
					if len(specs) == 0 || c.Status != "running" {
						return
					}
					if _, done := once.LoadOrStore(c.Step, true); done {
						return
					}
					for _, s := range specs {
						if _, err := world.InjectSpec(s); err != nil {
							t.Errorf("injecting %s at %s: %v", s, c.Step, err)
						}
					}
				},
			}
			r, err := drill.Run(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != string(store.ExecutionSucceeded) {
				t.Fatalf("status %s (%s: %s), want SUCCEEDED; steps %+v", r.Status, r.Error, r.Cause, r.Steps)
			}
			checkInvariants(t, r, plans)
			tt.check(t, r, world, d)
		})
	}
}

// storefront loads storefront.yaml (active-active, DynamoDB global tables).
func storefront(t *testing.T) []*plan.Plan {
	t.Helper()
	return load(t, filepath.Join(examples, "storefront.yaml"))
}

// storefrontESM is the order-export event source mapping in us-east-1.
const storefrontESM = "6f5e4d3c-2b1a-4098-8776-655443322110"

// checkStorefront: the drill into eu-west-1 ran deactivate-us-east-1;
// traffic was in both Regions at the alarm and ends only in eu-west-1
// (all writes there: the write fence for us-east-1 is set); the RTO runs
// from the alarm to the last client leaving us-east-1 and is bounded below
// by the critical path, whose traffic tail follows the routing control.
func checkStorefront(t *testing.T, r *drill.Result, w *sim.World) {
	t.Helper()
	if r.Workflow != "deactivate-us-east-1" || r.Target != "eu-west-1" || r.Source != "us-east-1" {
		t.Errorf("ran %s into %s from %s, want deactivate-us-east-1 into eu-west-1 from us-east-1", r.Workflow, r.Target, r.Source)
	}
	if !r.Served || !slices.Equal(w.Traffic().Clients, []string{"eu-west-1"}) {
		t.Errorf("served %v, clients %v: want all clients in eu-west-1", r.Served, w.Traffic().Clients)
	}
	if r.RTOSeconds <= 0 || r.RTOSeconds < r.CriticalPathSeconds || r.ServedAt.Sub(r.AlarmAt).Seconds() != r.RTOSeconds {
		t.Errorf("RTO %vs (served %s after the alarm), critical path %vs: want a positive RTO from the alarm to the last client leaving us-east-1, at least the critical path",
			r.RTOSeconds, r.ServedAt.Sub(r.AlarmAt), r.CriticalPathSeconds)
	}
	last := r.CriticalPath[len(r.CriticalPath)-1]
	if last.Kind != "traffic" || last.Step != "route-away-from-us-east-1" || last.Seconds <= 0 {
		t.Errorf("critical path ends with %+v, want the traffic tail after route-away-from-us-east-1", last)
	}
	on, err := w.RoutingControlOn("arn:aws:route53-recovery-control::123456789012:controlpanel/0f1e2d3c4b5a69788796a5b4c3d2e1f0/routingcontrol/a1b2c3d4e5f60718")
	if err != nil || on {
		t.Errorf("us-east-1 routing control on=%v (%v), want Off", on, err)
	}
	if s := stepOf(r, "fence-us-east-1-writes"); s.Status != string(store.StepSucceeded) || !strings.Contains(string(s.Output), `"fenced":true`) {
		t.Errorf("fence-us-east-1-writes %s output %s, want the us-east-1 write fence set", s.Status, s.Output)
	}
}

// TestStorefrontStartsActiveActive: before the drill acts, both Regions
// serve (the drill's world models an active-active application), so the
// RTO measures the move, not a Region that already served alone; in both
// directions traffic ends only in the target, and the RTO is at least the
// critical path (its lower bound).
func TestStorefrontStartsActiveActive(t *testing.T) {
	for _, tc := range []struct{ target, workflow string }{{"eu-west-1", "deactivate-us-east-1"}, {"us-east-1", "deactivate-eu-west-1"}} {
		t.Run(tc.target, func(t *testing.T) {
			var before []string
			var world *sim.World
			r, err := drill.Run(t.Context(), drill.Options{Plans: storefront(t), Target: tc.target, Progress: progressOut(t),
				Setup: func(w *sim.World) error { world, before = w, w.Traffic().Clients; return nil }})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(before, []string{"eu-west-1", "us-east-1"}) {
				t.Errorf("clients before the drill: %v, want both Regions", before)
			}
			if r.Status != string(store.ExecutionSucceeded) {
				t.Fatalf("status %s (%s: %s)", r.Status, r.Error, r.Cause)
			}
			if r.Workflow != tc.workflow || !slices.Equal(world.Traffic().Clients, []string{tc.target}) {
				t.Errorf("ran %s, clients %v; want %s and every client in %s", r.Workflow, world.Traffic().Clients, tc.workflow, tc.target)
			}
			if r.RTOSeconds <= 0 || r.CriticalPathSeconds <= 0 || r.RTOSeconds < r.CriticalPathSeconds {
				t.Errorf("RTO %vs, critical path %vs: want both positive, RTO at least the critical path", r.RTOSeconds, r.CriticalPathSeconds)
			}
			if tc.target == "eu-west-1" {
				checkStorefront(t, r, world)
			}
			checkInvariants(t, r, storefront(t))
		})
	}
}

// TestTriggerPath: payments.yaml's api-5xx trigger, driven by the real
// trigger function, holds its conditions for 3 minutes and starts the
// execution itself; with NoTrigger the drill starts it at the same moment.
func TestTriggerPath(t *testing.T) {
	for _, noTrigger := range []bool{false, true} {
		t.Run(fmt.Sprintf("noTrigger=%v", noTrigger), func(t *testing.T) {
			plans := load(t, filepath.Join(examples, "payments.yaml"))
			r, err := drill.Run(t.Context(), drill.Options{Plans: plans, NoTrigger: noTrigger, Progress: progressOut(t)})
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != string(store.ExecutionSucceeded) {
				t.Fatalf("status %s (%s: %s)", r.Status, r.Error, r.Cause)
			}
			// The hold, plus the modelled service time of the trigger's own
			// calls (drill.DefaultLatency), which is well under a second.
			if got, hold := r.StartedAt.Sub(r.AlarmAt), 3*time.Minute; got < hold || got > hold+time.Second {
				t.Errorf("execution started %s after the alarm, want the trigger's hold %s (plus under 1s of service time)", got, hold)
			}
			byTrigger := strings.Contains(r.TriggerPath, "execution started by the trigger")
			if byTrigger == noTrigger {
				t.Errorf("trigger path %q (noTrigger %v)", r.TriggerPath, noTrigger)
			}
			if !noTrigger && !strings.HasPrefix(r.ExecutionID, "trg-") {
				t.Errorf("execution %s: want the trigger's client token as its name", r.ExecutionID)
			}
			checkInvariants(t, r, plans)
		})
	}
}

// TestGroupRunsBackToBack: the plans of a dependency group run one right
// after the other — virtual time must not jump to the world's next timer
// between them (it once added 5 minutes to ledger-group's ungraceful RTO).
func TestGroupRunsBackToBack(t *testing.T) {
	for _, mode := range []string{"graceful", "ungraceful"} {
		t.Run(mode, func(t *testing.T) {
			plans := load(t, filepath.Join(examples, "ledger-group.yaml"))
			r, err := drill.Run(t.Context(), drill.Options{Plans: plans, Mode: mode, Progress: progressOut(t)})
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != string(store.ExecutionSucceeded) {
				t.Fatalf("status %s (%s: %s)", r.Status, r.Error, r.Cause)
			}
			if r.Overhead > 1.05 {
				t.Errorf("overhead ×%.3f (RTO %.1fs, critical path %.1fs): orchestration added more than 5%%", r.Overhead, r.RTOSeconds, r.CriticalPathSeconds)
			}
		})
	}
}
