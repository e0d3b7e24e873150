package slackapp

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/store"
)

const secretToken = "AQCEAAAAKgAAAAMAAAAAAAAAAU0fSECRETTOKEN"

func request(kind store.ApprovalKind, status store.ApprovalStatus) Request {
	t0 := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	return Request{
		Approval: store.Approval{
			ID: "AAAAAAAAAAAAAAAAAAAAAA", Kind: kind, Execution: "exec-1", Plan: "payments", Step: "switchover",
			TaskToken: secretToken, Quorum: 2, Status: status, Approvers: []string{"U01ALICE"},
			DecidedBy: "U01ALICE", Answer: "skip", ExpiresAt: t0.Add(30 * time.Minute), DecidedAt: t0.Add(time.Minute),
		},
		Source: "us-east-1", Target: "us-west-2", Mode: store.ModeGraceful,
		StartedBy: "trigger:primary-down", Reason: "alarm payments-5xx <red> for 5m",
		Readiness: "12/12 checks pass", Ready: true, Lag: 4 * time.Second, LagKnown: true, RPO: 30 * time.Second,
		StepError: "ThrottlingException: rate exceeded",
	}
}

// buttonsOf returns the action id → value of every button in blocks.
func buttonsOf(blocks []slack.Block) map[string]string {
	out := map[string]string{}
	for _, b := range blocks {
		if ab, ok := b.(*slack.ActionBlock); ok {
			for _, e := range ab.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok {
					out[btn.ActionID] = btn.Value
				}
			}
		}
	}
	return out
}

func TestBlocks(t *testing.T) {
	tests := []struct {
		name        string
		r           Request
		wantButtons []string
		wantText    []string
	}{
		{"pending approval", request(store.KindApproval, store.ApprovalPending), []string{ActionApprove, ActionReject},
			[]string{"payments", "us-east-1 → us-west-2", "graceful", "trigger:primary-down", "alarm payments-5xx &lt;red&gt; for 5m", "12/12 checks pass", "replication lag 4s (RPO objective 30s)", "Needs 2 approver(s) (1 so far: <@U01ALICE>)", "Expires <!date^"}},
		{"pending decision", request(store.KindDecision, store.ApprovalPending), []string{ActionRetry, ActionSkip, ActionUngraceful, ActionAbort},
			[]string{"Step switchover of payments failed", "ThrottlingException: rate exceeded"}},
		{"approved", request(store.KindApproval, store.ApprovalApproved), nil, []string{"Approved by <@U01ALICE> at <!date^"}},
		{"rejected", request(store.KindApproval, store.ApprovalRejected), nil, []string{"Rejected by <@U01ALICE>"}},
		{"answered", request(store.KindDecision, store.ApprovalAnswered), nil, []string{"<@U01ALICE> chose *skip*"}},
		{"expired", request(store.KindApproval, store.ApprovalExpired), nil, []string{"Expired at"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks := Blocks(tt.r)
			raw, err := json.Marshal(blocks)
			if err != nil {
				t.Fatal(err)
			}
			js := string(raw)
			if strings.Contains(js, secretToken) || strings.Contains(FallbackText(tt.r), secretToken) {
				t.Fatal("the task token leaked into the Slack message")
			}
			var got []string
			for id, v := range buttonsOf(blocks) {
				got = append(got, id)
				if v != tt.r.Approval.ID {
					t.Errorf("button %s carries %q, want only the approval id", id, v)
				}
			}
			slices.Sort(got)
			want := slices.Clone(tt.wantButtons)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("buttons %v, want %v", got, want)
			}
			var text strings.Builder
			for _, b := range blocks {
				rb, _ := json.Marshal(b)
				var v any
				_ = json.Unmarshal(rb, &v)
				collectText(v, &text)
			}
			for _, w := range tt.wantText {
				if !strings.Contains(text.String(), w) {
					t.Errorf("message lacks %q:\n%s", w, text.String())
				}
			}
		})
	}
}

func collectText(v any, b *strings.Builder) {
	switch x := v.(type) {
	case map[string]any:
		if s, ok := x["text"].(string); ok {
			b.WriteString(s + "\n")
		}
		for _, y := range x {
			collectText(y, b)
		}
	case []any:
		for _, y := range x {
			collectText(y, b)
		}
	}
}

type fakeGroups struct {
	members map[string][]string
	err     error
	calls   int
}

func (f *fakeGroups) GetUserGroupMembersContext(_ context.Context, g string, _ ...slack.GetUserGroupMembersOption) ([]string, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return f.members[g], nil
}

func TestAuthorizer(t *testing.T) {
	clk := clock.NewVirtual(time.Unix(1_700_000_000, 0))
	api := &fakeGroups{members: map[string][]string{"S03ONCALL": {"U09CAROL"}}}
	a := NewAuthorizer(api, clk, 5*time.Minute)
	approvers := []string{"U01ALICE", "S03ONCALL"}
	tests := []struct {
		name      string
		user      string
		want      bool
		wantCalls int
	}{
		{"listed user", "U01ALICE", true, 0},
		{"group member", "U09CAROL", true, 1},
		{"group member again is cached", "U09CAROL", true, 1},
		{"stranger", "U66MALLORY", false, 1},
		{"the group id itself is not a user", "S03ONCALL", false, 1},
		{"empty", "", false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.IsApprover(t.Context(), tt.user, approvers)
			if err != nil || got != tt.want || api.calls != tt.wantCalls {
				t.Fatalf("IsApprover(%s) = %v, %v after %d calls; want %v after %d", tt.user, got, err, api.calls, tt.want, tt.wantCalls)
			}
		})
	}
	t.Run("expired cache refreshes, and serves stale members when Slack fails", func(t *testing.T) {
		clk.Advance(6 * time.Minute)
		api.members["S03ONCALL"] = []string{"U10DAN"}
		if ok, _ := a.IsApprover(t.Context(), "U10DAN", approvers); !ok || api.calls != 2 {
			t.Fatalf("refresh: ok=%v calls=%d", ok, api.calls)
		}
		clk.Advance(6 * time.Minute)
		api.err = errors.New("slack down")
		if ok, err := a.IsApprover(t.Context(), "U10DAN", approvers); !ok || err != nil {
			t.Fatalf("stale: ok=%v err=%v", ok, err)
		}
	})
	t.Run("unresolvable group is an error, not a yes", func(t *testing.T) {
		b := NewAuthorizer(&fakeGroups{err: errors.New("slack down")}, clk, time.Minute)
		ok, err := b.IsApprover(t.Context(), "U09CAROL", approvers)
		if ok || err == nil {
			t.Fatalf("ok=%v err=%v, want false and an error", ok, err)
		}
	})
}
