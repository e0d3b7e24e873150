package controlplane

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Paths of the two HTTP entry points.
const (
	// ControlAPIRoute is the control API's one proxy route; the api function
	// routes /v1/... itself (issue 6).
	ControlAPIRoute = "/v1/{proxy+}"
	// SlackInteractionsPath is the Slack interactivity endpoint's path.
	SlackInteractionsPath = "/slack/interactions"
)

// Stage throttles. The control API serves operators and the CLI; the Slack
// endpoint serves a few button clicks per incident, so a low ceiling bounds
// what a flood of forged requests can cost.
const (
	ControlAPIRateLimit  = 20
	ControlAPIBurstLimit = 40
	SlackRateLimit       = 5
	SlackBurstLimit      = 10
)

// accessLogFormat is a JSON access log line per request (HTTP API $context
// variables); it records the IAM caller, never a body.
const accessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","userArn":"$context.identity.userArn","requestTime":"$context.requestTime","method":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status","responseLength":"$context.responseLength","integrationError":"$context.integrationErrorMessage"}`

// APIsProps configures APIs.
type APIsProps struct {
	// Prefix names the APIs.
	Prefix string
	// Control backs the IAM-authorized API; Slack backs the Slack endpoint.
	// A nil function leaves its API without routes until it lands.
	Control awslambda.IFunction
	Slack   awslambda.IFunction
}

// APIs are the Region's two HTTP APIs (API Gateway HTTP APIs).
type APIs struct {
	// Control is IAM-authorized on every route.
	Control awsapigatewayv2.HttpApi
	// Slack is public: the slack function verifies every request's signature.
	Slack awsapigatewayv2.HttpApi
	// ControlURL and SlackURL are the URLs the stack outputs.
	ControlURL *string
	SlackURL   *string
}

// NewAPIs creates the control API (AWS_IAM authorization as the default for
// every route) and the Slack interactivity endpoint, each with a throttled,
// access-logged $default stage.
func NewAPIs(scope constructs.Construct, id string, props *APIsProps) *APIs {
	c := constructs.NewConstruct(scope, jsii.String(id))
	a := &APIs{}

	a.Control = awsapigatewayv2.NewHttpApi(c, jsii.String("Control"), &awsapigatewayv2.HttpApiProps{
		ApiName:            jsii.String(props.Prefix + "-control"),
		Description:        jsii.String("Switchyard control API: start, watch and steer executions (IAM SigV4)."),
		CreateDefaultStage: jsii.Bool(false),
		DefaultAuthorizer:  awsapigatewayv2authorizers.NewHttpIamAuthorizer(),
	})
	controlStage := newStage(c, "ControlStage", a.Control, ControlAPIRateLimit, ControlAPIBurstLimit)
	if props.Control != nil {
		a.Control.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(ControlAPIRoute),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_ANY},
			Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("ControlIntegration"), props.Control, nil),
		})
	}
	a.ControlURL = controlStage.Url()

	a.Slack = awsapigatewayv2.NewHttpApi(c, jsii.String("Slack"), &awsapigatewayv2.HttpApiProps{
		ApiName:            jsii.String(props.Prefix + "-slack"),
		Description:        jsii.String("Switchyard Slack interactivity endpoint (public; the slack function verifies Slack's signature)."),
		CreateDefaultStage: jsii.Bool(false),
	})
	slackStage := newStage(c, "SlackStage", a.Slack, SlackRateLimit, SlackBurstLimit)
	if props.Slack != nil {
		routes := a.Slack.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(SlackInteractionsPath),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
			Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("SlackIntegration"), props.Slack, nil),
		})
		for _, r := range *routes {
			suppress(r, true, finding{id: "AwsSolutions-APIG4", reason: "Slack cannot sign requests with AWS credentials. The slack function authenticates every request by Slack's v0 HMAC-SHA256 signature (timestamp within 5 minutes, constant-time compare) and rejects anything else with 401; the stage is throttled."})
		}
	}
	a.SlackURL = awscdk.Fn_Join(jsii.String(""), &[]*string{slackStage.Url(), jsii.String(SlackInteractionsPath[1:])})
	return a
}

// newStage creates api's $default stage: auto-deployed, throttled, with JSON
// access logs in its own log group.
func newStage(scope constructs.Construct, id string, api awsapigatewayv2.HttpApi, rate, burst float64) awsapigatewayv2.HttpStage {
	logs := awslogs.NewLogGroup(scope, jsii.String(id+"AccessLogs"), &awslogs.LogGroupProps{Retention: LogRetention})
	stage := awsapigatewayv2.NewHttpStage(scope, jsii.String(id), &awsapigatewayv2.HttpStageProps{
		HttpApi:    api,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle:   &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(rate), BurstLimit: jsii.Number(burst)},
	})
	cfn := stage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	cfn.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(),
		Format:         jsii.String(accessLogFormat),
	})
	return stage
}
