package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// FaultKind names a kind of injectable fault.
type FaultKind string

// The fault kinds, as written in fault specs.
const (
	FaultThrottle         FaultKind = "throttle"
	FaultError            FaultKind = "error"
	FaultRegionDown       FaultKind = "region-down"
	FaultControlPlaneDown FaultKind = "control-plane-down"
	FaultLagSpike         FaultKind = "lag-spike"
	FaultCapacity         FaultKind = "capacity"
	FaultARCEndpointDown  FaultKind = "arc-endpoint-down"
	FaultLatency          FaultKind = "latency"
	FaultRateLimit        FaultKind = "rate-limit"
)

// faultKeys lists, per kind, the keys a spec may use; required keys first,
// marked with a leading '!'.
var faultKeys = map[FaultKind][]string{
	FaultThrottle:         {"!rate", "api", "service", "region"},
	FaultError:            {"!code", "api", "service", "region", "count", "message"},
	FaultRegionDown:       {"!region"},
	FaultControlPlaneDown: {"!region"},
	FaultLagSpike:         {"!cluster", "!seconds", "hold", "region"},
	FaultCapacity:         {"!region", "!service", "!percent"},
	FaultARCEndpointDown:  {"!index", "cluster"},
	FaultLatency:          {"!ms", "api", "service", "region"},
	FaultRateLimit:        {"!rps", "burst", "api", "service", "region"},
}

// FaultKinds lists the supported kinds in a stable order.
func FaultKinds() []FaultKind {
	out := make([]FaultKind, 0, len(faultKeys))
	for k := range faultKeys {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Fault is one injectable fault. Which fields matter depends on Kind; empty
// API, Service or Region match every call.
type Fault struct {
	Kind FaultKind
	// API is an operation name such as UpdateService.
	API string
	// Service is a short service name: rds, ecs, autoscaling, eks, arc,
	// route53, cloudwatch, lambda, secretsmanager, iam, s3, ssm, dynamodb
	// (for capacity: ecs, asg or eks).
	Service string
	// Region is the Region the fault applies to.
	Region string
	// Rate is the probability (0..1) of throttling a matching call.
	Rate float64
	// Code and Message of an injected API error.
	Code    string
	Message string
	// Count is how many matching calls fail; 0 means every call.
	Count int
	// Cluster is a global cluster ID (lag-spike) or ARC cluster name.
	Cluster string
	// Seconds is the extra replication lag of a lag spike.
	Seconds float64
	// Hold is how long a lag spike holds its peak before draining at one
	// second per second.
	Hold time.Duration
	// Percent of the requested capacity that can be placed.
	Percent int
	// Index of an ARC cluster endpoint (0..4).
	Index int
	// Latency added to each matching call.
	Latency time.Duration
	// RPS and Burst of a per-API token bucket.
	RPS   float64
	Burst int
}

// String renders the fault as a spec that ParseFault accepts.
func (f Fault) String() string {
	var kv []string
	add := func(k, v string) {
		if v != "" {
			kv = append(kv, k+"="+v)
		}
	}
	switch f.Kind {
	case FaultRegionDown, FaultControlPlaneDown:
		return string(f.Kind) + ":" + f.Region
	case FaultThrottle:
		add("rate", strconv.FormatFloat(f.Rate, 'g', -1, 64))
	case FaultError:
		add("code", f.Code)
		if f.Count > 0 {
			add("count", strconv.Itoa(f.Count))
		}
		add("message", f.Message)
	case FaultLagSpike:
		add("cluster", f.Cluster)
		add("seconds", strconv.FormatFloat(f.Seconds, 'g', -1, 64))
		if f.Hold > 0 {
			add("hold", strconv.FormatFloat(f.Hold.Seconds(), 'g', -1, 64))
		}
	case FaultCapacity:
		add("percent", strconv.Itoa(f.Percent))
	case FaultARCEndpointDown:
		add("index", strconv.Itoa(f.Index))
		add("cluster", f.Cluster)
	case FaultLatency:
		add("ms", strconv.FormatInt(f.Latency.Milliseconds(), 10))
	case FaultRateLimit:
		add("rps", strconv.FormatFloat(f.RPS, 'g', -1, 64))
		if f.Burst > 0 {
			add("burst", strconv.Itoa(f.Burst))
		}
	}
	add("api", f.API)
	add("service", f.Service)
	add("region", f.Region)
	return string(f.Kind) + ":" + strings.Join(kv, ",")
}

// FaultSpecError is a bad fault spec, with the spec and what is allowed.
type FaultSpecError struct {
	Spec   string
	Reason string
}

// Error renders the spec and the reason.
func (e *FaultSpecError) Error() string {
	return fmt.Sprintf("fault spec %q: %s", e.Spec, e.Reason)
}

// ParseFault parses a drill --fault spec: KIND or KIND:key=value,... (the
// Region-wide kinds also take KIND:REGION). Examples:
//
//	throttle:rate=0.3
//	throttle:api=UpdateService,rate=1
//	error:api=SwitchoverGlobalCluster,region=us-east-1,code=InternalFailure,count=1
//	region-down:us-east-1
//	control-plane-down:us-east-1
//	lag-spike:cluster=payments-global,seconds=45
//	capacity:region=us-west-2,service=ecs,percent=60
//	arc-endpoint-down:index=0
//	latency:ms=50
//	rate-limit:api=DescribeGlobalClusters,rps=5,burst=5
//	throttle:service=s3,api=PutObject,rate=0.5
//	error:service=ssm,api=PutParameter,code=InternalServerError,count=1
func ParseFault(spec string) (Fault, error) {
	bad := func(format string, a ...any) (Fault, error) {
		return Fault{}, &FaultSpecError{Spec: spec, Reason: fmt.Sprintf(format, a...)}
	}
	s := strings.TrimSpace(spec)
	if s == "" {
		return bad("empty; want KIND[:key=value,...] with KIND one of %s", kindList())
	}
	kindStr, rest, hasArgs := strings.Cut(s, ":")
	kind := FaultKind(strings.TrimSpace(kindStr))
	allowed, ok := faultKeys[kind]
	if !ok {
		return bad("unknown kind %q; allowed: %s", kindStr, kindList())
	}
	vals := map[string]string{}
	if hasArgs {
		if strings.TrimSpace(rest) == "" {
			return bad("nothing after %q; allowed keys: %s", kindStr+":", keyList(allowed))
		}
		for i, part := range strings.Split(rest, ",") {
			part = strings.TrimSpace(part)
			k, v, isKV := strings.Cut(part, "=")
			if !isKV {
				if i == 0 && (kind == FaultRegionDown || kind == FaultControlPlaneDown) && !strings.Contains(rest, ",") {
					k, v = "region", part
				} else {
					return bad("argument %d %q is not key=value; allowed keys: %s", i+1, part, keyList(allowed))
				}
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !slices.Contains(allowed, k) && !slices.Contains(allowed, "!"+k) {
				return bad("unknown key %q for %s; allowed keys: %s", k, kind, keyList(allowed))
			}
			if _, dup := vals[k]; dup {
				return bad("key %q given twice", k)
			}
			if v == "" {
				return bad("key %q has an empty value", k)
			}
			vals[k] = v
		}
	}
	for _, k := range allowed {
		if name, req := strings.CutPrefix(k, "!"); req {
			if _, ok := vals[name]; !ok {
				return bad("%s needs %s=...; allowed keys: %s", kind, name, keyList(allowed))
			}
		}
	}
	f := Fault{Kind: kind, API: vals["api"], Region: vals["region"], Cluster: vals["cluster"], Code: vals["code"], Message: vals["message"]}
	if sv, ok := vals["service"]; ok {
		if kind == FaultCapacity {
			if sv != "ecs" && sv != "asg" && sv != "eks" {
				return bad("service %q: capacity applies to ecs, asg or eks", sv)
			}
		} else if _, ok := serviceKeys[sv]; !ok {
			return bad("unknown service %q; allowed: %s", sv, strings.Join(sortedKeys(serviceKeys), ", "))
		}
		f.Service = sv
	}
	num := func(k string, lo, hi float64) (float64, error) {
		v, ok := vals[k]
		if !ok {
			return 0, nil
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("%s=%q is not a number", k, v)
		}
		if x < lo || x > hi {
			return 0, fmt.Errorf("%s=%s is out of range [%g, %g]", k, v, lo, hi)
		}
		return x, nil
	}
	integer := func(k string, lo, hi int) (int, error) {
		v, ok := vals[k]
		if !ok {
			return 0, nil
		}
		x, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("%s=%q is not an integer", k, v)
		}
		if x < lo || x > hi {
			return 0, fmt.Errorf("%s=%d is out of range [%d, %d]", k, x, lo, hi)
		}
		return x, nil
	}
	var err error
	var x float64
	switch kind {
	case FaultThrottle:
		f.Rate, err = num("rate", 0, 1)
	case FaultError:
		f.Count, err = integer("count", 0, math.MaxInt32)
	case FaultLagSpike:
		if f.Seconds, err = num("seconds", 0, 7*24*3600); err == nil && f.Seconds <= 0 {
			err = errors.New("seconds must be greater than 0")
		}
		if err == nil {
			x, err = num("hold", 0, 7*24*3600)
			f.Hold = time.Duration(x * float64(time.Second))
		}
	case FaultCapacity:
		f.Percent, err = integer("percent", 0, 100)
	case FaultARCEndpointDown:
		f.Index, err = integer("index", 0, 4)
	case FaultLatency:
		x, err = num("ms", 0, 10*60*1000)
		f.Latency = time.Duration(x * float64(time.Millisecond))
	case FaultRateLimit:
		if f.RPS, err = num("rps", 0, 1e6); err == nil && f.RPS <= 0 {
			err = errors.New("rps must be greater than 0")
		}
		if err == nil {
			f.Burst, err = integer("burst", 1, 1e6)
		}
	}
	if err != nil {
		return bad("%v", err)
	}
	return f, nil
}

func kindList() string {
	var s []string
	for _, k := range FaultKinds() {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

func keyList(keys []string) string {
	var s []string
	for _, k := range keys {
		if name, req := strings.CutPrefix(k, "!"); req {
			s = append(s, name+" (required)")
		} else {
			s = append(s, k)
		}
	}
	return strings.Join(s, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// FaultID identifies an injected fault for removal.
type FaultID int

type activeFault struct {
	id        FaultID
	f         Fault
	remaining int // error faults with Count > 0
	at        time.Time
}

// InjectedFault is a fault as recorded by the world.
type InjectedFault struct {
	ID         FaultID
	Fault      Fault
	InjectedAt time.Time
}

// InjectSpec parses spec and injects it.
func (w *World) InjectSpec(spec string) (FaultID, error) {
	f, err := ParseFault(spec)
	if err != nil {
		return 0, err
	}
	return w.Inject(f)
}

// Inject applies a fault from now on. Region-down and control-plane-down
// faults take the Region down until the fault is removed; a lag spike adds
// lag to the named global cluster's secondaries.
func (w *World) Inject(f Fault) (FaultID, error) {
	var id FaultID
	err := w.mutate(func(now time.Time) error {
		if f.Region != "" {
			if err := w.checkRegion(f.Region); err != nil {
				return fmt.Errorf("injecting %s: %w", f, err)
			}
		}
		if _, ok := faultKeys[f.Kind]; !ok {
			return fmt.Errorf("injecting fault: unknown kind %q; allowed: %s", f.Kind, kindList())
		}
		switch f.Kind {
		case FaultRegionDown:
			w.regions[f.Region].down = true
			w.regions[f.Region].downSince = now
		case FaultControlPlaneDown:
			w.regions[f.Region].controlDown = true
			w.regions[f.Region].controlSince = now
		case FaultLagSpike:
			g, ok := w.globals[f.Cluster]
			if !ok {
				return fmt.Errorf("injecting %s: global cluster %q not found (have %v)", f, f.Cluster, w.globalIDs())
			}
			g.spikes = append(g.spikes, lagSpike{start: now, peak: secs(f.Seconds), hold: f.Hold, region: f.Region})
		case FaultARCEndpointDown:
			if f.Cluster != "" {
				if _, ok := w.arc.clusters[f.Cluster]; !ok {
					return fmt.Errorf("injecting %s: ARC cluster %q not found", f, f.Cluster)
				}
			}
		}
		w.nextID++
		id = FaultID(w.nextID)
		w.faults = append(w.faults, &activeFault{id: id, f: f, remaining: f.Count, at: now})
		w.log.Debug("sim fault injected", "fault", f.String())
		return nil
	})
	return id, err
}

// Remove ends an injected fault (a Region taken down by it comes back).
// Removing an unknown or already removed fault is a no-op.
func (w *World) Remove(id FaultID) error {
	return w.mutate(func(now time.Time) error {
		for i, af := range w.faults {
			if af.id != id {
				continue
			}
			w.faults = slices.Delete(w.faults, i, i+1)
			switch af.f.Kind {
			case FaultRegionDown:
				if !w.hasFault(FaultRegionDown, af.f.Region) {
					w.regions[af.f.Region].down = false
					w.regions[af.f.Region].downSince = now
					w.regionRecovered(af.f.Region, now)
				}
			case FaultControlPlaneDown:
				if !w.hasFault(FaultControlPlaneDown, af.f.Region) {
					w.regions[af.f.Region].controlDown = false
					w.regions[af.f.Region].controlSince = now
				}
			}
			return nil
		}
		return nil
	})
}

func (w *World) hasFault(kind FaultKind, region string) bool {
	for _, af := range w.faults {
		if af.f.Kind == kind && af.f.Region == region {
			return true
		}
	}
	return false
}

// Faults lists the faults in force, in injection order.
func (w *World) Faults() []InjectedFault {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]InjectedFault, 0, len(w.faults))
	for _, af := range w.faults {
		out = append(out, InjectedFault{ID: af.id, Fault: af.f, InjectedAt: af.at})
	}
	return out
}

func (f Fault) matches(service, api, region string) bool {
	if f.API != "" && f.API != api {
		return false
	}
	if f.Service != "" && serviceKeys[f.Service] != service {
		return false
	}
	if f.Region != "" && f.Region != region {
		return false
	}
	return true
}

// capacityPercent is the share of requested capacity that can be placed.
func (w *World) capacityPercent(region, service string) int {
	pct := 100
	for _, af := range w.faults {
		if af.f.Kind == FaultCapacity && af.f.Region == region && af.f.Service == service && af.f.Percent < pct {
			pct = af.f.Percent
		}
	}
	return pct
}

func (w *World) arcEndpointDown(cluster string, index int) bool {
	for _, af := range w.faults {
		if af.f.Kind == FaultARCEndpointDown && af.f.Index == index && (af.f.Cluster == "" || af.f.Cluster == cluster) {
			return true
		}
	}
	return false
}

// CallKey identifies calls for accounting.
type CallKey struct {
	Service string
	API     string
	Region  string
}

// Calls returns a copy of the call counts (every attempt, including the
// ones that failed or were throttled).
func (w *World) Calls() map[CallKey]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[CallKey]int, len(w.calls))
	for k, v := range w.calls {
		out[k] = v
	}
	return out
}

// CallCount sums calls matching service (SDK service ID or short name), api
// and region; empty strings match everything.
func (w *World) CallCount(service, api, region string) int {
	if s, ok := serviceKeys[service]; ok {
		service = s
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for k, v := range w.calls {
		if (service == "" || k.Service == service) && (api == "" || k.API == api) && (region == "" || k.Region == region) {
			n += v
		}
	}
	return n
}

// ResetCalls zeroes the call counts.
func (w *World) ResetCalls() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = map[CallKey]int{}
}

// SetLatency sets the latency every call spends on the clock before it is
// served (e.g. 50ms, as the readiness benchmark assumes).
func (w *World) SetLatency(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.latency = d
}

type rateLimit struct {
	rps   float64
	burst int
}

// SetRateLimit installs a token bucket of rps calls per second with burst
// capacity for one API (or every API of the service when api is "") in
// each Region. service is a short name (rds, ecs, …). Calls over the limit
// fail with the service's throttling error.
func (w *World) SetRateLimit(service, api string, rps float64, burst int) error {
	sid, ok := serviceKeys[service]
	if !ok {
		return fmt.Errorf("rate limit: unknown service %q; allowed: %s", service, strings.Join(sortedKeys(serviceKeys), ", "))
	}
	if rps <= 0 || burst < 1 {
		return fmt.Errorf("rate limit for %s %s: rps must be > 0 and burst >= 1 (got %g, %d)", service, api, rps, burst)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.limits[sid+"/"+api] = rateLimit{rps: rps, burst: burst}
	return nil
}

type tokenBucket struct {
	tokens float64
	last   time.Time
}

func (w *World) takeToken(key string, lim rateLimit, now time.Time) bool {
	b, ok := w.buckets[key]
	if !ok {
		b = &tokenBucket{tokens: float64(lim.burst), last: now}
		w.buckets[key] = b
	}
	b.tokens = math.Min(float64(lim.burst), b.tokens+now.Sub(b.last).Seconds()*lim.rps)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// dataPlaneAPIs are served by a Region's data plane: they keep working when
// only the control plane is down.
var dataPlaneAPIs = map[string]bool{
	"GetRoutingControlState":     true,
	"UpdateRoutingControlState":  true,
	"UpdateRoutingControlStates": true,
	"ListRoutingControls":        true,
	"PutMetricData":              true,
	"GetMetricData":              true,
	"GetMetricStatistics":        true,
	"Invoke":                     true,
	"GetSecretValue":             true,
	"PutObject":                  true,
	"DeleteObject":               true,
	"HeadObject":                 true,
	"GetObject":                  true,
	"GetParameter":               true,
	"GetItem":                    true,
	"UpdateItem":                 true,
}

// globalHome is where a global service's control plane lives.
var globalHome = map[string]string{svcRoute53: "us-east-1", svcIAM: "us-east-1"}

// admit runs the call pipeline: accounting, latency, availability, error
// faults, random throttling, rate limits.
func (w *World) admit(ctx context.Context, service, api, region string) error {
	w.mu.Lock()
	key := CallKey{Service: service, API: api, Region: region}
	w.calls[key]++
	n := w.calls[key]
	lat := w.latency
	for _, af := range w.faults {
		if af.f.Kind == FaultLatency && af.f.matches(service, api, region) {
			lat += af.f.Latency
		}
	}
	w.mu.Unlock()
	if lat > 0 {
		if err := w.clk.Sleep(ctx, lat); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.settleNow()
	home := region
	if h, ok := globalHome[service]; ok {
		home = h
	}
	if _, known := w.regions[home]; known || home == region {
		if !w.dataUp(home) {
			return unreachableError(home)
		}
		if !dataPlaneAPIs[api] && !w.controlUp(home) {
			return controlPlaneDownError(service, home)
		}
	}
	for i, af := range w.faults {
		if af.f.Kind != FaultError || !af.f.matches(service, api, region) {
			continue
		}
		if af.f.Count > 0 {
			af.remaining--
			if af.remaining <= 0 {
				w.faults = slices.Delete(w.faults, i, i+1)
			}
		}
		msg := af.f.Message
		if msg == "" {
			msg = fmt.Sprintf("injected %s on %s in %s", af.f.Code, api, region)
		}
		return apiError(af.f.Code, msg, faultOf(af.f.Code))
	}
	for _, af := range w.faults {
		if af.f.Kind == FaultThrottle && af.f.matches(service, api, region) && w.coin(key, n, af.id) < af.f.Rate {
			return throttleError(service)
		}
	}
	for _, k := range []string{service + "/" + api, service + "/"} {
		if lim, ok := w.limits[k]; ok && !w.takeToken(k+"/"+region, lim, now) {
			return throttleError(service)
		}
	}
	for _, af := range w.faults {
		if af.f.Kind == FaultRateLimit && af.f.matches(service, api, region) {
			burst := af.f.Burst
			if burst == 0 {
				burst = int(math.Ceil(af.f.RPS))
			}
			if !w.takeToken(fmt.Sprintf("fault%d/%s/%s/%s", af.id, service, api, region), rateLimit{rps: af.f.RPS, burst: burst}, now) {
				return throttleError(service)
			}
		}
	}
	return nil
}

func faultOf(code string) smithyFault {
	switch code {
	case "InternalFailure", "InternalError", "InternalServerException", "ServiceUnavailable", "ServiceUnavailableException", "ServerException":
		return faultServer
	}
	return faultClient
}

// coin is a deterministic uniform number in [0,1) for the n-th call of key
// under fault id: independent of how goroutines interleave across keys.
func (w *World) coin(key CallKey, n int, id FaultID) float64 {
	h := w.seed ^ 0x9e3779b97f4a7c15
	for _, s := range []string{key.Service, key.API, key.Region} {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * 0x100000001b3
		}
		h = (h ^ 0xff) * 0x100000001b3
	}
	h ^= uint64(n)*0xbf58476d1ce4e5b9 + uint64(id)*0x94d049bb133111eb
	// splitmix64 finaliser
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return float64(h>>11) / float64(1<<53)
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
