package sim

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/route53recoverycluster"
	arctypes "github.com/aws/aws-sdk-go-v2/service/route53recoverycluster/types"
)

// arcWorld has a cluster with one control per Region, an assertion rule
// (at least one On) and a gating rule on a "gate" control.
func arcWorld(t *testing.T) (*World, *fakeClock, map[string]string) {
	t.Helper()
	w, clk := newTestWorld(t)
	arns, err := w.AddRoutingControlCluster(ARCClusterSpec{Name: "main", ControlPanels: []ControlPanelSpec{{
		Name:           "payments",
		Controls:       []RoutingControlSpec{{Name: "east", On: true}, {Name: "west"}, {Name: "gate", On: true}},
		AssertionRules: []AssertionRule{{Name: "at-least-one", AssertedControls: []string{"east", "west"}, MinOn: 1}},
		GatingRules:    []GatingRule{{Name: "gate-open", GatingControls: []string{"gate"}, TargetControls: []string{"east", "west"}, MinOn: 1}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddHealthCheck(HealthCheckSpec{ID: "hc-east", Type: HealthCheckRecoveryControl, RoutingControlArn: arns["payments/east"]}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddHealthCheck(HealthCheckSpec{ID: "hc-west", Type: HealthCheckRecoveryControl, RoutingControlArn: arns["payments/west"]}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddHostedZone("Z1", "example.com"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []RecordSpec{
		{Name: "app.example.com", SetIdentifier: "east", Weight: aws.Int64(100), HealthCheckID: "hc-east", Region: east},
		{Name: "app.example.com", SetIdentifier: "west", Weight: aws.Int64(100), HealthCheckID: "hc-west", Region: west},
	} {
		if err := w.AddRecord("Z1", r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.SetApp("Z1", "app.example.com"); err != nil {
		t.Fatal(err)
	}
	return w, clk, arns
}

func TestARC(t *testing.T) {
	w, clk, arns := arcWorld(t)
	eps, err := w.ARCEndpoints("main")
	if err != nil || len(eps) != 5 {
		t.Fatalf("endpoints: %v %v", eps, err)
	}
	if _, err := w.InjectSpec("arc-endpoint-down:index=0"); err != nil {
		t.Fatal(err)
	}
	c0, _ := w.ARC("main", 0)
	_, err = c0.GetRoutingControlState(t.Context(), &route53recoverycluster.GetRoutingControlStateInput{RoutingControlArn: aws.String(arns["payments/west"])})
	if !IsUnreachable(err) {
		t.Fatalf("endpoint 0 down: err = %v, want a connection failure", err)
	}
	c1, err := w.ARCByURL(eps[1].URL)
	if err != nil {
		t.Fatal(err)
	}
	// Turning east Off first would leave none On: assertion rule.
	_, err = c1.UpdateRoutingControlState(t.Context(), &route53recoverycluster.UpdateRoutingControlStateInput{
		RoutingControlArn: aws.String(arns["payments/east"]), RoutingControlState: arctypes.RoutingControlStateOff})
	var conflict *arctypes.ConflictException
	if !errors.As(err, &conflict) || aws.ToString(conflict.ResourceId) != "at-least-one" {
		t.Fatalf("assertion rule: err = %v, want ConflictException naming the rule", err)
	}
	// Both at once, atomically: allowed.
	_, err = c1.UpdateRoutingControlStates(t.Context(), &route53recoverycluster.UpdateRoutingControlStatesInput{
		UpdateRoutingControlStateEntries: []arctypes.UpdateRoutingControlStateEntry{
			{RoutingControlArn: aws.String(arns["payments/west"]), RoutingControlState: arctypes.RoutingControlStateOn},
			{RoutingControlArn: aws.String(arns["payments/east"]), RoutingControlState: arctypes.RoutingControlStateOff},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if tr := w.Traffic(); !equalStrings(tr.Answer, []string{west}) || !equalStrings(tr.Clients, []string{east}) {
		t.Fatalf("traffic right after the switch = %+v, want answer west, clients still east (TTL)", tr)
	}
	clk.Advance(w.Durations().DNSTTL)
	if tr := w.Traffic(); !equalStrings(tr.Clients, []string{west}) {
		t.Fatalf("traffic after TTL = %+v", tr)
	}
	// Gate closed: target controls cannot change, unless overridden.
	if _, err := c1.UpdateRoutingControlState(t.Context(), &route53recoverycluster.UpdateRoutingControlStateInput{
		RoutingControlArn: aws.String(arns["payments/gate"]), RoutingControlState: arctypes.RoutingControlStateOff}); err != nil {
		t.Fatal(err)
	}
	in := &route53recoverycluster.UpdateRoutingControlStateInput{RoutingControlArn: aws.String(arns["payments/east"]), RoutingControlState: arctypes.RoutingControlStateOn}
	if _, err := c1.UpdateRoutingControlState(t.Context(), in); !errors.As(err, &conflict) || aws.ToString(conflict.ResourceId) != "gate-open" {
		t.Fatalf("gating rule: err = %v", err)
	}
	in.SafetyRulesToOverride = []string{"gate-open"}
	if _, err := c1.UpdateRoutingControlState(t.Context(), in); err != nil {
		t.Fatalf("override: %v", err)
	}
	list, err := c1.ListRoutingControls(t.Context(), &route53recoverycluster.ListRoutingControlsInput{})
	if err != nil || len(list.RoutingControls) != 3 {
		t.Fatalf("list: %v %+v", err, list)
	}
	if _, err := c1.UpdateRoutingControlState(t.Context(), &route53recoverycluster.UpdateRoutingControlStateInput{
		RoutingControlArn: aws.String("arn:nope"), RoutingControlState: arctypes.RoutingControlStateOn}); !isCode(err, "ResourceNotFoundException") {
		t.Fatalf("unknown control: %v", err)
	}
	// The ARC data plane keeps working with us-east-1's control plane down.
	if _, err := w.InjectSpec("control-plane-down:us-east-1"); err != nil {
		t.Fatal(err)
	}
	c0b, _ := w.ARC("main", 1) // us-west-2 endpoint
	c0e, _ := w.ARC("main", 2) // eu-west-1 endpoint
	for _, c := range []*ARCClient{c0b, c0e} {
		if _, err := c.GetRoutingControlState(t.Context(), &route53recoverycluster.GetRoutingControlStateInput{RoutingControlArn: aws.String(arns["payments/west"])}); err != nil {
			t.Fatalf("endpoint %s: %v", c.Endpoint().Region, err)
		}
	}
}

// TestSTOPPattern: the standby publishes a takes-over metric; its alarm
// makes the primary record's health check unhealthy; DNS answers the
// standby; clients move a TTL later. Only the standby's data plane is used.
func TestSTOPPattern(t *testing.T) {
	w, clk := newTestWorld(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.AddECSService(ECSServiceSpec{Region: east, Cluster: "payments", Service: "api", Desired: 4}))
	must(w.AddECSService(ECSServiceSpec{Region: west, Cluster: "payments", Service: "api", Desired: 4}))
	must(w.AddAlarm(AlarmSpec{Region: west, Name: "stop-takeover", Namespace: "Switchyard/STOP", MetricName: "TakeOver",
		Dimensions: map[string]string{"App": "payments"}, Threshold: 1}))
	must(w.AddHealthCheck(HealthCheckSpec{ID: "hc-primary", Type: HealthCheckCloudWatch, AlarmRegion: west, AlarmName: "stop-takeover"}))
	must(w.AddHostedZone("Z1", "example.com."))
	must(w.AddRecord("Z1", RecordSpec{Name: "app.example.com", SetIdentifier: "primary-us-east-1", Failover: r53types.ResourceRecordSetFailoverPrimary, HealthCheckID: "hc-primary"}))
	must(w.AddRecord("Z1", RecordSpec{Name: "app.example.com", SetIdentifier: "secondary-us-west-2", Failover: r53types.ResourceRecordSetFailoverSecondary}))
	must(w.SetApp("Z1", "app.example.com"))
	if r, ok := w.ServingRegion(); r != east || !ok {
		t.Fatalf("serving before = %s %v", r, ok)
	}
	// us-east-1 is gone, control plane of us-west-2 too: the signal is data plane.
	_, err := w.InjectSpec("region-down:us-east-1")
	must(err)
	_, err = w.InjectSpec("control-plane-down:us-west-2")
	must(err)
	if _, err := w.Route53().ChangeResourceRecordSets(t.Context(), &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String("Z1")}); !IsUnreachable(err) {
		t.Fatalf("Route 53 control plane (us-east-1) while us-east-1 is down: err = %v", err)
	}
	signalled := clk.Now()
	_, err = w.CloudWatch(west).PutMetricData(t.Context(), &cloudwatch.PutMetricDataInput{Namespace: aws.String("Switchyard/STOP"),
		MetricData: []cwtypes.MetricDatum{{MetricName: aws.String("TakeOver"), Value: aws.Float64(1), Dimensions: []cwtypes.Dimension{{Name: aws.String("App"), Value: aws.String("payments")}}}}})
	must(err)
	clk.Advance(w.Durations().AlarmEvaluation)
	if st, _ := w.AlarmStateOf(west, "stop-takeover"); st != cwtypes.StateValueAlarm {
		t.Fatalf("alarm = %s, want ALARM", st)
	}
	if tr := w.Traffic(); !equalStrings(tr.Answer, []string{west}) {
		t.Fatalf("answer = %v, want us-west-2", tr.Answer)
	}
	if _, ok := w.ServedSince(west); ok {
		t.Fatal("served from us-west-2 before the TTL ran out")
	}
	clk.Advance(w.Durations().DNSTTL)
	since, ok := w.ServedSince(west)
	want := signalled.Add(w.Durations().AlarmEvaluation + w.Durations().DNSTTL)
	if !ok || !since.Equal(want) {
		t.Fatalf("served since %s %v, want %s", since, ok, want)
	}
	if r, ok := w.ServingRegion(); r != west || !ok {
		t.Fatalf("serving after = %s %v", r, ok)
	}
	// Application calls in us-west-2's control plane fail meanwhile.
	if _, err := w.ECS(west).DescribeServices(t.Context(), &ecs.DescribeServicesInput{Cluster: aws.String("payments"), Services: []string{"api"}}); !isCode(err, "ServiceUnavailable") {
		t.Fatalf("control plane down: err = %v", err)
	}
}

func TestRoute53Records(t *testing.T) {
	w, clk, _ := arcWorld(t)
	r := w.Route53()
	rec := &r53types.ResourceRecordSet{Name: aws.String("app.example.com"), Type: r53types.RRTypeA, SetIdentifier: aws.String("east"),
		Weight: aws.Int64(0), TTL: aws.Int64(60), HealthCheckId: aws.String("hc-east"), ResourceRecords: []r53types.ResourceRecord{{Value: aws.String("192.0.2.1")}}}
	_, err := r.ChangeResourceRecordSets(t.Context(), &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String("Z1"),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionCreate, ResourceRecordSet: rec}}}})
	if !isCode(err, "InvalidChangeBatch") {
		t.Fatalf("create existing: %v", err)
	}
	out, err := r.ChangeResourceRecordSets(t.Context(), &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String("/hostedzone/Z1"),
		ChangeBatch: &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionUpsert, ResourceRecordSet: rec}}}})
	if err != nil || out.ChangeInfo.Status != r53types.ChangeStatusPending {
		t.Fatalf("upsert: %v %+v", err, out)
	}
	if tr := w.Traffic(); !equalStrings(tr.Answer, []string{east}) {
		t.Fatalf("answer before INSYNC = %v", tr.Answer)
	}
	clk.Advance(w.Durations().Route53Propagation)
	ch, err := r.GetChange(t.Context(), &route53.GetChangeInput{Id: out.ChangeInfo.Id})
	if err != nil || ch.ChangeInfo.Status != r53types.ChangeStatusInsync {
		t.Fatalf("change: %v %+v", err, ch)
	}
	// Weight 0 on east: both weighted records healthy? west is Off -> all
	// with weight > 0 unhealthy -> Route 53 answers them anyway.
	if tr := w.Traffic(); !equalStrings(tr.Answer, []string{west}) {
		t.Fatalf("answer after weight 0 = %v, want [us-west-2]", tr.Answer)
	}
	list, err := r.ListResourceRecordSets(t.Context(), &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String("Z1")})
	if err != nil || len(list.ResourceRecordSets) != 2 || aws.ToInt64(list.ResourceRecordSets[0].Weight) != 0 {
		t.Fatalf("list: %v %+v", err, list)
	}
	hc, err := r.GetHealthCheckStatus(t.Context(), &route53.GetHealthCheckStatusInput{HealthCheckId: aws.String("hc-west")})
	if err != nil || len(hc.HealthCheckObservations) == 0 || aws.ToString(hc.HealthCheckObservations[0].StatusReport.Status)[:7] != "Failure" {
		t.Fatalf("health check status: %v %+v", err, hc)
	}
	if _, err := r.GetHealthCheckStatus(t.Context(), &route53.GetHealthCheckStatusInput{HealthCheckId: aws.String("nope")}); !isCode(err, "NoSuchHealthCheck") {
		t.Fatalf("unknown health check: %v", err)
	}
	_ = time.Second
}

func TestCloudWatchHistory(t *testing.T) {
	w, clk := newTestWorld(t)
	if err := w.AddECSService(ECSServiceSpec{Region: east, Cluster: "payments", Service: "api", Desired: 12, PeakTasks: 20}); err != nil {
		t.Fatal(err)
	}
	c := w.CloudWatch(east)
	now := clk.Now()
	dims := []cwtypes.Dimension{{Name: aws.String("ServiceName"), Value: aws.String("api")}, {Name: aws.String("ClusterName"), Value: aws.String("payments")}}
	st, err := c.GetMetricStatistics(t.Context(), &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("ECS/ContainerInsights"),
		MetricName: aws.String("RunningTaskCount"), Dimensions: dims, StartTime: aws.Time(now.Add(-24 * time.Hour)), EndTime: aws.Time(now),
		Period: aws.Int32(86400), Statistics: []cwtypes.Statistic{cwtypes.StatisticMaximum, cwtypes.StatisticMinimum}})
	if err != nil || len(st.Datapoints) != 1 || aws.ToFloat64(st.Datapoints[0].Maximum) != 20 || aws.ToFloat64(st.Datapoints[0].Minimum) >= 20 {
		t.Fatalf("24h peak: %v %+v", err, st)
	}
	md, err := c.GetMetricData(t.Context(), &cloudwatch.GetMetricDataInput{StartTime: aws.Time(now.Add(-24 * time.Hour)), EndTime: aws.Time(now),
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("peak"), MetricStat: &cwtypes.MetricStat{Stat: aws.String("Maximum"), Period: aws.Int32(3600),
			Metric: &cwtypes.Metric{Namespace: aws.String("ECS/ContainerInsights"), MetricName: aws.String("RunningTaskCount"), Dimensions: dims}}}}})
	if err != nil || len(md.MetricDataResults[0].Values) != 24 || !md.MetricDataResults[0].Timestamps[0].After(md.MetricDataResults[0].Timestamps[1]) {
		t.Fatalf("GetMetricData: %v %+v", err, md)
	}
	best := 0.0
	for _, v := range md.MetricDataResults[0].Values {
		best = max(best, v)
	}
	if best != 20 {
		t.Fatalf("hourly maxima peak = %g, want 20", best)
	}
	// Replication lag of the secondary, as the readiness check reads it.
	lag, err := w.CloudWatch(west).GetMetricStatistics(t.Context(), &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/RDS"),
		MetricName: aws.String("AuroraGlobalDBReplicationLag"), Dimensions: []cwtypes.Dimension{{Name: aws.String("DBClusterIdentifier"), Value: aws.String("payments-usw2")}},
		StartTime: aws.Time(now.Add(-5 * time.Minute)), EndTime: aws.Time(now), Period: aws.Int32(300), Statistics: []cwtypes.Statistic{cwtypes.StatisticMaximum}})
	if err != nil || len(lag.Datapoints) != 1 || aws.ToFloat64(lag.Datapoints[0].Maximum) != 2000 {
		t.Fatalf("replication lag metric: %v %+v", err, lag)
	}
	if _, err := c.GetMetricData(t.Context(), &cloudwatch.GetMetricDataInput{StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now),
		MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("m"), Expression: aws.String("SUM(METRICS())")}}}); !isCode(err, "InvalidParameterValue") {
		t.Fatalf("expression: %v", err)
	}
	// SetAlarmState emits an alarm state change event.
	var got []Event
	w.Subscribe(func(e Event) { got = append(got, e) })
	if err := w.AddAlarm(AlarmSpec{Region: east, Name: "p99", Namespace: "App", MetricName: "Latency", Threshold: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetAlarmState(t.Context(), &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("p99"), StateValue: cwtypes.StateValueAlarm, StateReason: aws.String("drill")}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].DetailType != "CloudWatch Alarm State Change" || got[0].Region != east {
		t.Fatalf("events = %+v", got)
	}
	al, err := c.DescribeAlarms(t.Context(), &cloudwatch.DescribeAlarmsInput{StateValue: cwtypes.StateValueAlarm})
	if err != nil || len(al.MetricAlarms) != 1 || aws.ToString(al.MetricAlarms[0].AlarmName) != "p99" {
		t.Fatalf("describe alarms: %v %+v", err, al)
	}
}
