package plandelivery

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
)

func props(name, doc string) map[string]any {
	return map[string]any{"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:x", PropName: name, PropVersion: Fingerprint([]byte(doc)), PropDocument: doc}
}

func TestHandle(t *testing.T) {
	const v1, v2 = `{"metadata":{"name":"payments","version":"1"}}`, `{"metadata":{"name":"payments","version":"2"}}`
	tests := []struct {
		name       string
		events     []cfn.Event
		wantErr    error
		wantLatest string // document
		wantCount  int    // stored versions
	}{
		{
			name:       "create stores the version",
			events:     []cfn.Event{{RequestType: cfn.RequestCreate, RequestID: "r1", ResourceProperties: props("payments", v1)}},
			wantLatest: v1, wantCount: 1,
		},
		{
			name: "update to a new version, then a rollback to the old one",
			events: []cfn.Event{
				{RequestType: cfn.RequestCreate, ResourceProperties: props("payments", v1)},
				{RequestType: cfn.RequestUpdate, PhysicalResourceID: "switchyard-plan:payments", ResourceProperties: props("payments", v2)},
				{RequestType: cfn.RequestUpdate, PhysicalResourceID: "switchyard-plan:payments", ResourceProperties: props("payments", v1)},
			},
			wantLatest: v1, wantCount: 2,
		},
		{
			name: "retried create is idempotent",
			events: []cfn.Event{
				{RequestType: cfn.RequestCreate, ResourceProperties: props("payments", v1)},
				{RequestType: cfn.RequestCreate, ResourceProperties: props("payments", v1)},
			},
			wantLatest: v1, wantCount: 1,
		},
		{
			name: "delete keeps the versions",
			events: []cfn.Event{
				{RequestType: cfn.RequestCreate, ResourceProperties: props("payments", v1)},
				{RequestType: cfn.RequestDelete, PhysicalResourceID: "switchyard-plan:payments", ResourceProperties: props("payments", v1)},
			},
			wantLatest: v1, wantCount: 1,
		},
		{
			name: "document edited after synth",
			events: []cfn.Event{{RequestType: cfn.RequestCreate, ResourceProperties: map[string]any{
				PropName: "payments", PropVersion: Fingerprint([]byte(v1)), PropDocument: v2,
			}}},
			wantErr: ErrInvalidProperties,
		},
		{
			name:    "missing properties",
			events:  []cfn.Event{{RequestType: cfn.RequestCreate, ResourceProperties: map[string]any{PropName: "payments"}}},
			wantErr: ErrInvalidProperties,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := memory.New(clock.NewVirtual(time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)))
			h := NewHandler(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
			var err error
			for _, ev := range tc.events {
				var id string
				id, _, err = h.Handle(t.Context(), ev)
				if err == nil && id != "switchyard-plan:payments" {
					t.Errorf("%s: physical id %q, want switchyard-plan:payments", ev.RequestType, id)
				}
				if err != nil {
					break
				}
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if _, err := st.GetPlan(t.Context(), "payments"); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("GetPlan after a refused event: %v, want not found", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := st.GetPlan(t.Context(), "payments")
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Document) != tc.wantLatest || got.Version != Fingerprint([]byte(tc.wantLatest)) {
				t.Errorf("latest = %s %s, want %s", got.Version, got.Document, tc.wantLatest)
			}
			versions, err := st.ListPlanVersions(t.Context(), "payments")
			if err != nil {
				t.Fatal(err)
			}
			if len(versions) != tc.wantCount {
				t.Errorf("%d versions stored, want %d", len(versions), tc.wantCount)
			}
		})
	}
}

// TestFingerprintMatchesPlan keeps Fingerprint equal to the plan model's.
func TestFingerprintMatchesPlan(t *testing.T) {
	plans, err := plan.ParseFile("../../examples/plans/payments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := plans[0].CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Fingerprint(doc), plans[0].Fingerprint(); got != want || !strings.HasPrefix(got, "sha256:") {
		t.Errorf("Fingerprint = %s, plan fingerprint %s", got, want)
	}
}
