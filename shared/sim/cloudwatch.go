package sim

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// AlarmSpec describes a CloudWatch metric alarm.
type AlarmSpec struct {
	Region     string
	Name       string
	Namespace  string
	MetricName string
	Dimensions map[string]string
	// Statistic defaults to Maximum.
	Statistic cwtypes.Statistic
	// Period in seconds (default 60).
	Period int32
	// EvaluationPeriods defaults to 1.
	EvaluationPeriods int32
	Threshold         float64
	// Comparison defaults to GreaterThanOrEqualToThreshold.
	Comparison cwtypes.ComparisonOperator
	// State is the initial state (default OK).
	State cwtypes.StateValue
}

type alarm struct {
	spec          AlarmSpec
	arn           string
	state         cwtypes.StateValue
	reason        string
	updated       time.Time
	transitioned  time.Time
	pendingReeval bool
}

type point struct {
	t time.Time
	v float64
}

type cloudWatchState struct {
	alarms  map[string]*alarm  // region/name
	metrics map[string][]point // metricKey
}

func (c *cloudWatchState) init() {
	c.alarms = map[string]*alarm{}
	c.metrics = map[string][]point{}
}

func metricKey(region, ns, name string, dims map[string]string) string {
	keys := make([]string, 0, len(dims))
	for k, v := range dims {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return region + "|" + ns + "|" + name + "|" + strings.Join(keys, ",")
}

func dimMap(ds []cwtypes.Dimension) map[string]string {
	m := map[string]string{}
	for _, d := range ds {
		m[aws.ToString(d.Name)] = aws.ToString(d.Value)
	}
	return m
}

func dimList(m map[string]string) []cwtypes.Dimension {
	var out []cwtypes.Dimension
	for _, k := range sortedKeys(m) {
		out = append(out, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

// AddAlarm adds a metric alarm.
func (w *World) AddAlarm(spec AlarmSpec) error {
	return w.mutate(func(now time.Time) error {
		if err := w.checkRegion(spec.Region); err != nil {
			return fmt.Errorf("alarm %s: %w", spec.Name, err)
		}
		if spec.Name == "" {
			return fmt.Errorf("alarm in %s: Name is empty", spec.Region)
		}
		key := spec.Region + "/" + spec.Name
		if _, ok := w.cw.alarms[key]; ok {
			return fmt.Errorf("alarm %s in %s: %w", spec.Name, spec.Region, ErrDuplicate)
		}
		if spec.Statistic == "" {
			spec.Statistic = cwtypes.StatisticMaximum
		}
		if spec.Period <= 0 {
			spec.Period = 60
		}
		if spec.EvaluationPeriods <= 0 {
			spec.EvaluationPeriods = 1
		}
		if spec.Comparison == "" {
			spec.Comparison = cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold
		}
		if spec.State == "" {
			spec.State = cwtypes.StateValueOk
		}
		w.cw.alarms[key] = &alarm{spec: spec, state: spec.State, updated: now, transitioned: now, reason: "Initial state",
			arn: fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", spec.Region, w.account, spec.Name)}
		return nil
	})
}

// MetricSeries seeds metric history: Value(t) every Period over Span up to
// now.
type MetricSeries struct {
	Region     string
	Namespace  string
	MetricName string
	Dimensions map[string]string
	Span       time.Duration
	Period     time.Duration
	Value      func(t time.Time) float64
}

// AddMetricHistory seeds a metric's history.
func (w *World) AddMetricHistory(s MetricSeries) error {
	return w.mutate(func(now time.Time) error {
		if err := w.checkRegion(s.Region); err != nil {
			return fmt.Errorf("metric %s/%s: %w", s.Namespace, s.MetricName, err)
		}
		if s.Period <= 0 || s.Span <= 0 || s.Value == nil {
			return fmt.Errorf("metric %s/%s: Period and Span must be > 0 and Value set", s.Namespace, s.MetricName)
		}
		key := metricKey(s.Region, s.Namespace, s.MetricName, s.Dimensions)
		start := now.Add(-s.Span).Truncate(s.Period)
		for t := start; !t.After(now); t = t.Add(s.Period) {
			w.putPoint(key, point{t: t, v: s.Value(t)})
		}
		return nil
	})
}

// seedDiurnal seeds 24 h of a daily curve peaking at peak 6 h ago.
func (w *World) seedDiurnal(now time.Time, region, ns, name string, dims map[string]string, peak float64, integer bool) {
	const step = 5 * time.Minute
	key := metricKey(region, ns, name, dims)
	peakAt := now.Add(-6 * time.Hour).Truncate(step)
	for t := now.Add(-24 * time.Hour).Truncate(step); !t.After(now); t = t.Add(step) {
		v := peak * (0.65 + 0.35*math.Cos(2*math.Pi*t.Sub(peakAt).Hours()/24))
		if integer {
			v = math.Round(v)
		}
		w.putPoint(key, point{t: t, v: v})
	}
}

func (w *World) putPoint(key string, p point) {
	pts := w.cw.metrics[key]
	i := sort.Search(len(pts), func(i int) bool { return pts[i].t.After(p.t) })
	pts = append(pts, point{})
	copy(pts[i+1:], pts[i:])
	pts[i] = p
	w.cw.metrics[key] = pts
}

// points returns the datapoints of a metric in [start, end), including the
// synthetic Aurora replication-lag metric.
func (w *World) points(region, ns, name string, dims map[string]string, start, end, now time.Time) []point {
	if ns == "AWS/RDS" && name == "AuroraGlobalDBReplicationLag" {
		if cl := w.findCluster(region, dims["DBClusterIdentifier"]); cl != nil && cl.global != "" {
			g := w.globals[cl.global]
			idx := g.findMember(cl.id)
			var out []point
			for t := start.Truncate(time.Minute); t.Before(end) && !t.After(now); t = t.Add(time.Minute) {
				if !t.Before(start) {
					out = append(out, point{t: t, v: float64(g.lagOf(idx, t)) / float64(time.Millisecond)})
				}
			}
			return out
		}
	}
	var out []point
	for _, p := range w.cw.metrics[metricKey(region, ns, name, dims)] {
		if !p.t.Before(start) && p.t.Before(end) {
			out = append(out, p)
		}
	}
	return out
}

type bucket struct {
	t                time.Time
	sum, min, max, n float64
}

func buckets(pts []point, start time.Time, period time.Duration) []bucket {
	var out []bucket
	for _, p := range pts {
		bt := start.Add(p.t.Sub(start) / period * period)
		if len(out) == 0 || !out[len(out)-1].t.Equal(bt) {
			out = append(out, bucket{t: bt, min: p.v, max: p.v})
		}
		b := &out[len(out)-1]
		b.sum += p.v
		b.n++
		b.min = math.Min(b.min, p.v)
		b.max = math.Max(b.max, p.v)
	}
	return out
}

func (b bucket) stat(s string) (float64, bool) {
	switch s {
	case "Maximum":
		return b.max, true
	case "Minimum":
		return b.min, true
	case "Sum":
		return b.sum, true
	case "Average":
		return b.sum / b.n, true
	case "SampleCount":
		return b.n, true
	}
	return 0, false
}

func invalidParam(msg string) error { return apiError("InvalidParameterValue", msg, faultClient) }

// CloudWatchClient is a Region's simulated CloudWatch API.
type CloudWatchClient struct {
	w      *World
	region string
}

// CloudWatch returns the CloudWatch client for region.
func (w *World) CloudWatch(region string) *CloudWatchClient {
	return &CloudWatchClient{w: w, region: region}
}

func (c *CloudWatchClient) snapshot(a *alarm) cwtypes.MetricAlarm {
	s := a.spec
	return cwtypes.MetricAlarm{AlarmName: aws.String(s.Name), AlarmArn: aws.String(a.arn), Namespace: aws.String(s.Namespace),
		MetricName: aws.String(s.MetricName), Dimensions: dimList(s.Dimensions), Statistic: s.Statistic, Period: aws.Int32(s.Period),
		EvaluationPeriods: aws.Int32(s.EvaluationPeriods), Threshold: aws.Float64(s.Threshold), ComparisonOperator: s.Comparison,
		StateValue: a.state, StateReason: aws.String(a.reason), StateUpdatedTimestamp: aws.Time(a.updated),
		StateTransitionedTimestamp: aws.Time(a.transitioned), ActionsEnabled: aws.Bool(true)}
}

// DescribeAlarms lists the Region's metric alarms, filtered by names,
// prefix and state.
func (c *CloudWatchClient) DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	if in == nil {
		in = &cloudwatch.DescribeAlarmsInput{}
	}
	out := &cloudwatch.DescribeAlarmsOutput{}
	err := c.w.do(ctx, svcCloudWatch, "DescribeAlarms", c.region, func(time.Time) error {
		for _, k := range sortedKeys(c.w.cw.alarms) {
			a := c.w.cw.alarms[k]
			if a.spec.Region != c.region {
				continue
			}
			if len(in.AlarmNames) > 0 && !containsStr(in.AlarmNames, a.spec.Name) {
				continue
			}
			if in.AlarmNamePrefix != nil && !strings.HasPrefix(a.spec.Name, *in.AlarmNamePrefix) {
				continue
			}
			if in.StateValue != "" && in.StateValue != a.state {
				continue
			}
			out.MetricAlarms = append(out.MetricAlarms, c.snapshot(a))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func containsStr(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// AlarmStateChangeDetail is the detail of a "CloudWatch Alarm State Change"
// event (the fields Switchyard reads).
type AlarmStateChangeDetail struct {
	AlarmName     string     `json:"alarmName"`
	State         AlarmState `json:"state"`
	PreviousState AlarmState `json:"previousState"`
}

// AlarmState is one side of an alarm state change.
type AlarmState struct {
	Value     string `json:"value"`
	Reason    string `json:"reason"`
	Timestamp string `json:"timestamp"`
}

// setAlarm changes an alarm's state at t and emits the event; lock held.
func (w *World) setAlarm(a *alarm, t time.Time, v cwtypes.StateValue, reason string) {
	prev := a.state
	prevReason, prevAt := a.reason, a.updated
	a.state, a.reason, a.updated = v, reason, t
	if prev == v {
		return
	}
	a.transitioned = t
	ts := func(x time.Time) string { return x.UTC().Format("2006-01-02T15:04:05.000+0000") }
	w.emit(t, a.spec.Region, "aws.cloudwatch", "CloudWatch Alarm State Change", []string{a.arn}, AlarmStateChangeDetail{
		AlarmName:     a.spec.Name,
		State:         AlarmState{Value: string(v), Reason: reason, Timestamp: ts(t)},
		PreviousState: AlarmState{Value: string(prev), Reason: prevReason, Timestamp: ts(prevAt)},
	})
	w.noteTraffic(t)
}

// SetAlarmState sets an alarm's state (until the next evaluation changes
// it), as a drill does to inject a trigger.
func (c *CloudWatchClient) SetAlarmState(ctx context.Context, in *cloudwatch.SetAlarmStateInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.SetAlarmStateOutput, error) {
	if in == nil {
		in = &cloudwatch.SetAlarmStateInput{}
	}
	err := c.w.do(ctx, svcCloudWatch, "SetAlarmState", c.region, func(now time.Time) error {
		a := c.w.cw.alarms[c.region+"/"+aws.ToString(in.AlarmName)]
		if a == nil {
			return &cwtypes.ResourceNotFound{Message: aws.String(fmt.Sprintf("Alarm %s not found", aws.ToString(in.AlarmName)))}
		}
		switch in.StateValue {
		case cwtypes.StateValueOk, cwtypes.StateValueAlarm, cwtypes.StateValueInsufficientData:
		default:
			return invalidParam(fmt.Sprintf("Invalid StateValue %q; allowed: OK, ALARM, INSUFFICIENT_DATA", in.StateValue))
		}
		c.w.setAlarm(a, now, in.StateValue, aws.ToString(in.StateReason))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &cloudwatch.SetAlarmStateOutput{}, nil
}

// PutMetricData stores datapoints; alarms on the metric are evaluated
// Durations.AlarmEvaluation later.
func (c *CloudWatchClient) PutMetricData(ctx context.Context, in *cloudwatch.PutMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error) {
	if in == nil {
		in = &cloudwatch.PutMetricDataInput{}
	}
	err := c.w.do(ctx, svcCloudWatch, "PutMetricData", c.region, func(now time.Time) error {
		w := c.w
		ns := aws.ToString(in.Namespace)
		if ns == "" || strings.HasPrefix(ns, "AWS/") {
			return invalidParam(fmt.Sprintf("Namespace %q is invalid: it is required and must not start with AWS/", ns))
		}
		for _, d := range in.MetricData {
			if d.MetricName == nil || (d.Value == nil && len(d.Values) == 0) {
				return invalidParam("Each MetricDatum needs MetricName and Value (or Values)")
			}
		}
		for _, d := range in.MetricData {
			dims := dimMap(d.Dimensions)
			t := now
			if d.Timestamp != nil {
				t = *d.Timestamp
			}
			vals := d.Values
			if d.Value != nil {
				vals = append(vals, *d.Value)
			}
			for _, v := range vals {
				w.putPoint(metricKey(c.region, ns, *d.MetricName, dims), point{t: t, v: v})
			}
			for _, k := range sortedKeys(w.cw.alarms) {
				a := w.cw.alarms[k]
				if a.spec.Region == c.region && a.spec.Namespace == ns && a.spec.MetricName == *d.MetricName &&
					metricKey("", "", "", a.spec.Dimensions) == metricKey("", "", "", dims) && !a.pendingReeval {
					a.pendingReeval = true
					w.schedule(now.Add(w.d.AlarmEvaluation), func(at time.Time) { w.evaluate(a, at) })
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &cloudwatch.PutMetricDataOutput{}, nil
}

// evaluate an alarm at t from its latest datapoints; lock held.
func (w *World) evaluate(a *alarm, t time.Time) {
	a.pendingReeval = false
	s := a.spec
	period := time.Duration(s.Period) * time.Second
	start := t.Add(-period * time.Duration(s.EvaluationPeriods))
	pts := w.points(s.Region, s.Namespace, s.MetricName, s.Dimensions, start, t.Add(time.Nanosecond), t)
	if len(pts) == 0 {
		return
	}
	bs := buckets(pts, start, period)
	v, _ := bs[len(bs)-1].stat(string(s.Statistic))
	var breach bool
	switch s.Comparison {
	case cwtypes.ComparisonOperatorGreaterThanThreshold:
		breach = v > s.Threshold
	case cwtypes.ComparisonOperatorLessThanThreshold:
		breach = v < s.Threshold
	case cwtypes.ComparisonOperatorLessThanOrEqualToThreshold:
		breach = v <= s.Threshold
	default:
		breach = v >= s.Threshold
	}
	st, word := cwtypes.StateValueOk, "not greater than or equal to"
	if breach {
		st, word = cwtypes.StateValueAlarm, "greater than or equal to"
	}
	w.setAlarm(a, t, st, fmt.Sprintf("Threshold Crossed: 1 datapoint [%g] was %s the threshold (%g).", v, word, s.Threshold))
}

// GetMetricStatistics aggregates a metric's datapoints per period.
func (c *CloudWatchClient) GetMetricStatistics(ctx context.Context, in *cloudwatch.GetMetricStatisticsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricStatisticsOutput, error) {
	if in == nil {
		in = &cloudwatch.GetMetricStatisticsInput{}
	}
	out := &cloudwatch.GetMetricStatisticsOutput{}
	err := c.w.do(ctx, svcCloudWatch, "GetMetricStatistics", c.region, func(now time.Time) error {
		if in.StartTime == nil || in.EndTime == nil || !in.StartTime.Before(*in.EndTime) {
			return invalidParam("StartTime and EndTime are required and StartTime must be before EndTime")
		}
		if aws.ToInt32(in.Period) <= 0 {
			return invalidParam("Period must be a positive number of seconds")
		}
		if len(in.Statistics) == 0 {
			return invalidParam("At least one of Statistics is required (ExtendedStatistics are not simulated)")
		}
		period := time.Duration(*in.Period) * time.Second
		pts := c.w.points(c.region, aws.ToString(in.Namespace), aws.ToString(in.MetricName), dimMap(in.Dimensions), *in.StartTime, *in.EndTime, now)
		out.Label = in.MetricName
		for _, b := range buckets(pts, *in.StartTime, period) {
			dp := cwtypes.Datapoint{Timestamp: aws.Time(b.t), Unit: in.Unit}
			for _, s := range in.Statistics {
				v, _ := b.stat(string(s))
				switch s {
				case cwtypes.StatisticMaximum:
					dp.Maximum = aws.Float64(v)
				case cwtypes.StatisticMinimum:
					dp.Minimum = aws.Float64(v)
				case cwtypes.StatisticSum:
					dp.Sum = aws.Float64(v)
				case cwtypes.StatisticAverage:
					dp.Average = aws.Float64(v)
				case cwtypes.StatisticSampleCount:
					dp.SampleCount = aws.Float64(v)
				}
			}
			out.Datapoints = append(out.Datapoints, dp)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetMetricData answers MetricStat queries (metric math is not simulated),
// newest first.
func (c *CloudWatchClient) GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	if in == nil {
		in = &cloudwatch.GetMetricDataInput{}
	}
	out := &cloudwatch.GetMetricDataOutput{}
	err := c.w.do(ctx, svcCloudWatch, "GetMetricData", c.region, func(now time.Time) error {
		if in.StartTime == nil || in.EndTime == nil || !in.StartTime.Before(*in.EndTime) {
			return invalidParam("StartTime and EndTime are required and StartTime must be before EndTime")
		}
		for _, q := range in.MetricDataQueries {
			if q.Expression != nil {
				return invalidParam(fmt.Sprintf("query %s: metric math expressions are not supported by the simulator", aws.ToString(q.Id)))
			}
			ms := q.MetricStat
			if ms == nil || ms.Metric == nil || aws.ToInt32(ms.Period) <= 0 {
				return invalidParam(fmt.Sprintf("query %s: MetricStat with Metric and a positive Period is required", aws.ToString(q.Id)))
			}
			if _, ok := (bucket{n: 1}).stat(aws.ToString(ms.Stat)); !ok {
				return invalidParam(fmt.Sprintf("query %s: Stat %q is not supported; allowed: Maximum, Minimum, Sum, Average, SampleCount", aws.ToString(q.Id), aws.ToString(ms.Stat)))
			}
			if q.ReturnData != nil && !*q.ReturnData {
				continue
			}
			period := time.Duration(*ms.Period) * time.Second
			pts := c.w.points(c.region, aws.ToString(ms.Metric.Namespace), aws.ToString(ms.Metric.MetricName), dimMap(ms.Metric.Dimensions), *in.StartTime, *in.EndTime, now)
			res := cwtypes.MetricDataResult{Id: q.Id, Label: ms.Metric.MetricName, StatusCode: cwtypes.StatusCodeComplete}
			if q.Label != nil {
				res.Label = q.Label
			}
			bs := buckets(pts, *in.StartTime, period)
			for i := len(bs) - 1; i >= 0; i-- {
				v, _ := bs[i].stat(aws.ToString(ms.Stat))
				res.Timestamps = append(res.Timestamps, bs[i].t)
				res.Values = append(res.Values, v)
			}
			if in.ScanBy == cwtypes.ScanByTimestampAscending {
				for i, j := 0, len(res.Values)-1; i < j; i, j = i+1, j-1 {
					res.Timestamps[i], res.Timestamps[j] = res.Timestamps[j], res.Timestamps[i]
					res.Values[i], res.Values[j] = res.Values[j], res.Values[i]
				}
			}
			out.MetricDataResults = append(out.MetricDataResults, res)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AlarmStateOf reports an alarm's state (for assertions).
func (w *World) AlarmStateOf(region, name string) (cwtypes.StateValue, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.settleNow()
	a := w.cw.alarms[region+"/"+name]
	if a == nil {
		return "", fmt.Errorf("alarm %s in %s not found", name, region)
	}
	return a.state, nil
}
