package localstart_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/sim"
	"github.com/switchyard-dev/switchyard/shared/trigger"
	"github.com/switchyard-dev/switchyard/shared/trigger/localstart"
)

func TestStarter(t *testing.T) {
	_, f, _, _ := runtime.Caller(0)
	plans, err := plan.ParseFile(filepath.Join(filepath.Dir(f), "..", "..", "..", "examples", "plans", "payments.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewVirtual(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
	w, err := readiness.WorldFromPlan(readiness.WorldOptions{Options: sim.Options{Clock: clk, Seed: 1}}, plans...)
	if err != nil {
		t.Fatal(err)
	}
	s, err := localstart.New(localstart.Config{Clock: clk, World: w, Plans: plans})
	if err != nil {
		t.Fatal(err)
	}
	req := trigger.StartRequest{Plan: "payments", Target: "us-west-2", Source: "us-east-1", WaitForApproval: true,
		ClientToken: "trg-0123456789abcdef", StartedBy: "trigger:api-5xx", Reason: "test"}
	// Start twice with one token (a repeated delivery) while time stands
	// still, then let the execution run up to its approval step.
	hold := clk.Hold()
	first, err := s.Start(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Start(t.Context(), req)
	if err != nil || again != first {
		t.Fatalf("second Start = %q, %v; want the first execution %q", again, err, first)
	}
	// Time moves for one minute, then stands still again while the test
	// looks (the approval would otherwise time out in virtual time).
	done := make(chan struct{})
	clk.Go(func() {
		_ = clk.Sleep(t.Context(), time.Minute)
		hold = clk.Hold()
		close(done)
	})
	release := hold
	release()
	<-done
	t.Cleanup(func() { hold() })
	started := s.Started()
	if len(started) != 1 || started[0].ExecutionArn != first || started[0].Region != "us-west-2" {
		t.Fatalf("Started = %+v, want one execution %s in us-west-2", started, first)
	}
	status, err := s.Status(t.Context(), started[0])
	if err != nil || status != sfntypes.ExecutionStatusRunning {
		why := ""
		if rt, rerr := s.Runtime("us-west-2"); rerr == nil {
			if d, derr := rt.Engine().DescribeExecution(t.Context(), &sfn.DescribeExecutionInput{ExecutionArn: &first}); derr == nil {
				why = fmt.Sprintf(" (error %v: %v)", aws.ToString(d.Error), aws.ToString(d.Cause))
			}
		}
		t.Errorf("Status = %s, %v; want RUNNING%s", status, err, why)
	}
	if a, ok := s.WaitingApproval(started[0]); !ok || a.Step != "approve-failover" {
		t.Errorf("WaitingApproval = %+v, %v; want approve-failover (approvals %+v)", a, ok, s.Approvals())
	}
	t.Run("no target", func(t *testing.T) {
		if _, err := s.Start(t.Context(), trigger.StartRequest{Plan: "payments", ClientToken: "trg-x"}); err == nil {
			t.Error("Start without a target succeeded")
		}
	})
}
