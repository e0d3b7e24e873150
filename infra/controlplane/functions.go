package controlplane

import (
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// LogRetention is how long the control plane's logs are kept.
const LogRetention = awslogs.RetentionDays_THREE_MONTHS

// FunctionProps configures a Lambda function built from functions/<name>.
type FunctionProps struct {
	// Function is the function and its settings.
	Function Function
	// BinDir holds <name>/bootstrap, built for linux/arm64.
	BinDir string
	// Role is the function's execution role (created by the caller so other
	// constructs can trust it before the function exists).
	Role awsiam.IRole
	// Environment is the function's environment (names from shared/lambdaenv).
	Environment map[string]string
}

// NewFunction creates the function: provided.al2023 on arm64 from the
// prebuilt bootstrap, JSON logs in its own log group with retention, X-Ray
// active tracing, and the reserved concurrency of its settings.
func NewFunction(scope constructs.Construct, id string, props *FunctionProps) awslambda.Function {
	c := constructs.NewConstruct(scope, jsii.String(id))
	s := props.Function.Settings
	logGroup := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention: LogRetention,
	})
	// The role writes only to this log group (no AWSLambdaBasicExecutionRole:
	// it would allow every log group).
	logGroup.GrantWrite(props.Role)

	env := make(map[string]*string, len(props.Environment))
	for k, v := range props.Environment {
		env[k] = jsii.String(v)
	}
	fnProps := &awslambda.FunctionProps{
		Description:   jsii.String(s.Description),
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("bootstrap"),
		Code:          awslambda.Code_FromAsset(jsii.String(filepath.Join(props.BinDir, props.Function.Name)), nil),
		MemorySize:    jsii.Number(float64(s.MemoryMiB)),
		Timeout:       awscdk.Duration_Seconds(jsii.Number(s.Timeout.Seconds())),
		Role:          props.Role,
		LoggingFormat: awslambda.LoggingFormat_JSON,
		LogGroup:      logGroup,
		// The functions filter by SWITCHYARD_LOG_LEVEL themselves; Lambda
		// passes everything they write.
		ApplicationLogLevelV2: awslambda.ApplicationLogLevel_DEBUG,
		SystemLogLevelV2:      awslambda.SystemLogLevel_INFO,
		Tracing:               awslambda.Tracing_ACTIVE,
		Environment:           &env,
	}
	if s.ReservedConcurrency > 0 {
		fnProps.ReservedConcurrentExecutions = jsii.Number(float64(s.ReservedConcurrency))
	}
	return awslambda.NewFunction(c, jsii.String("Function"), fnProps)
}
