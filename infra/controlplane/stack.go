package controlplane

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/switchyard-dev/switchyard/shared/lambdaenv"
)

// RegionStackProps configures a RegionStack.
type RegionStackProps struct {
	// Config is the app's configuration.
	Config Config
	// Region is the stack's Region (one of Config.Regions).
	Region string
	// Sources are the repository's functions, state machines and rules,
	// already loaded and checked by LoadSources.
	Sources *Sources
	// PlanPermissions are the permissions the plans' actions need in this
	// Region (PlanPermissionsFor; Build derives them from Plans).
	PlanPermissions PlanPermissions
	// Plans are the validated plans, delivered to this Region's table (nil:
	// none).
	Plans *PlanSet
}

// RegionStack is one Region's complete, independent Switchyard control plane.
type RegionStack struct {
	Stack         awscdk.Stack
	Key           awskms.Key
	Table         awsdynamodb.Table
	Bus           awsevents.EventBus
	SigningSecret awssecretsmanager.Secret
	BotToken      awssecretsmanager.Secret
	PlanRole      *PlanExecutionRole
	// Functions and StateMachines are keyed by name; Rules by rule name.
	Functions     map[string]awslambda.Function
	StateMachines map[string]awsstepfunctions.StateMachine
	Rules         map[string]awsevents.CfnRule
	// Schedules are keyed by schedule name (events/schedules/<name>.json).
	Schedules     map[string]awsevents.CfnRule
	API           *APIs
	Observability *Observability
	// PlanDelivery stores the deployed plans in the table.
	PlanDelivery *PlanDelivery
	// CrossRegionReads are the strings naming other Regions that the
	// functions' read permissions and environment hold, by design: the
	// alarms the plans name in other Regions (trigger conditions), and the
	// peer Regions' tables (plan version comparison; reads.go says why
	// that is a read of data, not a control-plane dependency).
	CrossRegionReads []string
}

// NewRegionStack builds the stack "<prefix>-<region>" in scope (the app).
// Construct IDs are stable: renaming one replaces the resource.
func NewRegionStack(scope constructs.Construct, props *RegionStackProps) *RegionStack {
	cfg, src, region := props.Config, props.Sources, props.Region
	stack := awscdk.NewStack(scope, jsii.String(cfg.StackName(region)), &awscdk.StackProps{
		StackName:   jsii.String(cfg.StackName(region)),
		Env:         &awscdk.Environment{Account: jsii.String(cfg.Account), Region: jsii.String(region)},
		Description: jsii.String(fmt.Sprintf("Switchyard control plane for %s: independent of every other Region's stack.", region)),
	})
	rs := &RegionStack{
		Stack:         stack,
		Functions:     map[string]awslambda.Function{},
		StateMachines: map[string]awsstepfunctions.StateMachine{},
		Rules:         map[string]awsevents.CfnRule{},
		Schedules:     map[string]awsevents.CfnRule{},
	}

	// CDK's default key policy: one statement giving the account root
	// kms:* on this key, which delegates access to IAM policies (AWS's
	// documented default; without it the key cannot be administered). Every
	// grant to a Switchyard role is then a scoped IAM statement.
	rs.Key = awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("Switchyard: encrypts this Region's table, Slack secrets and alarm topic."),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	rs.Table = NewTable(stack, "Table", &TableProps{Key: rs.Key, Name: cfg.TableName()})
	rs.Bus = awsevents.NewEventBus(stack, jsii.String("Bus"), &awsevents.EventBusProps{
		EventBusName: jsii.String(cfg.Prefix),
		Description:  jsii.String("Switchyard's own events in this Region (executions, steps, readiness, decisions)."),
	})
	rs.SigningSecret = newSlackSecret(stack, "SlackSigningSecret", rs.Key,
		"Slack app signing secret (Basic Information > App Credentials). Put the real value after deploy; read by the slack function at cold start.")
	rs.BotToken = newSlackSecret(stack, "SlackBotToken", rs.Key,
		"Slack bot token xoxb-… (OAuth & Permissions, scope chat:write). Put the real value after deploy.")

	// Roles first, so the plan execution role can trust exactly the functions
	// that act for plans.
	roles := map[string]awsiam.Role{}
	var planActors []awsiam.IRole
	for _, f := range src.Functions {
		role := awsiam.NewRole(stack, jsii.String("Role"+pascal(f.Name)), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String("Execution role of the Switchyard " + f.Name + " function."),
		})
		roles[f.Name] = role
		if f.Settings.Access.AssumePlanRole {
			planActors = append(planActors, role)
		}
	}
	rs.PlanRole = NewPlanExecutionRole(stack, "PlanExecutionRole", &PlanExecutionRoleProps{
		Permissions: props.PlanPermissions,
		AssumedBy:   planActors,
		Account:     cfg.Account,
	})

	imported := map[string]awsstepfunctions.IStateMachine{}
	importSM := func(name string) awsstepfunctions.IStateMachine {
		if sm, ok := imported[name]; ok {
			return sm
		}
		// By name, not by reference: a function invoked by a state machine
		// may also complete its tokens, and a reference would make a cycle.
		sm := awsstepfunctions.StateMachine_FromStateMachineName(stack, jsii.String("Named"+pascal(name)), jsii.String(stateMachineName(cfg, name)))
		imported[name] = sm
		return sm
	}

	for _, f := range src.Functions {
		role, a := roles[f.Name], f.Settings.Access
		env := map[string]string{
			lambdaenv.TableName:    *rs.Table.TableName(),
			lambdaenv.EventBusName: *rs.Bus.EventBusName(),
			lambdaenv.Region:       region,
			lambdaenv.LogLevel:     "info",
		}
		if src.HasStateMachine(executePlan) {
			env[lambdaenv.ExecutePlanStateMachineArn] = *importSM(executePlan).StateMachineArn()
		}
		switch a.Table {
		case TableRead:
			rs.Table.GrantReadData(role)
		case TableReadWrite:
			rs.Table.GrantReadWriteData(role)
		}
		if a.PutEvents {
			rs.Bus.GrantPutEventsTo(role, nil)
		}
		for _, name := range a.StartExecutions {
			if !src.HasStateMachine(name) {
				continue
			}
			sm := importSM(name)
			sm.GrantStartExecution(role)
			sm.GrantExecution(role, jsii.String("states:DescribeExecution"), jsii.String("states:StopExecution"), jsii.String("states:GetExecutionHistory"))
			sm.Grant(role, jsii.String("states:ListExecutions"))
		}
		for _, name := range a.TaskResponses {
			if src.HasStateMachine(name) {
				importSM(name).GrantTaskResponse(role)
			}
		}
		if a.SlackSigningSecret {
			rs.SigningSecret.GrantRead(role, nil)
			env[lambdaenv.SlackSigningSecretArn] = *rs.SigningSecret.SecretArn()
		}
		if a.SlackBotToken {
			rs.BotToken.GrantRead(role, nil)
			env[lambdaenv.SlackBotTokenArn] = *rs.BotToken.SecretArn()
		}
		if a.SimulatePlanRole {
			role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("iam:SimulatePrincipalPolicy"),
				Resources: &[]*string{rs.PlanRole.Role.RoleArn()},
			}))
		}
		for _, x := range grantControlPlaneReads(role, a, rs, cfg, region, props.Plans, env) {
			if !slices.Contains(rs.CrossRegionReads, x) {
				rs.CrossRegionReads = append(rs.CrossRegionReads, x)
			}
		}
		rs.Functions[f.Name] = NewFunction(stack, "Fn"+pascal(f.Name), &FunctionProps{
			Function:    f,
			BinDir:      cfg.FunctionsBinDir,
			Role:        role,
			Environment: env,
		})
	}

	for _, m := range src.StateMachines {
		rs.StateMachines[m.Name] = newStateMachine(stack, rs, cfg, src, m, importSM)
	}
	rs.PlanDelivery = NewPlanDelivery(stack, "PlanDelivery", &PlanDeliveryProps{
		Plans: props.Plans, Table: rs.Table, Key: rs.Key, BinDir: cfg.FunctionsBinDir, Region: region,
	})
	newRules(stack, rs, cfg, src)
	rs.API = NewAPIs(stack, "Api", &APIsProps{
		Prefix:  cfg.Prefix,
		Control: rs.Functions[apiFunction],
		Slack:   rs.Functions[slackFunction],
	})
	rs.Observability = NewObservability(stack, "Observability", &ObservabilityProps{
		Prefix:        cfg.Prefix,
		Key:           rs.Key,
		Functions:     rs.Functions,
		StateMachines: rs.StateMachines,
	})

	output(stack, "ControlApiUrl", rs.API.ControlURL, "HTTP API base URL (IAM SigV4 auth); routes under /v1.")
	output(stack, "SlackInteractivityUrl", rs.API.SlackURL, "Paste into the Slack app: Interactivity & Shortcuts > Request URL.")
	output(stack, "TableName", rs.Table.TableName(), "This Region's Switchyard table.")
	output(stack, "EventBusName", rs.Bus.EventBusName(), "This Region's bus for Switchyard's own events.")
	output(stack, "SlackSigningSecretArn", rs.SigningSecret.SecretArn(), "Put the Slack signing secret here.")
	output(stack, "SlackBotTokenArn", rs.BotToken.SecretArn(), "Put the Slack bot token here.")
	output(stack, "AlarmTopicArn", rs.Observability.Topic.TopicArn(), "Subscribe on-call to the control plane's own alarms.")
	output(stack, "PlanExecutionRoleArn", rs.PlanRole.Role.RoleArn(), "Role that carries out plan actions in this Region.")
	output(stack, "DashboardName", rs.Observability.Dashboard.DashboardName(), "CloudWatch dashboard of this Region's control plane.")

	suppressStackFindings(stack)
	return rs
}

// newSlackSecret creates one of the two Slack secrets. Its generated initial
// value is a placeholder the operator replaces (docs/deploy.md).
func newSlackSecret(scope constructs.Construct, id string, key awskms.IKey, description string) awssecretsmanager.Secret {
	s := awssecretsmanager.NewSecret(scope, jsii.String(id), &awssecretsmanager.SecretProps{
		Description:   jsii.String(description),
		EncryptionKey: key,
	})
	suppress(s, false, finding{id: "AwsSolutions-SMG4", reason: "Slack issues this credential; it cannot be rotated by a Secrets Manager rotation function. Rotate it in Slack and put the new value (docs/deploy.md)."})
	return s
}

func output(scope constructs.Construct, id string, value *string, description string) {
	awscdk.NewCfnOutput(scope, jsii.String(id), &awscdk.CfnOutputProps{
		Value:       value,
		Description: jsii.String(description),
	})
}

// stateMachineName is the deployed name of statemachines/<name>.asl.json.
func stateMachineName(cfg Config, name string) string { return cfg.Prefix + "-" + name }
