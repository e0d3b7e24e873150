package slackapp

import (
	"context"
	"testing"

	"github.com/switchyard-dev/switchyard/shared/clock"
)

func TestGoDeferrerOutlivesTheRequest(t *testing.T) {
	type seen struct {
		f   FollowUp
		err error
	}
	ch := make(chan seen, 1)
	d := GoDeferrer{Clock: clock.Real{}, Run: func(ctx context.Context, f FollowUp) { ch <- seen{f, ctx.Err()} }}
	reqCtx, cancel := context.WithCancel(t.Context())
	cancel() // the HTTP request is over before the follow-up runs
	d.Defer(reqCtx, FollowUp{Approval: "AAAAAAAAAAAAAAAAAAAAAA"})
	got := <-ch
	if got.f.Approval != "AAAAAAAAAAAAAAAAAAAAAA" || got.err != nil {
		t.Fatalf("follow-up %+v ran with context error %v, want it detached from the request", got.f, got.err)
	}
}
