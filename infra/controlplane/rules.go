package controlplane

import (
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// ruleRetry bounds EventBridge's delivery retries to a target function: an
// alarm event older than an hour is stale for trigger decisions.
var ruleRetry = &awsevents.CfnRule_RetryPolicyProperty{
	MaximumEventAgeInSeconds: jsii.Number(3600),
	MaximumRetryAttempts:     jsii.Number(20),
}

// newRules creates one rule per events/rules/*.json (its pattern exactly the
// file's content, on the bus its target table names, delivering to its
// target function once that exists) and one per events/schedules/*.json,
// including the readiness schedule (built in at 5 minutes when its file is
// absent; the readinessMinutes context overrides its rate).
func newRules(stack awscdk.Stack, rs *RegionStack, cfg Config, src *Sources) {
	for _, r := range src.Rules {
		props := &awsevents.CfnRuleProps{
			Description:  jsii.String(fmt.Sprintf("Switchyard rule %s (pattern: %s)", r.Name, r.Path)),
			EventPattern: r.Pattern,
			State:        jsii.String("ENABLED"),
		}
		if r.Target.Bus == SwitchyardBus {
			props.EventBusName = rs.Bus.EventBusName()
		}
		var landed []string
		var targets []*awsevents.CfnRule_TargetProperty
		for _, name := range r.Target.Functions {
			if fn := rs.Functions[name]; fn != nil {
				landed = append(landed, name)
				targets = append(targets, &awsevents.CfnRule_TargetProperty{
					Id:          jsii.String(name),
					Arn:         fn.FunctionArn(),
					RetryPolicy: ruleRetry,
				})
			}
		}
		if len(targets) > 0 {
			props.Targets = &targets
		}
		rule := awsevents.NewCfnRule(stack, jsii.String("Rule"+pascal(r.Name)), props)
		for _, name := range landed {
			id := "Rule" + pascal(r.Name)
			if len(r.Target.Functions) > 1 {
				id += pascal(name)
			}
			rs.Functions[name].AddPermission(jsii.String(id), &awslambda.Permission{
				Principal: awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil),
				SourceArn: rule.AttrArn(),
			})
		}
		rs.Rules[r.Name] = rule
	}

	schedules := slices.Clone(src.Schedules)
	if !slices.ContainsFunc(schedules, func(sc Schedule) bool { return sc.Name == readinessSchedule }) {
		schedules = append(schedules, Schedule{
			Name: readinessSchedule, Path: "(built in)", Functions: scheduleTargets[readinessSchedule],
			Description: "Evaluate the readiness of every plan in this Region",
			Expression:  rateExpression(DefaultReadinessInterval),
		})
	}
	for _, sc := range schedules {
		expr := sc.Expression
		if sc.Name == readinessSchedule && cfg.ReadinessInterval > 0 {
			expr = rateExpression(cfg.ReadinessInterval)
		}
		props := &awsevents.CfnRuleProps{
			Description:        jsii.String(fmt.Sprintf("Switchyard schedule %s: %s", sc.Name, sc.Description)),
			ScheduleExpression: jsii.String(expr),
			State:              jsii.String("ENABLED"),
		}
		var landed []string
		var targets []*awsevents.CfnRule_TargetProperty
		for _, name := range sc.Functions {
			fn := rs.Functions[name]
			if fn == nil {
				continue
			}
			landed = append(landed, name)
			targets = append(targets, &awsevents.CfnRule_TargetProperty{
				Id:  jsii.String(name),
				Arn: fn.FunctionArn(),
				// A missed evaluation is replaced by the next one.
				RetryPolicy: &awsevents.CfnRule_RetryPolicyProperty{
					MaximumEventAgeInSeconds: jsii.Number(300),
					MaximumRetryAttempts:     jsii.Number(2),
				},
			})
		}
		if len(targets) > 0 {
			props.Targets = &targets
		}
		rule := awsevents.NewCfnRule(stack, jsii.String("Schedule"+pascal(sc.Name)), props)
		for _, name := range landed {
			// The first target keeps the permission id it had when schedules
			// had one target (construct ids are never renamed).
			id := "Schedule" + pascal(sc.Name)
			if name != sc.Functions[0] {
				id += pascal(name)
			}
			rs.Functions[name].AddPermission(jsii.String(id), &awslambda.Permission{
				Principal: awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil),
				SourceArn: rule.AttrArn(),
			})
		}
		rs.Schedules[sc.Name] = rule
	}
}

// rateExpression is an EventBridge rate for d (whole minutes, at least 1).
func rateExpression(d time.Duration) string {
	n := int(d.Minutes())
	if n <= 1 {
		return "rate(1 minute)"
	}
	return fmt.Sprintf("rate(%d minutes)", n)
}
