package controlplane

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Switchyard's own metrics, published by the functions as CloudWatch
// Embedded Metric Format lines. The dashboard and alarms read these names.
const (
	// MetricsNamespace is the namespace of every Switchyard metric.
	MetricsNamespace = "Switchyard"
	// MetricStepDuration is a step's duration in seconds, dimensions
	// Plan and Step (execute-plan's step handlers).
	MetricStepDuration = "StepDurationSeconds"
	// MetricReady is 1 when a plan is ready in this Region, else 0; dimension
	// Plan (readiness function, every evaluation).
	MetricReady = "Ready"
	// MetricPlansNotReady is the count of plans not ready in this Region,
	// no dimensions (readiness function, every evaluation, 0 included).
	MetricPlansNotReady = "PlansNotReady"
	// MetricApprovalsPending is the number of approvals and operator
	// decisions waiting, no dimensions (approval and slack/api functions).
	MetricApprovalsPending = "ApprovalsPending"
	// DimensionPlan and DimensionStep are the dimension names.
	DimensionPlan = "Plan"
	DimensionStep = "Step"
)

// ObservabilityProps configures Observability.
type ObservabilityProps struct {
	Prefix        string
	Key           awskms.Key
	Functions     map[string]awslambda.Function
	StateMachines map[string]awsstepfunctions.StateMachine
}

// Observability is the Region's dashboard, the alarms on the control plane
// itself, and the topic they notify.
type Observability struct {
	Topic     awssns.Topic
	Dashboard awscloudwatch.Dashboard
	// Alarms are keyed by a stable name: "failed-executions-<sm>",
	// "errors-<function>", "readiness-regression".
	Alarms map[string]awscloudwatch.Alarm
}

// NewObservability creates the alarm topic (encrypted, TLS-only), a dashboard
// with executions, step durations, readiness per plan, approvals pending and
// errors, and alarms on failed executions, function errors and readiness
// regressions.
func NewObservability(scope constructs.Construct, id string, props *ObservabilityProps) *Observability {
	c := constructs.NewConstruct(scope, jsii.String(id))
	// Not a package variable: jsii calls must wait until main (or TestMain)
	// has chosen the Node binary.
	period := awscdk.Duration_Minutes(jsii.Number(5))
	o := &Observability{Alarms: map[string]awscloudwatch.Alarm{}}

	o.Topic = awssns.NewTopic(c, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String(props.Prefix + " control-plane alarms"),
		MasterKey:   props.Key,
		EnforceSSL:  jsii.Bool(true),
	})
	// CloudWatch publishes alarm notifications to the encrypted topic; the key
	// policy's "*" resource means this key.
	props.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources:  jsii.Strings("*"),
	}), nil)
	action := awscloudwatchactions.NewSnsAction(o.Topic)
	addAlarm := func(key, cid string, p *awscloudwatch.AlarmProps) {
		a := awscloudwatch.NewAlarm(c, jsii.String(cid), p)
		a.AddAlarmAction(action)
		o.Alarms[key] = a
	}

	smNames := sortedKeys(props.StateMachines)
	fnNames := sortedKeys(props.Functions)

	var started, succeeded, failed, durations []awscloudwatch.IMetric
	for _, name := range smNames {
		sm := props.StateMachines[name]
		label := func(what string) *awscloudwatch.MetricOptions {
			return &awscloudwatch.MetricOptions{Label: jsii.String(name + " " + what), Period: period}
		}
		started = append(started, sm.MetricStarted(label("started")))
		succeeded = append(succeeded, sm.MetricSucceeded(label("succeeded")))
		failed = append(failed, sm.MetricFailed(label("failed")), sm.MetricTimedOut(label("timed out")))
		durations = append(durations, sm.MetricTime(&awscloudwatch.MetricOptions{Label: jsii.String(name + " p90"), Period: period, Statistic: jsii.String("p90")}))
		addAlarm("failed-executions-"+name, "FailedExecutions"+pascal(name), &awscloudwatch.AlarmProps{
			AlarmDescription: jsii.String(fmt.Sprintf("Switchyard %s: an execution failed or timed out in this Region.", name)),
			Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
				Expression: jsii.String("failed + timedOut"),
				UsingMetrics: &map[string]awscloudwatch.IMetric{
					"failed":   sm.MetricFailed(&awscloudwatch.MetricOptions{Period: period}),
					"timedOut": sm.MetricTimedOut(&awscloudwatch.MetricOptions{Period: period}),
				},
				Period: period,
			}),
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
	}

	var errs []awscloudwatch.IMetric
	for _, name := range fnNames {
		fn := props.Functions[name]
		m := fn.MetricErrors(&awscloudwatch.MetricOptions{Label: jsii.String(name), Period: period, Statistic: jsii.String("Sum")})
		errs = append(errs, m)
		addAlarm("errors-"+name, "Errors"+pascal(name), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(fmt.Sprintf("Switchyard %s function: invocation errors in this Region.", name)),
			Metric:             m,
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
	}

	notReady := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String(MetricsNamespace), MetricName: jsii.String(MetricPlansNotReady),
		Statistic: jsii.String("Maximum"), Period: period, Label: jsii.String("plans not ready"),
	})
	addAlarm("readiness-regression", "ReadinessRegression", &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String("Switchyard: at least one plan is not ready in this Region (see the readiness report)."),
		Metric:             notReady,
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})

	search := func(label, expr string) awscloudwatch.IMetric {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(expr), Label: jsii.String(label), Period: period,
		})
	}
	graph := func(title string, left ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		if len(left) == 0 {
			// A widget needs a metric; say what is missing instead.
			return awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{
				Markdown: jsii.String("### " + title + "\nNothing deployed yet in this Region."), Width: jsii.Number(12), Height: jsii.Number(6),
			})
		}
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &left, Width: jsii.Number(12), Height: jsii.Number(6),
		})
	}
	allExec := append(append(append([]awscloudwatch.IMetric{}, started...), succeeded...), failed...)
	o.Dashboard = awscloudwatch.NewDashboard(c, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(24)),
		Widgets: &[]*[]awscloudwatch.IWidget{
			{graph("Executions", allExec...), graph("Execution duration (p90)", durations...)},
			{
				graph("Step durations (s)", search("step", fmt.Sprintf(`SEARCH('{%s,%s,%s} MetricName="%s"', 'Maximum', 300)`, MetricsNamespace, DimensionPlan, DimensionStep, MetricStepDuration))),
				graph("Readiness per plan (1 = ready)", search("ready", fmt.Sprintf(`SEARCH('{%s,%s} MetricName="%s"', 'Minimum', 300)`, MetricsNamespace, DimensionPlan, MetricReady)), notReady),
			},
			{
				graph("Approvals and decisions pending", awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
					Namespace: jsii.String(MetricsNamespace), MetricName: jsii.String(MetricApprovalsPending),
					Statistic: jsii.String("Maximum"), Period: period, Label: jsii.String("pending"),
				})),
				graph("Errors", append(errs, failed...)...),
			},
			{alarmStatus(o.Alarms)},
		},
	})
	return o
}

// alarmStatus shows every control-plane alarm's state.
func alarmStatus(alarms map[string]awscloudwatch.Alarm) awscloudwatch.IWidget {
	keys := make([]string, 0, len(alarms))
	for k := range alarms {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	list := make([]interfacesawscloudwatch.IAlarmRef, 0, len(keys))
	for _, k := range keys {
		list = append(list, alarms[k])
	}
	return awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String("Control-plane alarms"), Alarms: &list, Width: jsii.Number(24),
	})
}
