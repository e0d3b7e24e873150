package blocks

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// FenceFlags reads and writes application write-fence flags: the SSM
// parameter or DynamoDB item a Fence step names, in region. Get's found is
// false for a flag that does not exist yet. awsapi.Clients has neither an
// SSM nor a DynamoDB client, so the fence block takes this from
// WithFenceFlags.
type FenceFlags interface {
	Get(ctx context.Context, region string, f *plan.Fence) (value string, found bool, err error)
	Set(ctx context.Context, region string, f *plan.Fence) error
}

// WithFenceFlags sets how the fence block reaches its flags.
func WithFenceFlags(f FenceFlags) Option { return func(o *deps) { o.fence = f } }

// fence sets a write-fence flag, normally in the Region being left. It
// reads the flag and writes Value only when it differs, then reads it back.
// In ungraceful mode a flag in the source Region is never called: the step
// completes with fenced=false, even with mustSucceed (which binds graceful
// runs). Otherwise it is best effort unless mustSucceed: when the flag's
// Region is unreachable or no FenceFlags is configured, the step completes
// with fenced=false and the reason in its outputs; with mustSucceed those
// cases fail (Retryable for an unreachable Region, Terminal otherwise).
type fence struct{ *deps }

// fenceRegion is the Region of the flag: its ARN's, else the source's.
func fenceRegion(req Request, f *plan.Fence) string {
	arn := f.SSMParameter
	if f.DynamoDBItem != nil {
		arn = f.DynamoDBItem.Table
	}
	if r := arnRegion(arn); r != "" {
		return r
	}
	return req.Source
}

func fenceName(f *plan.Fence) string {
	if f.DynamoDBItem != nil {
		return arnName(f.DynamoDBItem.Table) + "." + f.DynamoDBItem.Attribute
	}
	return arnName(f.SSMParameter)
}

func (b *fence) Start(ctx context.Context, req Request) (Progress, error) {
	cfg, err := configOf[*plan.Fence](req)
	if err != nil {
		return Progress{}, err
	}
	region := fenceRegion(req, cfg)
	name := fenceName(cfg)
	skip := func(reason string, cause error) (Progress, error) {
		if cfg.MustSucceed {
			if cause != nil && errclass.IsRetryable(cause) {
				return Progress{}, &errclass.Retryable{Op: fmt.Sprintf("fencing %s in %s", name, region), Err: cause}
			}
			return Progress{}, &errclass.Terminal{Op: fmt.Sprintf("fencing %s in %s (mustSucceed)", name, region), Err: errors.New(reason)}
		}
		return Progress{Done: true, Outputs: map[string]any{"fenced": false, "region": region, "reason": reason},
			Message: fmt.Sprintf("write fence %s in %s not set (best effort): %s", name, region, reason)}, nil
	}
	if req.Mode == Ungraceful && region == req.Source {
		// mustSucceed binds graceful runs: in ungraceful mode the source
		// Region is never called, so the fence is recorded as not set.
		return Progress{Done: true, Outputs: map[string]any{"fenced": false, "region": region, "reason": "ungraceful mode: the source Region is not called"},
			Message: fmt.Sprintf("write fence %s in %s not set: ungraceful mode never calls the source Region", name, region)}, nil
	}
	if b.fence == nil {
		return skip("no SSM/DynamoDB access configured (blocks.WithFenceFlags)", nil)
	}
	value := cfg.Value
	if value == "" {
		value = "fenced"
	}
	for range 2 {
		got, found, err := b.fence.Get(ctx, region, cfg)
		if err != nil {
			if errclass.IsRetryable(err) {
				return skip("the flag's Region did not answer: "+err.Error(), err)
			}
			return Progress{}, errclass.Classify(fmt.Sprintf("reading write fence %s in %s", name, region), err)
		}
		if found && got == value {
			return Progress{Done: true, Outputs: map[string]any{"fenced": true, "region": region},
				Message: fmt.Sprintf("write fence %s in %s is %q", name, region, value)}, nil
		}
		if err := b.fence.Set(ctx, region, cfg); err != nil {
			if errclass.IsRetryable(err) {
				return skip("the flag's Region did not answer: "+err.Error(), err)
			}
			return Progress{}, errclass.Classify(fmt.Sprintf("setting write fence %s in %s", name, region), err)
		}
	}
	return Progress{}, &errclass.Retryable{Op: fmt.Sprintf("setting write fence %s in %s", name, region), Err: errors.New("the flag does not read back as written")}
}

func (b *fence) Poll(ctx context.Context, req Request) (Progress, error) { return b.Start(ctx, req) }

// Check: the flag can be read (a warning otherwise: the step is best
// effort unless mustSucceed).
func (b *fence) Check(ctx context.Context, req Request) ([]Finding, error) {
	cfg, err := configOf[*plan.Fence](req)
	if err != nil {
		return nil, err
	}
	sev := "warning"
	if cfg.MustSucceed {
		sev = "error"
	}
	if b.fence == nil {
		return []Finding{{Severity: sev, Resource: fenceName(cfg), Check: "fence/configured", Message: "no SSM/DynamoDB access configured: the fence would not be set"}}, nil
	}
	region := fenceRegion(req, cfg)
	if _, _, err := b.fence.Get(ctx, region, cfg); err != nil {
		return []Finding{{Severity: sev, Resource: fenceName(cfg), Check: "fence/readable", Message: fmt.Sprintf("cannot read write fence %s in %s: %v", fenceName(cfg), region, err)}}, nil
	}
	return nil, nil
}
