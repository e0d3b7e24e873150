package readiness

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53recoverycluster"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/switchyard-dev/switchyard/shared/plan"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// Batch sizes of the Describe calls readiness makes.
const (
	ecsBatch    = 10  // DescribeServices: at most 10 services per call
	alarmBatch  = 100 // DescribeAlarms: at most 100 alarm names per call
	asgBatch    = 50  // DescribeAutoScalingGroups: names per call
	metricBatch = 500 // GetMetricData: at most 500 queries per call
)

// ecsRef is one ECS service a step needs, with what the step asks of it.
type ecsRef struct {
	region, cluster, service, step string
	target                         bool
	pair                           *ecsPair
}

type ecsPair struct {
	step                     string
	percent, ungracefulMin   int
	target, source           *ecsSeen
	targetRegion, targetName string
}

type ecsSeen struct {
	found   bool
	svc     ecstypes.Service
	checked bool
}

type alarmRef struct {
	region, name, arn, step string
	sev                     Severity
	why                     string
}

type asgRef struct {
	region, name, step string
	target             bool
	percent            int
	pair               *asgPair
}

type asgPair struct {
	target, source *astypes.AutoScalingGroup
	tChecked       bool
	sChecked       bool
}

// plan turns the workflows into independent check tasks, plus work to do
// once they have all finished.
func (ev *evaluation) plan(wfs []*plan.Workflow) []func(context.Context) {
	var tasks []func(context.Context)
	var post []func(context.Context)
	var ecsRefs []ecsRef
	var asgRefs []asgRef
	var alarms []alarmRef
	actionResources := map[string]map[string]bool{} // block -> resources
	lagMembers := map[string]*plan.AuroraGlobal{}   // global ARN -> config
	lagSteps := map[string]string{}
	// lagGracefulOnly are global clusters whose step never fails over
	// ungracefully (ungraceful.behavior skip or refuse): lag above the RPO
	// only delays the switchover, which waits for it to drain.
	lagGracefulOnly := map[string]bool{}
	var arcSteps []*plan.ARCRoutingControl
	var arcStepNames []string
	healthChecks := map[string]string{} // id -> step

	for _, w := range wfs {
		target, source := ev.p.StepRegions(w)
		if ev.source == "" {
			ev.source = source
		}
		for si := range w.Stages {
			st := &w.Stages[si]
			for ti := range st.Steps {
				step := &st.Steps[ti]
				spec, _ := plan.LookupBlock(step.Block)
				if actionResources[step.Block] == nil {
					actionResources[step.Block] = map[string]bool{}
				}
				for _, a := range arnsOf(step.With) {
					actionResources[step.Block][a] = true
				}
				if spec.ControlPlane {
					if r, ok := step.With.(*plan.Route53Record); ok && r.AllowControlPlane {
						ev.add(Warning, "plan/control-plane-step", r.HostedZoneID, step.Name,
							"step %s changes Route 53 records through the control plane homed in us-east-1 (opted in with allowControlPlane); it fails while that control plane is impaired — prefer stop-signal or arc-routing-control", step.Name)
					} else {
						ev.add(Critical, "plan/control-plane-step", "", step.Name,
							"step %s uses the control-plane block %s without an explicit opt-in (set allowControlPlane: true, or use a data-plane block)", step.Name, step.Block)
					}
				}
				if ev.e.o.Checkers != nil {
					if c, ok := ev.e.o.Checkers.StepChecker(step.Block); ok {
						req := StepRequest{Plan: ev.p, Workflow: w, Stage: st, Step: step, Target: target, Source: source}
						tasks = append(tasks, ev.stepCheck(c, req))
					}
				}
				switch cfg := step.With.(type) {
				case *plan.ECSScale:
					pair := &ecsPair{step: step.Name, percent: cfg.Percent, ungracefulMin: cfg.UngracefulMinPercent,
						target: &ecsSeen{}, source: &ecsSeen{}, targetRegion: target, targetName: cfg.Target.Service}
					ecsRefs = append(ecsRefs,
						ecsRef{region: target, cluster: cfg.Target.Cluster, service: cfg.Target.Service, step: step.Name, target: true, pair: pair},
						ecsRef{region: source, cluster: cfg.Source.Cluster, service: cfg.Source.Service, step: step.Name, pair: pair})
					post = append(post, func(ctx context.Context) { ev.ecsCapacity(ctx, pair) })
				case *plan.ASGScale:
					pair := &asgPair{}
					asgRefs = append(asgRefs, asgRef{region: target, name: cfg.Target.Name, step: step.Name, target: true, percent: cfg.Percent, pair: pair},
						asgRef{region: source, name: cfg.Source.Name, step: step.Name, percent: cfg.Percent, pair: pair})
					post = append(post, func(context.Context) { ev.asgCapacity(step.Name, cfg, pair) })
				case *plan.AuroraGlobal:
					lagMembers[cfg.GlobalCluster] = cfg
					lagSteps[cfg.GlobalCluster] = step.Name
					if step.Ungraceful != nil && step.Ungraceful.Behavior != "" && step.Ungraceful.Behavior != plan.UngracefulRun {
						lagGracefulOnly[cfg.GlobalCluster] = true
					}
				case *plan.AuroraScale:
					tasks = append(tasks, ev.dbCluster(target, cfg.Target, step.Name))
				case *plan.ARCRoutingControl:
					arcSteps = append(arcSteps, cfg)
					arcStepNames = append(arcStepNames, step.Name)
				case *plan.StopSignal:
					if cfg.HealthCheckID != "" {
						healthChecks[cfg.HealthCheckID] = step.Name
					}
				case *plan.AlarmWait:
					for _, a := range cfg.Alarms {
						alarms = append(alarms, alarmRef{region: regionOfARN(a, target), name: alarmName(a), arn: a, step: step.Name, sev: Critical,
							why: "step " + step.Name + " waits for it"})
					}
				}
			}
		}
	}
	for _, tr := range ev.p.Spec.Triggers {
		if tr.Target != ev.target {
			continue
		}
		for _, c := range tr.Conditions {
			alarms = append(alarms, alarmRef{region: regionOfARN(c.Alarm, ev.target), name: alarmName(c.Alarm), arn: c.Alarm, sev: Warning,
				why: "trigger " + tr.Name + " can never fire without it"})
		}
	}

	tasks = append(tasks, ev.ecsTasks(ecsRefs)...)
	tasks = append(tasks, ev.asgTasks(asgRefs)...)
	tasks = append(tasks, ev.alarmTasks(alarms)...)
	for _, g := range sortedKeys(lagMembers) {
		tasks = append(tasks, ev.globalCluster(g, lagMembers[g], lagSteps[g]))
	}
	if t := ev.lagTask(lagMembers, lagSteps, lagGracefulOnly); t != nil {
		tasks = append(tasks, t)
	}
	for i, cfg := range arcSteps {
		tasks = append(tasks, ev.arcTask(cfg, arcStepNames[i]))
	}
	for _, id := range sortedKeys(healthChecks) {
		tasks = append(tasks, ev.healthCheck(id, healthChecks[id]))
	}
	for _, s := range ev.e.o.Secrets {
		tasks = append(tasks, ev.secret(s))
	}
	tasks = append(tasks, ev.iamTasks(actionResources)...)
	tasks = append(tasks, ev.versionTask(), ev.slackTask())
	ev.post = post
	return tasks
}

// arnsOf lists the ARNs a step configuration names (for IAM simulation).
func arnsOf(c plan.Config) []string {
	var out []string
	add := func(s ...string) {
		for _, v := range s {
			if strings.HasPrefix(v, "arn:") {
				out = append(out, v)
			}
		}
	}
	switch cfg := c.(type) {
	case *plan.ECSScale:
		add(cfg.Target.Cluster, cfg.Source.Cluster)
	case *plan.ASGScale:
		add(cfg.Target.Name, cfg.Source.Name)
	case *plan.EKSScale:
		add(cfg.Target.Cluster, cfg.Source.Cluster)
	case *plan.AuroraGlobal:
		add(cfg.GlobalCluster)
		for _, r := range sortedKeys(cfg.Members) {
			add(cfg.Members[r])
		}
	case *plan.AuroraScale:
		add(cfg.Target, cfg.Source)
	case *plan.ARCRoutingControl:
		add(cfg.Cluster)
		for _, s := range cfg.States {
			add(s.RoutingControl)
		}
	case *plan.Fence:
		add(cfg.SSMParameter)
		if cfg.DynamoDBItem != nil {
			add(cfg.DynamoDBItem.Table)
		}
	case *plan.Lambda:
		add(cfg.Function)
	case *plan.AlarmWait:
		add(cfg.Alarms...)
	case *plan.EventSourceMapping:
		add(cfg.Mappings...)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// regionOfARN is the Region field of an ARN, or def.
func regionOfARN(s, def string) string {
	if a, err := plan.ParseARN(s); err == nil && a.Region != "" {
		return a.Region
	}
	return def
}

// resourceID is the last path or colon segment of an ARN (a cluster or
// alarm name), or s itself.
func resourceID(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	i := strings.LastIndexAny(s, "/:")
	return s[i+1:]
}

func alarmName(arn string) string {
	if i := strings.Index(arn, ":alarm:"); i >= 0 {
		return arn[i+len(":alarm:"):]
	}
	return arn
}

func (ev *evaluation) stepCheck(c StepChecker, req StepRequest) func(context.Context) {
	return func(ctx context.Context) {
		fs, err := c.CheckStep(ctx, req)
		if err != nil {
			ev.add(Critical, req.Step.Block+"/check", "", req.Step.Name, "the %s check of step %s failed: %v", req.Step.Block, req.Step.Name, err)
			return
		}
		for _, f := range fs {
			ev.add(NormalizeSeverity(string(f.Severity)), f.Check, f.Resource, req.Step.Name, "%s", f.Message)
		}
	}
}

// ecsTasks describes every ECS service, batched per Region and cluster.
func (ev *evaluation) ecsTasks(refs []ecsRef) []func(context.Context) {
	groups := map[string][]ecsRef{}
	for _, r := range refs {
		if r.region == "" {
			continue
		}
		k := r.region + "|" + r.cluster
		groups[k] = append(groups[k], r)
	}
	var tasks []func(context.Context)
	for _, k := range sortedKeys(groups) {
		g := groups[k]
		for i := 0; i < len(g); i += ecsBatch {
			batch := g[i:min(i+ecsBatch, len(g))]
			tasks = append(tasks, func(ctx context.Context) { ev.describeServices(ctx, batch) })
		}
	}
	return tasks
}

func (ev *evaluation) describeServices(ctx context.Context, batch []ecsRef) {
	region, cluster := batch[0].region, batch[0].cluster
	names := make([]string, 0, len(batch))
	for _, r := range batch {
		if !slices.Contains(names, r.service) {
			names = append(names, r.service)
		}
		ev.touch(region + "/" + cluster + "/" + r.service)
	}
	var out *ecs.DescribeServicesOutput
	err := ev.call(ctx, "ecs/DescribeServices", region, func(ctx context.Context) (err error) {
		out, err = ev.e.o.Clients.ECS(region).DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: names})
		return err
	})
	if err != nil {
		if errorCode(err) == "ClusterNotFoundException" {
			sev := Critical
			if region != ev.target {
				sev = Warning
			}
			ev.add(sev, "ecs/cluster", cluster, batch[0].step, "ECS cluster %s does not exist in %s", resourceID(cluster), region)
			return
		}
		ev.failed("ecs/service", cluster, batch[0].step, region, "describe ECS services "+strings.Join(names, ", "), err)
		return
	}
	found := map[string]ecstypes.Service{}
	for _, s := range out.Services {
		found[aws.ToString(s.ServiceName)] = s
	}
	for _, r := range batch {
		seen := r.pair.source
		if r.target {
			seen = r.pair.target
		}
		seen.checked = true
		s, ok := found[r.service]
		if !ok {
			if r.target {
				ev.add(Critical, "ecs/service", cluster+"/"+r.service, r.step, "ECS service %s does not exist in cluster %s in %s: step %s cannot scale it", r.service, resourceID(cluster), region, r.step)
			} else {
				ev.add(Warning, "ecs/service", cluster+"/"+r.service, r.step, "source ECS service %s does not exist in cluster %s in %s: step %s can only size the target from metrics", r.service, resourceID(cluster), region, r.step)
			}
			continue
		}
		seen.found, seen.svc = true, s
		if st := aws.ToString(s.Status); st != "ACTIVE" && r.target {
			ev.add(Critical, "ecs/service", cluster+"/"+r.service, r.step, "ECS service %s in %s is %s, not ACTIVE", r.service, region, st)
		}
		for _, e := range s.Events {
			if m := aws.ToString(e.Message); r.target && strings.Contains(m, "unable to place") {
				ev.add(Warning, "ecs/capacity", cluster+"/"+r.service, r.step, "ECS service %s in %s could not place tasks recently: %s", r.service, region, m)
				break
			}
		}
	}
}

// ecsCapacity compares the scale-up a step asks for with the target's
// headroom.
func (ev *evaluation) ecsCapacity(ctx context.Context, p *ecsPair) {
	if !p.target.found {
		return
	}
	peak := p.target.svc.DesiredCount
	if p.source.found {
		// The source's desired count stands in for its peak: readiness keeps
		// to one Describe call; the step itself reads the peak from metrics.
		peak = max(p.source.svc.DesiredCount, p.source.svc.RunningCount)
	}
	need := int32(math.Ceil(float64(peak) * float64(p.percent) / 100))
	floor := int32(math.Ceil(float64(peak) * float64(p.ungracefulMin) / 100))
	running := p.target.svc.RunningCount
	res := p.targetName
	if need <= running || ev.e.o.Quotas == nil {
		if ev.e.o.Quotas == nil && need > running {
			ev.add(Info, "ecs/capacity", res, p.step, "step %s will scale %s in %s from %d to %d tasks; capacity headroom not checked (no quota source)", p.step, p.targetName, p.targetRegion, running, need)
		}
		return
	}
	pct, err := ev.e.o.Quotas.Headroom(ctx, p.targetRegion, "ecs")
	if err != nil {
		ev.add(Warning, "ecs/capacity", res, p.step, "could not read ECS capacity headroom in %s: %v", p.targetRegion, err)
		return
	}
	if pct >= 100 {
		return
	}
	reach := running + int32(math.Floor(float64(need-running)*float64(pct)/100))
	sev := Warning
	if reach < floor {
		sev = Critical
	}
	ev.add(sev, "ecs/capacity", res, p.step, "%s can place only %d%% of new ECS capacity: %s would reach %d of the %d tasks step %s needs (ungraceful minimum %d)",
		p.targetRegion, pct, p.targetName, reach, need, p.step, floor)
}

func (ev *evaluation) asgTasks(refs []asgRef) []func(context.Context) {
	groups := map[string][]asgRef{}
	for _, r := range refs {
		if r.region != "" {
			groups[r.region] = append(groups[r.region], r)
		}
	}
	var tasks []func(context.Context)
	for _, region := range sortedKeys(groups) {
		g := groups[region]
		for i := 0; i < len(g); i += asgBatch {
			batch := g[i:min(i+asgBatch, len(g))]
			tasks = append(tasks, func(ctx context.Context) { ev.describeASGs(ctx, region, batch) })
		}
	}
	return tasks
}

func (ev *evaluation) describeASGs(ctx context.Context, region string, batch []asgRef) {
	var names []string
	for _, r := range batch {
		names = append(names, resourceID(r.name))
		ev.touch(region + "/asg/" + r.name)
	}
	var out *autoscaling.DescribeAutoScalingGroupsOutput
	err := ev.call(ctx, "autoscaling/DescribeAutoScalingGroups", region, func(ctx context.Context) (err error) {
		out, err = ev.e.o.Clients.AutoScaling(region).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: names})
		return err
	})
	if err != nil {
		ev.failed("asg/group", strings.Join(names, ","), batch[0].step, region, "describe Auto Scaling groups", err)
		return
	}
	for _, r := range batch {
		var g *astypes.AutoScalingGroup
		for i := range out.AutoScalingGroups {
			if aws.ToString(out.AutoScalingGroups[i].AutoScalingGroupName) == resourceID(r.name) {
				g = &out.AutoScalingGroups[i]
			}
		}
		if r.target {
			r.pair.target, r.pair.tChecked = g, true
		} else {
			r.pair.source, r.pair.sChecked = g, true
		}
	}
}

func (ev *evaluation) asgCapacity(step string, cfg *plan.ASGScale, p *asgPair) {
	if p.tChecked && p.target == nil {
		ev.add(Critical, "asg/group", cfg.Target.Name, step, "Auto Scaling group %s does not exist in %s: step %s cannot scale it", cfg.Target.Name, ev.target, step)
		return
	}
	if p.target == nil || p.source == nil {
		return
	}
	peak := max(aws.ToInt32(p.source.DesiredCapacity), int32(len(p.source.Instances)))
	need := int32(math.Ceil(float64(peak) * float64(cfg.Percent) / 100))
	if mx := aws.ToInt32(p.target.MaxSize); need > mx {
		ev.add(Critical, "asg/max-size", cfg.Target.Name, step, "Auto Scaling group %s in %s has max size %d but step %s needs %d instances (raise MaxSize)", cfg.Target.Name, ev.target, mx, step, need)
	}
}

func (ev *evaluation) alarmTasks(refs []alarmRef) []func(context.Context) {
	groups := map[string][]alarmRef{}
	for _, r := range refs {
		groups[r.region] = append(groups[r.region], r)
	}
	var tasks []func(context.Context)
	for _, region := range sortedKeys(groups) {
		g := groups[region]
		var names []string
		for _, r := range g {
			if !slices.Contains(names, r.name) {
				names = append(names, r.name)
			}
		}
		for i := 0; i < len(names); i += alarmBatch {
			batch := names[i:min(i+alarmBatch, len(names))]
			tasks = append(tasks, func(ctx context.Context) { ev.describeAlarms(ctx, region, batch, g) })
		}
	}
	return tasks
}

func (ev *evaluation) describeAlarms(ctx context.Context, region string, names []string, refs []alarmRef) {
	for _, n := range names {
		ev.touch(region + "/alarm/" + n)
	}
	found := map[string]bool{}
	var next *string
	for {
		var out *cloudwatch.DescribeAlarmsOutput
		err := ev.call(ctx, "cloudwatch/DescribeAlarms", region, func(ctx context.Context) (err error) {
			out, err = ev.e.o.Clients.CloudWatch(region).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{
				AlarmNames: names, AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm}, NextToken: next})
			return err
		})
		if err != nil {
			ev.failed("cloudwatch/alarm", strings.Join(names, ","), "", region, "describe CloudWatch alarms", err)
			return
		}
		for _, a := range out.MetricAlarms {
			found[aws.ToString(a.AlarmName)] = true
		}
		for _, a := range out.CompositeAlarms {
			found[aws.ToString(a.AlarmName)] = true
		}
		if out.NextToken == nil {
			break
		}
		next = out.NextToken
	}
	for _, r := range refs {
		if slices.Contains(names, r.name) && !found[r.name] {
			ev.add(r.sev, "cloudwatch/alarm", r.arn, r.step, "CloudWatch alarm %s does not exist in %s: %s", r.name, r.region, r.why)
		}
	}
}

// globalCluster checks that the global database exists as seen from the
// target and that the target member is in it and in sync.
func (ev *evaluation) globalCluster(arn string, cfg *plan.AuroraGlobal, step string) func(context.Context) {
	return func(ctx context.Context) {
		ev.touch(arn)
		id := resourceID(arn)
		var out *rds.DescribeGlobalClustersOutput
		err := ev.call(ctx, "rds/DescribeGlobalClusters", ev.target, func(ctx context.Context) (err error) {
			out, err = ev.e.o.Clients.RDS(ev.target).DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(id)})
			return err
		})
		if err != nil {
			if errorCode(err) == "GlobalClusterNotFoundFault" {
				ev.add(Critical, "aurora-global/cluster", arn, step, "Aurora global database %s does not exist", id)
				return
			}
			ev.failed("aurora-global/cluster", arn, step, ev.target, "describe Aurora global database "+id, err)
			return
		}
		if len(out.GlobalClusters) == 0 {
			ev.add(Critical, "aurora-global/cluster", arn, step, "Aurora global database %s does not exist", id)
			return
		}
		g := out.GlobalClusters[0]
		want := cfg.Members[ev.target]
		var member bool
		for _, m := range g.GlobalClusterMembers {
			if aws.ToString(m.DBClusterArn) != want {
				continue
			}
			member = true
			if aws.ToBool(m.IsWriter) {
				ev.add(Info, "aurora-global/writer", want, step, "the writer of %s is already in %s", id, ev.target)
			}
			if s := m.SynchronizationStatus; s != "" && s != "connected" {
				ev.add(Critical, "aurora-global/sync", want, step, "member %s of %s is %s, not connected: a switchover into %s would fail", resourceID(want), id, s, ev.target)
			}
		}
		if !member {
			ev.add(Critical, "aurora-global/member", want, step, "%s is not a member of Aurora global database %s (members must include the %s cluster)", resourceID(want), id, ev.target)
		}
		if fs := g.FailoverState; fs != nil && fs.Status != "" {
			ev.add(Warning, "aurora-global/operation", arn, step, "Aurora global database %s has a %s operation in progress", id, fs.Status)
		}
	}
}

// lagTask reads the replication lag into every target member in one
// GetMetricData call and compares it with the step's data-loss bound (the
// plan's RPO by default).
func (ev *evaluation) lagTask(members map[string]*plan.AuroraGlobal, steps map[string]string, gracefulOnly map[string]bool) func(context.Context) {
	type q struct {
		global, cluster, step string
		bound                 time.Duration
		gracefulOnly          bool
	}
	var qs []q
	for _, g := range sortedKeys(members) {
		cfg := members[g]
		if c, ok := cfg.Members[ev.target]; ok {
			bound := time.Duration(cfg.MaxDataLoss)
			if bound == 0 {
				bound = time.Duration(ev.p.Spec.Objectives.RPO)
			}
			qs = append(qs, q{global: g, cluster: c, step: steps[g], bound: bound, gracefulOnly: gracefulOnly[g]})
		}
	}
	if len(qs) == 0 {
		return nil
	}
	return func(ctx context.Context) {
		now := ev.e.o.Clock.Now()
		for i := 0; i < len(qs); i += metricBatch {
			batch := qs[i:min(i+metricBatch, len(qs))]
			in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(now.Add(-5 * time.Minute)), EndTime: aws.Time(now.Add(time.Second)),
				ScanBy: cwtypes.ScanByTimestampDescending}
			for j, x := range batch {
				in.MetricDataQueries = append(in.MetricDataQueries, cwtypes.MetricDataQuery{Id: aws.String(fmt.Sprintf("lag%d", j)),
					MetricStat: &cwtypes.MetricStat{Period: aws.Int32(60), Stat: aws.String("Maximum"), Metric: &cwtypes.Metric{
						Namespace: aws.String("AWS/RDS"), MetricName: aws.String("AuroraGlobalDBReplicationLag"),
						Dimensions: []cwtypes.Dimension{{Name: aws.String("DBClusterIdentifier"), Value: aws.String(resourceID(x.cluster))}}}}})
			}
			ev.mu.Lock()
			ev.metrics += len(batch)
			ev.mu.Unlock()
			var out *cloudwatch.GetMetricDataOutput
			err := ev.call(ctx, "cloudwatch/GetMetricData", ev.target, func(ctx context.Context) (err error) {
				out, err = ev.e.o.Clients.CloudWatch(ev.target).GetMetricData(ctx, in)
				return err
			})
			if err != nil {
				ev.failed("aurora-global/replication-lag", batch[0].global, batch[0].step, ev.target, "read the Aurora replication lag", err)
				continue
			}
			byID := map[string]cwtypes.MetricDataResult{}
			for _, r := range out.MetricDataResults {
				byID[aws.ToString(r.Id)] = r
			}
			for j, x := range batch {
				r := byID[fmt.Sprintf("lag%d", j)]
				if len(r.Values) == 0 {
					ev.add(Warning, "aurora-global/replication-lag", x.cluster, x.step, "no AuroraGlobalDBReplicationLag data for %s in %s in the last 5 minutes", resourceID(x.cluster), ev.target)
					continue
				}
				lag := time.Duration(r.Values[0] * float64(time.Millisecond))
				if lag > x.bound && x.gracefulOnly {
					ev.add(Warning, "aurora-global/replication-lag", x.cluster, x.step,
						"replication lag into %s is %s, above the %s the plan accepts (RPO): step %s never fails over ungracefully, so a switchover now would wait for the lag to drain (no data lost, RTO longer)",
						resourceID(x.cluster), lag.Round(100*time.Millisecond), x.bound, x.step)
					continue
				}
				if lag > x.bound {
					ev.add(Critical, "aurora-global/replication-lag", x.cluster, x.step,
						"replication lag into %s is %s, above the %s the plan accepts (RPO): an ungraceful failover now would lose up to %s of writes; a graceful switchover would wait for it to drain",
						resourceID(x.cluster), lag.Round(100*time.Millisecond), x.bound, lag.Round(100*time.Millisecond))
				}
			}
		}
	}
}

func (ev *evaluation) dbCluster(region, arn, step string) func(context.Context) {
	return func(ctx context.Context) {
		ev.touch(arn)
		err := ev.call(ctx, "rds/DescribeDBClusters", region, func(ctx context.Context) error {
			_, err := ev.e.o.Clients.RDS(region).DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(resourceID(arn))})
			return err
		})
		if err == nil {
			return
		}
		if errorCode(err) == "DBClusterNotFoundFault" {
			ev.add(Critical, "aurora/cluster", arn, step, "Aurora cluster %s does not exist in %s", resourceID(arn), region)
			return
		}
		ev.failed("aurora/cluster", arn, step, region, "describe Aurora cluster "+resourceID(arn), err)
	}
}

// arcTask reads every routing control of a step through the cluster's
// endpoints, probing each endpoint once and rotating on failure.
func (ev *evaluation) arcTask(cfg *plan.ARCRoutingControl, step string) func(context.Context) {
	return func(ctx context.Context) {
		ev.touch(cfg.Cluster)
		if ev.e.o.ARC == nil {
			ev.add(Info, "arc/endpoints", cfg.Cluster, step, "ARC cluster endpoints not checked (no cluster directory)")
			return
		}
		eps, err := ev.e.o.ARC.Endpoints(ctx, cfg.Cluster)
		if err != nil {
			ev.add(Critical, "arc/cluster", cfg.Cluster, step, "cannot list the endpoints of ARC cluster %s: %v", resourceID(cfg.Cluster), err)
			return
		}
		if len(eps) == 0 || len(cfg.States) == 0 {
			return
		}
		down := make([]error, len(eps))
		read := func(ctx context.Context, i int, control string) (bool, error) {
			var on bool
			err := ev.call(ctx, "arc/GetRoutingControlState", eps[i].Region, func(ctx context.Context) error {
				out, err := ev.e.o.Clients.ARC(eps[i]).GetRoutingControlState(ctx, &route53recoverycluster.GetRoutingControlStateInput{RoutingControlArn: aws.String(control)})
				if err == nil {
					on = out.RoutingControlState == "On"
				}
				return err
			})
			return on, err
		}
		// Probe: one read per endpoint, spreading the controls over them, so
		// an endpoint that does not answer is found before a failover needs it.
		state := map[string]bool{}
		missing := map[string]bool{}
		for i := range eps {
			c := cfg.States[i%len(cfg.States)].RoutingControl
			on, err := read(ctx, i, c)
			switch {
			case err != nil && isNotFound(err):
				missing[c] = true
			case err != nil:
				down[i] = err
			default:
				state[c] = on
			}
		}
		var up []int
		for i, err := range down {
			if err != nil {
				ev.add(Warning, "arc/endpoint", eps[i].URL, step, "ARC cluster %s endpoint %d (%s) does not answer: %v (the step rotates to the other endpoints)", resourceID(cfg.Cluster), i, eps[i].Region, err)
			} else {
				up = append(up, i)
			}
		}
		if len(up) == 0 {
			ev.add(Critical, "arc/endpoint", cfg.Cluster, step, "no endpoint of ARC cluster %s answers: step %s cannot set routing controls", resourceID(cfg.Cluster), step)
			return
		}
		for k, s := range cfg.States {
			ev.touch(s.RoutingControl)
			if missing[s.RoutingControl] {
				ev.add(Critical, "arc/routing-control", s.RoutingControl, step, "routing control %s does not exist in ARC cluster %s", resourceID(s.RoutingControl), resourceID(cfg.Cluster))
				continue
			}
			if _, ok := state[s.RoutingControl]; !ok {
				on, err := read(ctx, up[k%len(up)], s.RoutingControl)
				if err != nil {
					if isNotFound(err) {
						ev.add(Critical, "arc/routing-control", s.RoutingControl, step, "routing control %s does not exist in ARC cluster %s", resourceID(s.RoutingControl), resourceID(cfg.Cluster))
					} else {
						ev.failed("arc/routing-control", s.RoutingControl, step, eps[up[k%len(up)]].Region, "read routing control "+resourceID(s.RoutingControl), err)
					}
					continue
				}
				state[s.RoutingControl] = on
			}
			if on := state[s.RoutingControl]; (s.State == "On") == on {
				ev.add(Info, "arc/routing-control", s.RoutingControl, step, "routing control %s is already %s", resourceID(s.RoutingControl), s.State)
			}
		}
	}
}

func isNotFound(err error) bool {
	c := errorCode(err)
	return c == "ResourceNotFoundException" || strings.HasSuffix(c, "NotFound") || strings.HasSuffix(c, "NotFoundFault") || strings.HasPrefix(c, "NoSuch")
}

func (ev *evaluation) healthCheck(id, step string) func(context.Context) {
	return func(ctx context.Context) {
		ev.touch("healthcheck/" + id)
		var out *route53.GetHealthCheckStatusOutput
		err := ev.call(ctx, "route53/GetHealthCheckStatus", "us-east-1", func(ctx context.Context) (err error) {
			out, err = ev.e.o.Clients.Route53().GetHealthCheckStatus(ctx, &route53.GetHealthCheckStatusInput{HealthCheckId: aws.String(id)})
			return err
		})
		if err != nil {
			if isNotFound(err) {
				ev.add(Critical, "route53/health-check", id, step, "Route 53 health check %s does not exist: the STOP signal of step %s would move no traffic", id, step)
				return
			}
			ev.add(Warning, "route53/health-check", id, step, "could not read Route 53 health check %s (the Route 53 API is homed in us-east-1; the STOP pattern does not need it during a failover): %v", id, err)
			return
		}
		_ = out
	}
}

func (ev *evaluation) secret(name string) func(context.Context) {
	return func(ctx context.Context) {
		ev.touch("secret/" + ev.target + "/" + name)
		err := ev.call(ctx, "secretsmanager/DescribeSecret", ev.target, func(ctx context.Context) error {
			_, err := ev.e.o.Clients.SecretsManager(ev.target).DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
			return err
		})
		if err == nil {
			return
		}
		if isNotFound(err) {
			ev.add(Critical, "secrets/present", name, "", "secret %s is missing in %s: the control plane there cannot reach Slack for approvals (create it or replicate it into %s)", name, ev.target, ev.target)
			return
		}
		ev.failed("secrets/present", name, "", ev.target, "describe secret "+name, err)
	}
}

// iamTasks simulates the execution role's policy: one call per block, its
// actions on the resources its steps name.
func (ev *evaluation) iamTasks(byBlock map[string]map[string]bool) []func(context.Context) {
	if ev.e.o.ExecutionRole == "" {
		ev.add(Info, "iam/permissions", "", "", "the execution role's permissions were not simulated (no execution role configured)")
		return nil
	}
	var tasks []func(context.Context)
	for _, b := range sortedKeys(byBlock) {
		spec, ok := plan.LookupBlock(b)
		if !ok || len(spec.Actions) == 0 {
			continue
		}
		resources := sortedKeys(byBlock[b])
		if len(resources) == 0 {
			resources = []string{"*"}
		}
		tasks = append(tasks, func(ctx context.Context) { ev.simulate(ctx, b, spec.Actions, resources) })
	}
	return tasks
}

func (ev *evaluation) simulate(ctx context.Context, block string, actions, resources []string) {
	role := ev.e.o.ExecutionRole
	var out *iam.SimulatePrincipalPolicyOutput
	err := ev.call(ctx, "iam/SimulatePrincipalPolicy", "us-east-1", func(ctx context.Context) (err error) {
		out, err = ev.e.o.Clients.IAM().SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(role), ActionNames: actions, ResourceArns: resources})
		return err
	})
	if err != nil {
		var nse *iamtypes.NoSuchEntityException
		if errors.As(err, &nse) || isNotFound(err) {
			ev.add(Critical, "iam/permissions", role, "", "execution role %s does not exist", role)
			return
		}
		ev.add(Warning, "iam/permissions", role, "", "could not simulate the execution role's permissions for %s (IAM is a global control plane homed in us-east-1): %v", block, err)
		return
	}
	denied := map[string][]string{}
	for _, r := range out.EvaluationResults {
		if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed {
			a := aws.ToString(r.EvalActionName)
			denied[a] = append(denied[a], aws.ToString(r.EvalResourceName))
		}
	}
	for _, a := range sortedKeys(denied) {
		ev.add(Critical, "iam/permissions", role, "", "execution role %s may not call %s on %s (needed by the %s block; IAM policy simulation: denied)", resourceID(role), a, strings.Join(denied[a], ", "), block)
	}
}

func (ev *evaluation) versionTask() func(context.Context) {
	return func(ctx context.Context) {
		if ev.e.o.Versions == nil {
			ev.add(Info, "plan/version", "", "", "the plan version deployed in the other Regions was not compared (no store access)")
			return
		}
		want := ev.p.Fingerprint()
		for _, r := range ev.p.Spec.Regions {
			got, err := ev.e.o.Versions.DeployedVersion(ctx, r, ev.p.Metadata.Name)
			switch {
			case err != nil && isStoreNotFound(err):
				ev.add(Critical, "plan/version", r, "", "plan %s is not deployed in %s (deploy the same version to every Region of the plan)", ev.p.Metadata.Name, r)
			case err != nil:
				sev := Warning
				if r == ev.target {
					sev = Critical
				}
				ev.add(sev, "plan/version", r, "", "could not read the plan version deployed in %s: %v", r, err)
			case got != want:
				ev.add(Critical, "plan/version", r, "", "%s runs plan %s version %s, but this evaluation is of version %s: deploy the same version everywhere", r, ev.p.Metadata.Name, short(got), short(want))
			}
		}
	}
}

func short(v string) string {
	if len(v) > 19 {
		return v[:19]
	}
	return v
}

func (ev *evaluation) slackTask() func(context.Context) {
	return func(ctx context.Context) {
		a := ev.p.Spec.Approval
		if a == nil || a.Slack == nil {
			return
		}
		if ev.e.o.Slack == nil {
			ev.add(Info, "slack/reachable", a.Slack.Channel, "", "Slack reachability not checked (no Slack client)")
			return
		}
		if err := ev.e.o.Slack.Ping(ctx); err != nil {
			if len(a.FallbackApprovers) > 0 {
				ev.add(Warning, "slack/reachable", a.Slack.Channel, "", "Slack is not reachable (%v): approvals would fall back to the API/CLI approvers %s", err, strings.Join(a.FallbackApprovers, ", "))
			} else {
				ev.add(Critical, "slack/reachable", a.Slack.Channel, "", "Slack is not reachable (%v) and the plan has no fallback approvers: nobody could approve a failover", err)
			}
		}
	}
}

func isStoreNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// NormalizeSeverity maps a block's severity ("error", "warning", "info") or
// a readiness one to a Severity; unknown values are Info.
func NormalizeSeverity(s string) Severity {
	switch s {
	case "error", "critical":
		return Critical
	case "warning":
		return Warning
	}
	return Info
}
