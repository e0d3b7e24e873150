package readiness

import (
	"context"
	"sync"
	"time"

	"github.com/switchyard-dev/switchyard/shared/clock"
)

// Limit is a token bucket: RPS calls per second sustained, Burst at once.
type Limit struct {
	RPS   float64
	Burst int
}

// DefaultLimits are the per-API budgets readiness keeps to, per Region, keyed
// "service/API" with the simulator's short service names. They are set at or
// below the documented AWS limits so that readiness never competes with a
// running execution for throttling budget:
//   - ECS DescribeServices: 20/s sustained, 50 burst (ECS API request
//     throttling, "Amazon ECS API request throttling" in the ECS docs);
//   - CloudWatch DescribeAlarms 9/s, GetMetricData 50/s (CloudWatch service
//     quotas page);
//   - Route 53: 5 requests per second per account (Route 53 quotas page);
//   - IAM SimulatePrincipalPolicy: 2/s sustained, burst 10 (IAM is a global
//     control plane; AWS does not publish a figure; one evaluation makes one
//     call per block kind, at most 13);
//   - Secrets Manager DescribeSecret: 40/s (Secrets Manager quotas page);
//   - RDS Describe*: 10/s (conservative; RDS throttles Describe calls per
//     account);
//   - Auto Scaling Describe: 10/s; ARC data plane: 10/s per cluster endpoint.
var DefaultLimits = map[string]Limit{
	"ecs/DescribeServices":                  {RPS: 20, Burst: 50},
	"cloudwatch/DescribeAlarms":             {RPS: 9, Burst: 9},
	"cloudwatch/GetMetricData":              {RPS: 50, Burst: 50},
	"route53/GetHealthCheckStatus":          {RPS: 5, Burst: 5},
	"iam/SimulatePrincipalPolicy":           {RPS: 2, Burst: 10},
	"secretsmanager/DescribeSecret":         {RPS: 40, Burst: 40},
	"rds/DescribeGlobalClusters":            {RPS: 10, Burst: 10},
	"rds/DescribeDBClusters":                {RPS: 10, Burst: 10},
	"autoscaling/DescribeAutoScalingGroups": {RPS: 10, Burst: 10},
	"arc/GetRoutingControlState":            {RPS: 10, Burst: 10},
}

// limiter keeps one token bucket per key (service/API/Region) on the
// shared clock. Callers reserve a slot and sleep until it comes; the
// reservation is a GCRA "theoretical arrival time", which is exactly a token
// bucket that starts full.
type limiter struct {
	clk    clock.Clock
	limits map[string]Limit
	mu     sync.Mutex
	tat    map[string]time.Time
}

func newLimiter(clk clock.Clock, limits map[string]Limit) *limiter {
	return &limiter{clk: clk, limits: limits, tat: map[string]time.Time{}}
}

// wait blocks until a call to api (service/API) in region is within budget.
func (l *limiter) wait(ctx context.Context, api, region string) error {
	lim, ok := l.limits[api]
	if !ok || lim.RPS <= 0 {
		return ctx.Err()
	}
	burst := max(lim.Burst, 1)
	interval := time.Duration(float64(time.Second) / lim.RPS)
	key := api + "/" + region
	l.mu.Lock()
	now := l.clk.Now()
	tat := l.tat[key]
	if tat.Before(now) {
		tat = now
	}
	at := tat.Add(-time.Duration(burst-1) * interval)
	l.tat[key] = tat.Add(interval)
	l.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		return l.clk.Sleep(ctx, d)
	}
	return ctx.Err()
}
