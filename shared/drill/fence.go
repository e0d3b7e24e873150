package drill

import (
	"context"
	"fmt"
	"sync"

	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/sim"
)

// fenceFlags are the applications' write-fence flags (SSM parameters or
// DynamoDB items) for the drill: the simulator models neither service, so
// the drill keeps the flags itself, per Region, reachable only while the
// Region's data plane is up in the world (an unreachable Region is a
// Retryable error, as a connection failure would be).
type fenceFlags struct {
	w  *sim.World
	mu sync.Mutex
	m  map[string]string // region/name → value
}

var _ blocks.FenceFlags = (*fenceFlags)(nil)

func flagName(f *plan.Fence) string {
	if f.DynamoDBItem != nil {
		return f.DynamoDBItem.Table + "#" + f.DynamoDBItem.Attribute
	}
	return f.SSMParameter
}

func (f *fenceFlags) reachable(region string) error {
	for _, s := range f.w.RegionStatuses() {
		if s.Region == region && !s.DataPlaneUp {
			return &errclass.Retryable{Op: "reaching the write fence in " + region, Err: fmt.Errorf("%s is unreachable", region)}
		}
	}
	return nil
}

// Get implements blocks.FenceFlags.
func (f *fenceFlags) Get(_ context.Context, region string, fl *plan.Fence) (string, bool, error) {
	if err := f.reachable(region); err != nil {
		return "", false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[region+"/"+flagName(fl)]
	return v, ok, nil
}

// Set implements blocks.FenceFlags.
func (f *fenceFlags) Set(_ context.Context, region string, fl *plan.Fence) error {
	if err := f.reachable(region); err != nil {
		return err
	}
	v := fl.Value
	if v == "" {
		v = "fenced"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]string{}
	}
	f.m[region+"/"+flagName(fl)] = v
	return nil
}
