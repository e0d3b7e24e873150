package blocks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"

	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// configOf returns the step's typed configuration, or InvalidInput when the
// request carries no step or a configuration of another block.
func configOf[T plan.Config](req Request) (T, error) {
	var zero T
	if req.Step == nil || req.Step.With == nil {
		return zero, &errclass.InvalidInput{Field: "step.with", Message: "the request has no step configuration"}
	}
	c, ok := req.Step.With.(T)
	if !ok {
		return zero, &errclass.InvalidInput{Field: "step.with",
			Message: fmt.Sprintf("step %s has a %s configuration, not %s's", req.Step.Name, req.Step.With.BlockName(), zero.BlockName())}
	}
	return c, nil
}

// stepName is the step's name for messages.
func stepName(req Request) string {
	if req.Step == nil {
		return "(no step)"
	}
	return req.Step.Name
}

// loadState decodes the previous Progress.State into v (left as is when
// there is none).
func loadState(req Request, v any) error {
	if len(req.State) == 0 || string(req.State) == "null" {
		return nil
	}
	if err := json.Unmarshal(req.State, v); err != nil {
		return &errclass.InvalidInput{Field: "state", Message: fmt.Sprintf("step %s: progress state is not this block's: %v", stepName(req), err)}
	}
	return nil
}

// mustState encodes a block's progress state. The state types are plain
// structs, so encoding cannot fail; nil is returned if it ever did.
func mustState(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// requireTarget rejects a request without a target Region.
func requireTarget(req Request) error {
	if req.Target == "" {
		return &errclass.InvalidInput{Field: "target", Message: fmt.Sprintf("step %s: no target Region (the Region being moved into)", stepName(req))}
	}
	return nil
}

// notFound reports whether err is an AWS "does not exist" error.
func notFound(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	c := api.ErrorCode()
	return c == "NotFound" || c == "NoSuchKey" || c == "404" || strings.HasSuffix(c, "NotFoundFault") ||
		strings.HasSuffix(c, "NotFoundException") || c == "ResourceNotFoundException"
}

// errorCode is the AWS error code in err's chain ("" if none).
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// arnName is the last path or colon segment of an ARN (the bare name), or s
// itself when it is not an ARN.
func arnName(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	if i := strings.LastIndexAny(s, "/:"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// arnRegion is the Region field of an ARN ("" when absent or not an ARN).
func arnRegion(s string) string {
	a, err := plan.ParseARN(s)
	if err != nil {
		return ""
	}
	return a.Region
}

// metricPeak returns the largest Maximum of a metric over the window ending
// now, from region's CloudWatch (GetMetricData); ok is false when there are
// no datapoints.
func (d *deps) metricPeak(ctx context.Context, region, namespace, name string, dims map[string]string, window time.Duration) (peak float64, ok bool, err error) {
	now := d.clk.Now()
	period := int32(300)
	if window <= time.Hour {
		period = 60
	}
	var ds []cwtypes.Dimension
	for k, v := range dims {
		ds = append(ds, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(v)})
	}
	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-window)), EndTime: aws.Time(now),
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("peak"), ReturnData: aws.Bool(true),
			MetricStat: &cwtypes.MetricStat{Metric: &cwtypes.Metric{Namespace: aws.String(namespace), MetricName: aws.String(name), Dimensions: ds},
				Period: aws.Int32(period), Stat: aws.String("Maximum")}}},
	}
	for {
		out, err := d.clients.CloudWatch(region).GetMetricData(ctx, in)
		if err != nil {
			return 0, false, errclass.Classify(fmt.Sprintf("reading %s/%s in %s", namespace, name, region), err)
		}
		for _, r := range out.MetricDataResults {
			for _, v := range r.Values {
				if !ok || v > peak {
					peak, ok = v, true
				}
			}
		}
		if out.NextToken == nil {
			return peak, ok, nil
		}
		in.NextToken = out.NextToken
	}
}

// latestMetric returns the newest Maximum datapoint of a metric over the
// last window in region.
func (d *deps) latestMetric(ctx context.Context, region, namespace, name string, dims map[string]string, window time.Duration) (v float64, ok bool, err error) {
	now := d.clk.Now()
	var ds []cwtypes.Dimension
	for k, val := range dims {
		ds = append(ds, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(val)})
	}
	out, err := d.clients.CloudWatch(region).GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-window)), EndTime: aws.Time(now), ScanBy: cwtypes.ScanByTimestampDescending,
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("latest"), ReturnData: aws.Bool(true),
			MetricStat: &cwtypes.MetricStat{Metric: &cwtypes.Metric{Namespace: aws.String(namespace), MetricName: aws.String(name), Dimensions: ds},
				Period: aws.Int32(60), Stat: aws.String("Maximum")}}},
	})
	if err != nil {
		return 0, false, errclass.Classify(fmt.Sprintf("reading %s/%s in %s", namespace, name, region), err)
	}
	var newest time.Time
	for _, r := range out.MetricDataResults {
		for i, val := range r.Values {
			if i < len(r.Timestamps) && (!ok || r.Timestamps[i].After(newest)) {
				v, newest, ok = val, r.Timestamps[i], true
			}
		}
	}
	return v, ok, nil
}
