package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// EndpointSpec is an application health endpoint in one Region, served by
// World.HTTP: it answers 200 while the application in Region is healthy
// (RegionHealth.Healthy), 503 otherwise, and refuses connections while the
// Region's data plane is down.
type EndpointSpec struct {
	// URL is the endpoint, e.g. https://app.us-east-1.example.com/health.
	URL string
	// Region hosts the endpoint.
	Region string
}

type endpointKind int

const (
	endpointApp endpointKind = iota
	endpointStop
	endpointStopStandby
)

type endpoint struct {
	url    string
	region string
	kind   endpointKind
	stop   *stopSignal
}

type observation struct {
	at      time.Time
	healthy bool
}

type webState struct {
	endpoints map[string]*endpoint // host+path
	hosts     map[string]bool
	// history of what Route 53 checkers saw, per URL health check.
	history map[string][]observation
	stops   []*stopSignal
}

func (s *webState) init() {
	s.endpoints = map[string]*endpoint{}
	s.hosts = map[string]bool{}
	s.history = map[string][]observation{}
}

// endpointKey normalises a URL to host+path (the scheme does not matter).
func endpointKey(raw string) (key, host string, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", fmt.Errorf("bad endpoint URL %q (an absolute http:// or https:// URL)", raw)
	}
	host = strings.ToLower(u.Hostname())
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	return host + p, host, nil
}

// AddEndpoint adds an application health endpoint.
func (w *World) AddEndpoint(spec EndpointSpec) error {
	return w.mutate(func(time.Time) error {
		if err := w.checkRegion(spec.Region); err != nil {
			return fmt.Errorf("endpoint %s: %w", spec.URL, err)
		}
		return w.addEndpoint(&endpoint{url: spec.URL, region: spec.Region, kind: endpointApp})
	})
}

// addEndpoint registers ep; lock held.
func (w *World) addEndpoint(ep *endpoint) error {
	key, host, err := endpointKey(ep.url)
	if err != nil {
		return err
	}
	if _, ok := w.web.endpoints[key]; ok {
		return fmt.Errorf("endpoint %s: %w", ep.url, ErrDuplicate)
	}
	w.web.endpoints[key] = ep
	w.web.hosts[host] = true
	return nil
}

// endpointFor finds the endpoint of a URL; lock held.
func (w *World) endpointFor(raw string) (*endpoint, error) {
	key, _, err := endpointKey(raw)
	if err != nil {
		return nil, err
	}
	ep := w.web.endpoints[key]
	if ep == nil {
		return nil, fmt.Errorf("no simulated endpoint %s (add it with AddEndpoint or AddStopSignal)", raw)
	}
	return ep, nil
}

// healthBody is the JSON an endpoint answers, shaped like the STOP
// pattern's sample health endpoint.
type healthBody struct {
	Status string `json:"status"`
	Region string `json:"region"`
	Role   string `json:"role,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// answer is what ep answers at t; lock held.
func (w *World) answer(ep *endpoint, t time.Time) (int, healthBody, error) {
	if !w.dataUp(ep.region) {
		return 0, healthBody{}, unreachableError(ep.region)
	}
	switch ep.kind {
	case endpointStopStandby:
		if present, ok := w.flagPresent(ep.stop.spec.Bucket, ep.stop.spec.Key); ok && present {
			return http.StatusOK, healthBody{Status: "healthy", Region: ep.region, Role: "secondary-active"}, nil
		}
		return http.StatusServiceUnavailable, healthBody{Status: "unhealthy", Region: ep.region, Role: "secondary-passive", Reason: "primary-region-active"}, nil
	case endpointStop:
		s := ep.stop
		present, ok := w.flagPresent(s.readBucket, s.spec.Key)
		switch {
		case !ok:
			// The sample endpoint fails open: an S3 error is "no failover".
			return http.StatusOK, healthBody{Status: "healthy", Region: ep.region, Role: "primary-active", Reason: "flag-unreadable-fail-open"}, nil
		case present:
			return http.StatusServiceUnavailable, healthBody{Status: "unhealthy", Region: ep.region, Role: "primary-passive", Reason: "failover-flag-active"}, nil
		}
		return http.StatusOK, healthBody{Status: "healthy", Region: ep.region, Role: "primary-active"}, nil
	default:
		if w.healthOf(ep.region, t).Healthy {
			return http.StatusOK, healthBody{Status: "healthy", Region: ep.region}, nil
		}
		return http.StatusServiceUnavailable, healthBody{Status: "unhealthy", Region: ep.region, Reason: "application-unhealthy"}, nil
	}
}

// urlHealthyAt is whether a Route 53 checker sees the endpoint of raw as
// healthy at t (2xx or 3xx); lock held.
func (w *World) urlHealthyAt(raw string, t time.Time) bool {
	ep, err := w.endpointFor(raw)
	if err != nil {
		return false
	}
	code, _, err := w.answer(ep, t)
	return err == nil && code >= 200 && code < 400
}

// observe records what checkers of health check id see from at on.
func (s *webState) observe(id string, at time.Time, healthy bool) bool {
	h := s.history[id]
	if n := len(h); n > 0 && h[n-1].healthy == healthy {
		return false
	}
	s.history[id] = append(h, observation{at: at, healthy: healthy})
	return true
}

// observed is health check id's status at t: the latest answer that held
// for at least detect (the first answer counts at once).
func (s *webState) observed(id string, t time.Time, detect time.Duration) bool {
	h := s.history[id]
	status := true
	for i, o := range h {
		eff := o.at.Add(detect)
		if i == 0 {
			eff = o.at
		}
		if eff.After(t) {
			break
		}
		if i+1 < len(h) && h[i+1].at.Before(eff) {
			continue // superseded before checkers noticed it
		}
		status = o.healthy
	}
	return status
}

// noteEndpoints records the answers of endpoints watched by URL health
// checks and wakes the world when checkers will notice a change; lock held.
func (w *World) noteEndpoints(at time.Time) {
	ids := make([]string, 0, len(w.web.history))
	for id := range w.web.history {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		hc := w.r53.checks[id]
		if hc == nil || hc.URL == "" {
			continue
		}
		if w.web.observe(id, at, w.urlHealthyAt(hc.URL, at)) {
			w.schedule(at.Add(w.d.HealthCheckDetection), func(time.Time) {})
		}
	}
}

// HTTPClient serves the world's simulated URLs (application health
// endpoints and STOP primary endpoints). It is an http.RoundTripper; use
// Client for an *http.Client or Do as a doer.
type HTTPClient struct {
	w *World
}

var _ http.RoundTripper = (*HTTPClient)(nil)

// HTTP returns the client for the world's simulated URLs.
func (w *World) HTTP() *HTTPClient { return &HTTPClient{w: w} }

// Client returns an *http.Client whose transport is c.
func (c *HTTPClient) Client() *http.Client { return &http.Client{Transport: c} }

// Do sends req like http.Client.Do: transport errors come wrapped in a
// *url.Error.
func (c *HTTPClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.RoundTrip(req)
	if err != nil {
		return nil, &url.Error{Op: urlErrorOp(req.Method), URL: req.URL.String(), Err: err}
	}
	return resp, nil
}

func urlErrorOp(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}

// RoundTrip answers req: a host the world does not know fails DNS
// resolution (*net.DNSError), an endpoint whose Region is down refuses the
// connection (IsUnreachable), an unknown path on a known host is 404, and
// only GET and HEAD are allowed (405 otherwise).
func (c *HTTPClient) RoundTrip(req *http.Request) (*http.Response, error) {
	if req == nil || req.URL == nil {
		return nil, fmt.Errorf("sim http: nil request or URL")
	}
	ctx := req.Context()
	key, host, err := endpointKey(req.URL.String())
	if err != nil {
		return nil, err
	}
	w := c.w
	w.mu.Lock()
	ep := w.web.endpoints[key]
	region := ""
	if ep != nil {
		region = ep.region
	}
	w.calls[CallKey{Service: "HTTP", API: req.Method, Region: region}]++
	lat := w.latency
	w.mu.Unlock()
	if lat > 0 {
		if err := w.clk.Sleep(ctx, lat); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w.mu.Lock()
	now := w.settleNow()
	w.noteTraffic(now)
	known := w.web.hosts[host]
	var (
		code int
		body healthBody
	)
	if ep != nil {
		code, body, err = w.answer(ep, now)
	}
	w.mu.Unlock()
	switch {
	case !known:
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
	case err != nil:
		return nil, err
	case ep == nil:
		return response(req, http.StatusNotFound, nil), nil
	case req.Method != http.MethodGet && req.Method != http.MethodHead && req.Method != "":
		return response(req, http.StatusMethodNotAllowed, nil), nil
	}
	b, _ := json.Marshal(body)
	return response(req, code, b), nil
}

func response(req *http.Request, code int, body []byte) *http.Response {
	h := http.Header{}
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	if req.Method == http.MethodHead {
		body = nil
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", code, http.StatusText(code)), StatusCode: code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h,
		Body: io.NopCloser(strings.NewReader(string(body))), ContentLength: int64(len(body)), Request: req,
	}
}

// EndpointStatus is what the endpoint at raw answers now, for assertions
// (not counted as a call): the status code, or an error when the Region is
// down or the URL unknown.
func (w *World) EndpointStatus(raw string) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.settleNow()
	w.noteTraffic(now)
	ep, err := w.endpointFor(raw)
	if err != nil {
		return 0, err
	}
	code, _, err := w.answer(ep, now)
	return code, err
}
