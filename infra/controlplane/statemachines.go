package controlplane

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// newStateMachine deploys statemachines/<m.Name>.asl.json as written, with
// its ${Name} placeholders substituted by CloudFormation, logging (ALL, but
// without execution data: inputs and outputs carry task tokens and approval
// payloads) and X-Ray tracing. Its role gets exactly what the placeholders it
// uses point at.
func newStateMachine(stack awscdk.Stack, rs *RegionStack, cfg Config, src *Sources, m StateMachine, importSM func(string) awsstepfunctions.IStateMachine) awsstepfunctions.StateMachine {
	c := constructs.NewConstruct(stack, jsii.String("Sm"+pascal(m.Name)))
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("states.amazonaws.com"), nil),
		Description: jsii.String("Execution role of the Switchyard " + m.Name + " state machine."),
	})
	subs := map[string]*string{}
	for _, use := range m.Uses {
		switch use {
		case SubstTableName, SubstTableArn:
			rs.Table.GrantReadWriteData(role)
			if use == SubstTableName {
				subs[use] = rs.Table.TableName()
			} else {
				subs[use] = rs.Table.TableArn()
			}
		case SubstEventBusName, SubstEventBusArn:
			rs.Bus.GrantPutEventsTo(role, nil)
			if use == SubstEventBusName {
				subs[use] = rs.Bus.EventBusName()
			} else {
				subs[use] = rs.Bus.EventBusArn()
			}
		case SubstPlanExecutionRoleArn:
			// For Task states that act with the plan role ("Credentials").
			subs[use] = rs.PlanRole.Role.RoleArn()
			role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("sts:AssumeRole"),
				Resources: &[]*string{rs.PlanRole.Role.RoleArn()},
			}))
			rs.PlanRole.Role.GrantAssumeRole(role)
		default:
			if fn, ok := functionForSubstitution(use); ok {
				f := rs.Functions[fn] // present: LoadSources checked it
				f.GrantInvoke(role)
				subs[use] = f.FunctionArn()
				continue
			}
			if name, ok := src.stateMachineForSubstitution(use); ok {
				child := importSM(name)
				subs[use] = child.StateMachineArn()
				child.GrantStartExecution(role)
				child.GrantExecution(role, jsii.String("states:DescribeExecution"), jsii.String("states:StopExecution"))
				// startExecution.sync waits through this managed rule.
				role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions: jsii.Strings("events:PutTargets", "events:PutRule", "events:DescribeRule"),
					Resources: &[]*string{stack.FormatArn(&awscdk.ArnComponents{
						Service: jsii.String("events"), Resource: jsii.String("rule"),
						ResourceName: jsii.String("StepFunctionsGetEventsForStepFunctionsExecutionManagedRule"),
					})},
				}))
			}
		}
	}
	logGroup := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		// The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy
		// small when many state machines log.
		LogGroupName: jsii.String("/aws/vendedlogs/states/" + stateMachineName(cfg, m.Name)),
		Retention:    LogRetention,
	})
	sm := awsstepfunctions.NewStateMachine(c, jsii.String("StateMachine"), &awsstepfunctions.StateMachineProps{
		StateMachineName:        jsii.String(stateMachineName(cfg, m.Name)),
		StateMachineType:        awsstepfunctions.StateMachineType_STANDARD,
		DefinitionBody:          awsstepfunctions.DefinitionBody_FromString(jsii.String(m.Definition)),
		DefinitionSubstitutions: &subs,
		Role:                    role,
		TracingEnabled:          jsii.Bool(true),
		Logs: &awsstepfunctions.LogOptions{
			Destination:          logGroup,
			Level:                awsstepfunctions.LogLevel_ALL,
			IncludeExecutionData: jsii.Bool(false),
		},
	})
	return sm
}
