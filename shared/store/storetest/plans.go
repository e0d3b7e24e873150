package storetest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/store"
)

func plan(name, doc string) store.PlanVersion {
	return store.PlanVersion{Name: name, Version: fingerprint(doc), Document: json.RawMessage(doc)}
}

func testPlans(t *testing.T, e env) {
	ctx := t.Context()
	v1, v2 := plan("payments", `{"name":"payments","v":1}`), plan("payments", `{"name":"payments","v":2}`)

	got, created, err := e.s.PutPlan(ctx, v1)
	noErr(t, err)
	if !created || got.Version != v1.Version || string(got.Document) != string(v1.Document) || !got.DeployedAt.Equal(Start) {
		t.Fatalf("PutPlan(v1) = %+v, created %v; want v1 deployed at %s, created", got, created, Start)
	}
	e.clk.Advance(time.Minute)
	again, againCreated, err := e.s.PutPlan(ctx, v1)
	noErr(t, err)
	if againCreated || !again.DeployedAt.Equal(Start) {
		t.Fatalf("PutPlan(v1) again: created %v, deployedAt %s; want not created, first deployment time kept", againCreated, again.DeployedAt)
	}
	_, _, err = e.s.PutPlan(ctx, store.PlanVersion{Name: "payments", Version: v1.Version, Document: json.RawMessage(`{"other":true}`)})
	wantErr(t, err, store.ErrConflict)

	e.clk.Advance(time.Minute)
	noErr(t, func() error { _, _, err := e.s.PutPlan(ctx, v2); return err }())
	if latest := must(e.s.GetPlan(ctx, "payments"))(t); latest.Version != v2.Version {
		t.Fatalf("latest = %s, want v2 %s", latest.Version, v2.Version)
	}
	if old := must(e.s.GetPlanVersion(ctx, "payments", v1.Version))(t); string(old.Document) != string(v1.Document) {
		t.Fatalf("GetPlanVersion(v1) document = %s", old.Document)
	}
	versions := must(e.s.ListPlanVersions(ctx, "payments"))(t)
	if len(versions) != 2 || versions[0].Version != v2.Version || versions[1].Version != v1.Version {
		t.Fatalf("ListPlanVersions = %+v, want v2 then v1", versions)
	}
	// Redeploying v1 makes it latest again.
	noErr(t, func() error { _, _, err := e.s.PutPlan(ctx, v1); return err }())
	if latest := must(e.s.GetPlan(ctx, "payments"))(t); latest.Version != v1.Version {
		t.Fatalf("latest after redeploying v1 = %s, want v1", latest.Version)
	}

	noErr(t, func() error { _, _, err := e.s.PutPlan(ctx, plan("inventory", `{"name":"inventory"}`)); return err }())
	plans := must(e.s.ListPlans(ctx))(t)
	if len(plans) != 2 || plans[0].Name != "inventory" || plans[1].Name != "payments" || plans[1].Version != v1.Version {
		t.Fatalf("ListPlans = %+v, want inventory, payments@v1", plans)
	}
	if vs := must(e.s.ListPlanVersions(ctx, "unknown"))(t); vs == nil || len(vs) != 0 {
		t.Fatalf("ListPlanVersions(unknown) = %#v, want an empty slice", vs)
	}
}

func testPlanInvalid(t *testing.T, e env) {
	good := plan("payments", `{}`)
	tests := []struct {
		name   string
		change func(*store.PlanVersion)
	}{
		{"no name", func(p *store.PlanVersion) { p.Name = "" }},
		{"hash in name", func(p *store.PlanVersion) { p.Name = "a#b" }},
		{"version not a fingerprint", func(p *store.PlanVersion) { p.Version = "1.0" }},
		{"uppercase fingerprint", func(p *store.PlanVersion) { p.Version = "sha256:" + strings.Repeat("AB", 32) }},
		{"no document", func(p *store.PlanVersion) { p.Document = nil }},
		{"document not JSON", func(p *store.PlanVersion) { p.Document = json.RawMessage(`{`) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := good
			tc.change(&p)
			_, _, err := e.s.PutPlan(t.Context(), p)
			wantErr(t, err, store.ErrInvalid)
		})
	}
}
