package sim

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestHTTPEndpoints(t *testing.T) {
	const (
		eastURL = "https://app.us-east-1.example.com/health"
		westURL = "https://app.us-west-2.example.com/health"
	)
	build := func(t *testing.T) *World {
		t.Helper()
		w, _ := newTestWorld(t)
		// us-west-2 runs 1 task but needs 3 to count as healthy.
		if err := w.AddECSService(ECSServiceSpec{Region: west, Cluster: "payments", Service: "api", Desired: 1, MinHealthy: 3}); err != nil {
			t.Fatal(err)
		}
		for _, e := range []EndpointSpec{{URL: eastURL, Region: east}, {URL: westURL, Region: west}} {
			if err := w.AddEndpoint(e); err != nil {
				t.Fatal(err)
			}
		}
		return w
	}
	tests := []struct {
		name       string
		fault      string
		method     string
		url        string
		wantCode   int
		wantStatus string
		wantErr    func(error) bool
	}{
		{name: "healthy Region", url: eastURL, wantCode: 200, wantStatus: "healthy"},
		{name: "scheme does not matter", url: "http://APP.us-east-1.example.com/health", wantCode: 200, wantStatus: "healthy"},
		{name: "app below MinHealthy", url: westURL, wantCode: 503, wantStatus: "unhealthy"},
		{name: "HEAD has no body", method: http.MethodHead, url: eastURL, wantCode: 200},
		{name: "POST not allowed", method: http.MethodPost, url: eastURL, wantCode: 405},
		{name: "unknown path on a known host", url: "https://app.us-east-1.example.com/other", wantCode: 404},
		{name: "Region down refuses", fault: "region-down:us-east-1", url: eastURL, wantErr: IsUnreachable},
		{name: "unknown host fails DNS", url: "https://nowhere.example.org/health", wantErr: func(err error) bool {
			var de *net.DNSError
			return errors.As(err, &de) && de.IsNotFound
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := build(t)
			if tc.fault != "" {
				if _, err := w.InjectSpec(tc.fault); err != nil {
					t.Fatal(err)
				}
			}
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			req, err := http.NewRequestWithContext(t.Context(), method, tc.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := w.HTTP().Client().Do(req)
			if tc.wantErr != nil {
				var ue *url.Error
				if !tc.wantErr(err) || !errors.As(err, &ue) {
					t.Fatalf("err = %v, want the expected transport failure inside a *url.Error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantCode {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tc.wantCode)
			}
			if tc.wantStatus == "" {
				if method == http.MethodHead && len(body) != 0 {
					t.Fatalf("HEAD body %q, want none", body)
				}
				return
			}
			var hb healthBody
			if err := json.Unmarshal(body, &hb); err != nil || hb.Status != tc.wantStatus || !strings.Contains(tc.url, hb.Region) {
				t.Fatalf("body %s, want status %q and the endpoint's Region", body, tc.wantStatus)
			}
		})
	}
}

func TestHTTPDoWrapsErrors(t *testing.T) {
	w, _ := newTestWorld(t)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://unknown.example.com/", nil)
	_, err := w.HTTP().Do(req)
	var ue *url.Error
	if !errors.As(err, &ue) || ue.Op != "Get" {
		t.Fatalf("Do: err = %#v, want a *url.Error with Op Get", err)
	}
	if _, err := w.HTTP().RoundTrip(req); errors.As(err, &ue) {
		t.Fatal("RoundTrip must return the bare transport error, as an http.RoundTripper does")
	}
	if err := w.AddEndpoint(EndpointSpec{URL: "ftp://x/", Region: east}); err == nil || !strings.Contains(err.Error(), "bad endpoint URL") {
		t.Fatalf("AddEndpoint(ftp) = %v, want a bad URL error", err)
	}
	if err := w.AddEndpoint(EndpointSpec{URL: "https://x/", Region: "mars-1"}); !errors.Is(err, ErrUnknownRegion) {
		t.Fatalf("AddEndpoint(unknown Region) = %v, want ErrUnknownRegion", err)
	}
	if err := w.AddHealthCheck(HealthCheckSpec{ID: "hc", Type: HealthCheckEndpoint, URL: "https://x/"}); err == nil || !strings.Contains(err.Error(), "no simulated endpoint") {
		t.Fatalf("AddHealthCheck on an unknown URL = %v, want an error", err)
	}
}
