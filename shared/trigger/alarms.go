package trigger

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/switchyard-dev/switchyard/shared/awsapi"
)

// CloudWatchAlarms reads alarm states with DescribeAlarms, up to 100 names
// per call.
type CloudWatchAlarms struct {
	// CloudWatch returns the client of a Region (awsapi.Clients.CloudWatch).
	CloudWatch func(region string) awsapi.CloudWatch
}

var _ AlarmReader = CloudWatchAlarms{}

// AlarmStates implements AlarmReader.
func (c CloudWatchAlarms) AlarmStates(ctx context.Context, region string, names []string) (map[string]AlarmObservation, error) {
	out := map[string]AlarmObservation{}
	for i := 0; i < len(names); i += 100 {
		batch := names[i:min(i+100, len(names))]
		var next *string
		for {
			res, err := c.CloudWatch(region).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: batch, NextToken: next,
				AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm}})
			if err != nil {
				return nil, fmt.Errorf("describing alarms in %s: %w", region, err)
			}
			for _, a := range res.MetricAlarms {
				out[aws.ToString(a.AlarmName)] = AlarmObservation{State: string(a.StateValue), Since: since(a.StateTransitionedTimestamp, a.StateUpdatedTimestamp)}
			}
			for _, a := range res.CompositeAlarms {
				out[aws.ToString(a.AlarmName)] = AlarmObservation{State: string(a.StateValue), Since: since(a.StateTransitionedTimestamp, a.StateUpdatedTimestamp)}
			}
			if res.NextToken == nil {
				break
			}
			next = res.NextToken
		}
	}
	return out, nil
}

// since prefers StateTransitionedTimestamp (when the state last changed)
// over StateUpdatedTimestamp (which also moves on reason updates).
func since(transitioned, updated *time.Time) time.Time {
	if transitioned != nil && !transitioned.IsZero() {
		return *transitioned
	}
	return aws.ToTime(updated)
}
