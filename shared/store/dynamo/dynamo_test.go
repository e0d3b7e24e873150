package dynamo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/dynamo"
	"github.com/switchyard-dev/switchyard/shared/store/storetest"
)

// TestDynamo runs everything that needs the DynamoDB-compatible server
// against one dynalite process, a fresh table per test.
func TestDynamo(t *testing.T) {
	client := startDynalite(t)
	var tables tableCounter
	newStore := func(t *testing.T, clk clock.Clock) (*dynamo.Store, string) {
		name := tables.next()
		if err := dynamo.CreateTable(t.Context(), client, name); err != nil {
			t.Fatalf("creating the test table: %v", err)
		}
		return dynamo.New(client, name, clk), name
	}
	t.Run("Contract", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, clk clock.Clock) store.Store {
			s, _ := newStore(t, clk)
			return s
		})
	})
	t.Run("Table", func(t *testing.T) { testTable(t, client, newStore) })
	t.Run("RollForward", func(t *testing.T) { testRollForward(t, newStore) })
}

type storeFactory func(*testing.T, clock.Clock) (*dynamo.Store, string)

// testTable checks the table CreateTable makes (what the CDK app must make
// too) and the item attributes that TTL depends on.
func testTable(t *testing.T, client *dynamodb.Client, newStore storeFactory) {
	ctx := t.Context()
	clk := storetest.NewClock(storetest.Start)
	s, name := newStore(t, clk)
	out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	td := out.Table
	keys := func(ks []types.KeySchemaElement) string {
		var s string
		for _, k := range ks {
			s += aws.ToString(k.AttributeName) + ":" + string(k.KeyType) + " "
		}
		return s
	}
	if got, want := keys(td.KeySchema), store.AttrPK+":HASH "+store.AttrSK+":RANGE "; got != want {
		t.Errorf("table keys = %q, want %q", got, want)
	}
	if td.BillingModeSummary == nil || td.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing mode = %+v, want PAY_PER_REQUEST", td.BillingModeSummary)
	}
	if len(td.GlobalSecondaryIndexes) != 1 {
		t.Fatalf("%d GSIs, want 1", len(td.GlobalSecondaryIndexes))
	}
	gsi := td.GlobalSecondaryIndexes[0]
	if aws.ToString(gsi.IndexName) != store.IndexGSI1 || keys(gsi.KeySchema) != store.AttrGSI1PK+":HASH "+store.AttrGSI1SK+":RANGE " ||
		gsi.Projection.ProjectionType != types.ProjectionTypeAll {
		t.Errorf("GSI = %s %q %s, want %s with gsi1pk/gsi1sk projecting ALL", aws.ToString(gsi.IndexName), keys(gsi.KeySchema), gsi.Projection.ProjectionType, store.IndexGSI1)
	}

	// Approvals carry the TTL attribute (deadline + retention, epoch seconds); locks never do.
	a, _, err := s.CreateApproval(ctx, store.Approval{Kind: store.KindApproval, Execution: "x1", TaskToken: "tok", Quorum: 1,
		ExpiresAt: storetest.Start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcquireLock(ctx, "payments", "x1", time.Minute); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		pk, sk  string
		wantTTL int64 // 0: no ttl attribute
	}{
		{"approval", "APPROVAL#" + a.ID, "APPROVAL", a.ExpiresAt.Add(store.ApprovalRetention).Unix()},
		{"lock", "LOCK#payments", "LOCK", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			item, err := client.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(name), Key: map[string]types.AttributeValue{
				store.AttrPK: &types.AttributeValueMemberS{Value: tc.pk}, store.AttrSK: &types.AttributeValueMemberS{Value: tc.sk}}})
			if err != nil {
				t.Fatal(err)
			}
			ttl, ok := item.Item[store.AttrTTL].(*types.AttributeValueMemberN)
			switch {
			case tc.wantTTL == 0 && ok:
				t.Errorf("item has ttl %s, want none", ttl.Value)
			case tc.wantTTL != 0 && (!ok || ttl.Value != fmt.Sprint(tc.wantTTL)):
				t.Errorf("ttl = %v, want %d", item.Item[store.AttrTTL], tc.wantTTL)
			}
		})
	}
}

// testRollForward leaves the first write of each two-write operation, as a
// caller dying midway would, and checks that the next caller completes it
// exactly once.
func testRollForward(t *testing.T, newStore storeFactory) {
	tests := []struct {
		name  string
		crash func(context.Context, *dynamo.Store) error
		check func(*testing.T, *dynamo.Store)
	}{
		{
			name: "client token claimed, execution not written",
			crash: func(ctx context.Context, s *dynamo.Store) error {
				return s.ClaimClientTokenOnly(ctx, store.Execution{ID: "x1", Plan: "payments", Target: "us-west-2", Mode: store.ModeGraceful, ClientToken: "tok"})
			},
			check: func(t *testing.T, s *dynamo.Store) {
				got, created, err := s.CreateExecution(t.Context(), store.Execution{ID: "x2", Plan: "payments", Target: "us-west-2", Mode: store.ModeGraceful, ClientToken: "tok"})
				if err != nil || created || got.ID != "x1" {
					t.Fatalf("retry = %s, created %v, %v; want x1 rolled forward", got.ID, created, err)
				}
				if _, err := s.GetExecution(t.Context(), "x1"); err != nil {
					t.Fatalf("GetExecution(x1) after roll-forward: %v", err)
				}
			},
		},
		{
			name: "task token claimed, approval not written",
			crash: func(ctx context.Context, s *dynamo.Store) error {
				_, err := s.ClaimTaskTokenOnly(ctx, store.Approval{ID: "a1", Kind: store.KindApproval, Execution: "x1", TaskToken: "tt", Quorum: 1, ExpiresAt: storetest.Start.Add(time.Hour)})
				return err
			},
			check: func(t *testing.T, s *dynamo.Store) {
				got, created, err := s.CreateApproval(t.Context(), store.Approval{Kind: store.KindApproval, Execution: "x1", TaskToken: "tt", Quorum: 1, ExpiresAt: storetest.Start.Add(time.Hour)})
				if err != nil || created || got.ID != "a1" {
					t.Fatalf("retry = %s, created %v, %v; want a1 rolled forward", got.ID, created, err)
				}
				if _, err := s.GetApproval(t.Context(), "a1"); err != nil {
					t.Fatalf("GetApproval(a1) after roll-forward: %v", err)
				}
			},
		},
		{
			name: "audit key claimed, record not appended",
			crash: func(ctx context.Context, s *dynamo.Store) error {
				return s.ClaimAuditKeyOnly(ctx, store.AuditRecord{Execution: "x1", Action: "first", Key: "k"})
			},
			check: func(t *testing.T, s *dynamo.Store) { checkKeyedOnce(t, s, "first") },
		},
		{
			name: "audit record appended, claim not settled",
			crash: func(ctx context.Context, s *dynamo.Store) error {
				if _, err := s.AppendAudit(ctx, store.AuditRecord{Execution: "x1", Action: "first", Key: "k"}); err != nil {
					return err
				}
				if _, err := s.AppendAudit(ctx, store.AuditRecord{Execution: "x1", Action: "other"}); err != nil {
					return err
				}
				return s.UnsettleAuditKey(ctx, "x1", "k")
			},
			check: func(t *testing.T, s *dynamo.Store) { checkKeyedOnce(t, s, "first", "other") },
		},
		{
			name: "plan version written, latest not updated",
			crash: func(ctx context.Context, s *dynamo.Store) error {
				return s.PutPlanVersionOnly(ctx, store.PlanVersion{Name: "payments", Version: "sha256:" + fmt.Sprintf("%064x", 1), Document: json.RawMessage(`{}`)})
			},
			check: func(t *testing.T, s *dynamo.Store) {
				if _, err := s.GetPlan(t.Context(), "payments"); err == nil {
					t.Fatal("latest exists before the retry")
				}
				_, created, err := s.PutPlan(t.Context(), store.PlanVersion{Name: "payments", Version: "sha256:" + fmt.Sprintf("%064x", 1), Document: json.RawMessage(`{}`)})
				if err != nil || created {
					t.Fatalf("retry: created %v, %v; want the stored version", created, err)
				}
				if p, err := s.GetPlan(t.Context(), "payments"); err != nil || p.Version != "sha256:"+fmt.Sprintf("%064x", 1) {
					t.Fatalf("latest after retry = %+v, %v", p, err)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newStore(t, storetest.NewClock(storetest.Start))
			if err := tc.crash(t.Context(), s); err != nil {
				t.Fatalf("simulating the crash: %v", err)
			}
			tc.check(t, s)
		})
	}
}

// checkKeyedOnce appends the keyed record again (twice) and checks the log
// holds it exactly once, with the actions given in order.
func checkKeyedOnce(t *testing.T, s *dynamo.Store, actions ...string) {
	t.Helper()
	for range 2 {
		r, err := s.AppendAudit(t.Context(), store.AuditRecord{Execution: "x1", Action: "retry", Key: "k"})
		if err != nil || r.Seq != 1 || r.Action != "first" {
			t.Fatalf("keyed append = seq %d %q, %v; want seq 1 \"first\" (the claim's record)", r.Seq, r.Action, err)
		}
	}
	recs, err := s.ListAudit(t.Context(), "x1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Action)
	}
	if !slices.Equal(got, actions) {
		t.Fatalf("audit log = %v, want %v", got, actions)
	}
}
