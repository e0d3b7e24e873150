package approval

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/executor"
	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
)

// fakeSFN records the answers it is sent.
type fakeSFN struct {
	mu       sync.Mutex
	success  []string // outputs
	failures []string // error names
	err      error
}

func (f *fakeSFN) SendTaskSuccess(_ context.Context, in *sfn.SendTaskSuccessInput, _ ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.success = append(f.success, *in.Output)
	return &sfn.SendTaskSuccessOutput{}, f.err
}

func (f *fakeSFN) SendTaskFailure(_ context.Context, in *sfn.SendTaskFailureInput, _ ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = append(f.failures, *in.Error)
	return &sfn.SendTaskFailureOutput{}, f.err
}

const token = "SYTT1.secret-token"

func setup(t *testing.T, kind string, quorum int) (*Service, *fakeSFN, *memory.Store, string) {
	t.Helper()
	clk := clock.NewVirtual(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
	st := memory.New(clk)
	if _, _, err := st.CreateExecution(t.Context(), store.Execution{ID: "x1", Plan: "payments", Target: "us-west-2", Mode: store.ModeGraceful}); err != nil {
		t.Fatal(err)
	}
	f := &fakeSFN{}
	var notified []store.Approval
	s := New(Config{Store: st, Clock: clk, SFN: f, Notify: func(_ context.Context, a store.Approval) { notified = append(notified, a) }})
	req := Request{Kind: kind, Token: token, Run: &executor.Run{Execution: "x1", Plan: "payments", Target: "us-west-2"},
		Approval: &executor.ApprovalGate{Required: true, Quorum: quorum, TimeoutSeconds: 600}, Step: &executor.StepItem{Name: "db"}}
	out, err := s.Handle(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Handle(t.Context(), req) // duplicate delivery
	if err != nil || again.ApprovalID != out.ApprovalID {
		t.Fatalf("repeated Handle = %+v, %v; want the same id %s", again, err, out.ApprovalID)
	}
	if len(notified) != 1 {
		t.Fatalf("notified %d times, want once", len(notified))
	}
	recs, _ := st.ListAudit(t.Context(), "x1", 0, 0)
	for _, r := range recs {
		if strings.Contains(string(r.Detail), token) {
			t.Errorf("audit record %s carries the task token", r.Action)
		}
	}
	return s, f, st, out.ApprovalID
}

func TestAnswer(t *testing.T) {
	t.Run("quorum of two", func(t *testing.T) {
		s, f, _, id := setup(t, "approval", 2)
		a, err := s.Answer(t.Context(), id, "U1", true, "")
		if err != nil || a.Status != store.ApprovalPending || len(f.success) != 0 {
			t.Fatalf("first vote: %+v %v, answers %v", a.Status, err, f.success)
		}
		if _, err := s.Answer(t.Context(), id, "U1", true, ""); err != nil || len(f.success) != 0 {
			t.Fatalf("repeated vote completed it: %v %v", err, f.success)
		}
		a, err = s.Answer(t.Context(), id, "U2", true, "")
		if err != nil || a.Status != store.ApprovalApproved || len(f.success) != 1 {
			t.Fatalf("second vote: %+v %v, answers %v", a.Status, err, f.success)
		}
	})
	t.Run("rejection", func(t *testing.T) {
		s, f, _, id := setup(t, "approval", 2)
		if _, err := s.Answer(t.Context(), id, "U1", false, "no"); err != nil {
			t.Fatal(err)
		}
		if strings.Join(f.failures, ",") != "Rejected" || len(f.success) != 0 {
			t.Errorf("answers = %v / %v, want one Rejected failure", f.success, f.failures)
		}
	})
	t.Run("expired task", func(t *testing.T) {
		s, f, _, id := setup(t, "approval", 1)
		f.err = &sfntypes.TaskTimedOut{}
		if _, err := s.Answer(t.Context(), id, "U1", true, ""); !errors.Is(err, ErrExpired) {
			t.Errorf("Answer = %v, want ErrExpired", err)
		}
	})
}

func TestDecide(t *testing.T) {
	tests := []struct {
		answer, wantErr string
		wantMode        store.Mode
	}{
		{"retry", "", store.ModeGraceful},
		{"ungraceful", "", store.ModeUngraceful},
		{"skip", "", store.ModeGraceful},
		{"abort", "", store.ModeGraceful},
		{"later", "not a decision", store.ModeGraceful},
	}
	for _, tc := range tests {
		t.Run(tc.answer, func(t *testing.T) {
			s, f, st, id := setup(t, "decision", 1)
			_, err := s.Decide(t.Context(), id, "U1", tc.answer, "")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Decide = %v, want %q", err, tc.wantErr)
				}
				if len(f.success) != 0 {
					t.Error("an invalid decision resumed the execution")
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if len(f.success) != 1 || !strings.Contains(f.success[0], `"action":"`+tc.answer+`"`) {
					t.Errorf("answers = %v", f.success)
				}
				if _, err := s.Decide(t.Context(), id, "U2", "retry", ""); err == nil {
					t.Error("a second decision was accepted")
				}
			}
			x, _ := st.GetExecution(t.Context(), "x1")
			if x.Mode != tc.wantMode {
				t.Errorf("mode = %s, want %s", x.Mode, tc.wantMode)
			}
		})
	}
	t.Run("answer to an approval", func(t *testing.T) {
		s, _, _, id := setup(t, "approval", 1)
		if _, err := s.Decide(t.Context(), id, "U1", "retry", ""); err == nil {
			t.Error("Decide accepted an approval")
		}
	})
}

func TestVoteResult(t *testing.T) {
	s, f, st, id := setup(t, "approval", 2)
	tests := []struct {
		name                 string
		user                 string
		wantCounted, wantEnd bool
		wantSent             int
	}{
		{"first approver", "U1", true, false, 0},
		{"same approver again", "U1", false, false, 0},
		{"quorum reached", "U2", true, true, 1},
		{"double click after quorum", "U2", false, false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := s.Vote(t.Context(), id, store.Vote{User: tc.user, Approve: true})
			if err != nil || r.Counted != tc.wantCounted || r.Completed != tc.wantEnd || len(f.success) != tc.wantSent {
				t.Fatalf("Vote = counted %v completed %v %v, sent %d; want %v %v nil %d", r.Counted, r.Completed, err, len(f.success), tc.wantCounted, tc.wantEnd, tc.wantSent)
			}
		})
	}
	t.Run("another approver after quorum", func(t *testing.T) {
		_, err := s.Vote(t.Context(), id, store.Vote{User: "U3", Approve: true})
		var np *store.NotPendingError
		if !errors.As(err, &np) || len(f.success) != 1 {
			t.Fatalf("Vote = %v (sent %d); want NotPendingError and no resend", err, len(f.success))
		}
	})
	recs, _ := st.ListAudit(t.Context(), "x1", 0, 0)
	answered := 0
	for _, r := range recs {
		if r.Action == "approval.answered" {
			answered++
			if r.Key == "" {
				t.Errorf("vote audit record without a Key: %+v", r)
			}
		}
	}
	if answered != 2 {
		t.Errorf("%d approval.answered records, want 2", answered)
	}
}

func TestStrandedAnswerIsResent(t *testing.T) {
	tests := []struct {
		name  string
		retry func(s *Service, id string) error
	}{
		{"same user retries", func(s *Service, id string) error {
			_, err := s.Answer(context.Background(), id, "U1", true, "")
			return err
		}},
		{"another user clicks", func(s *Service, id string) error {
			_, err := s.Answer(context.Background(), id, "U2", true, "")
			var np *store.NotPendingError
			if errors.As(err, &np) {
				return nil
			}
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, f, _, id := setup(t, "approval", 1)
			f.err = errors.New("states.us-west-2.amazonaws.com: connection reset")
			if _, err := s.Answer(t.Context(), id, "U1", true, ""); err == nil {
				t.Fatal("Answer hid the failed SendTaskSuccess")
			}
			f.err = nil
			if err := tc.retry(s, id); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if len(f.success) != 2 {
				t.Fatalf("SendTaskSuccess called %d times, want 2 (the failed one and the resend)", len(f.success))
			}
			if err := tc.retry(s, id); err != nil || len(f.success) != 2 {
				t.Fatalf("a delivered answer was sent again (%d sends, %v)", len(f.success), err)
			}
		})
	}
}

func TestVoteAfterExecutionEnded(t *testing.T) {
	s, f, st, id := setup(t, "approval", 1)
	if _, err := st.FinishExecution(t.Context(), "x1", store.ExecutionAborted, store.ExecutionResult{Error: "Cancelled"}); err != nil {
		t.Fatal(err)
	}
	r, err := s.Vote(t.Context(), id, store.Vote{User: "U1", Approve: true})
	if !errors.Is(err, ErrExpired) || r.Counted || len(f.success) != 0 {
		t.Fatalf("Vote = %+v %v; want ErrExpired, nothing counted or sent", r, err)
	}
	if a, _ := st.GetApproval(t.Context(), id); a.Status != store.ApprovalExpired {
		t.Errorf("approval %s, want expired", a.Status)
	}
	_, err = s.Answerer().Answer(t.Context(), id, store.Vote{User: "U1", Approve: true})
	var np *store.NotPendingError
	if !errors.As(err, &np) || np.Status != store.ApprovalExpired {
		t.Errorf("Answerer.Answer = %v, want NotPendingError expired", err)
	}
}
