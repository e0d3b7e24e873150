package memory_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/store"
	"github.com/switchyard-dev/switchyard/shared/store/memory"
	"github.com/switchyard-dev/switchyard/shared/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clk clock.Clock) store.Store { return memory.New(clk) })
}

func BenchmarkAppendAudit(b *testing.B) {
	s := memory.New(storetest.NewClock(storetest.Start))
	r := store.AuditRecord{Execution: "x1", Actor: "system", Action: "step.started"}
	for b.Loop() {
		if _, err := s.AppendAudit(b.Context(), r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApproval is one approval's life: create, two votes to quorum.
func BenchmarkApproval(b *testing.B) {
	s := memory.New(storetest.NewClock(storetest.Start))
	i := 0
	for b.Loop() {
		i++
		a, _, err := s.CreateApproval(b.Context(), store.Approval{Kind: store.KindApproval, Execution: "x1",
			TaskToken: strconv.Itoa(i), Quorum: 2, ExpiresAt: storetest.Start.Add(time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		for _, u := range []string{"alice", "bob"} {
			if _, err := s.VoteApproval(b.Context(), a.ID, store.Vote{User: u, Approve: true}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
