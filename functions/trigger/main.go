// Command trigger is the trigger function: it receives CloudWatch alarm
// state changes, Aurora global-database events and the readiness schedule
// (hold-deadline re-checks), and decides per trigger. The logic is
// trigger.Handler.
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/switchyard-dev/switchyard/shared/awsapi"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/lambdaenv"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/store/dynamo"
	"github.com/switchyard-dev/switchyard/shared/trigger"
)

func main() {
	log := lambdacontext.NewLogger()
	ctx := context.Background()
	region := os.Getenv(lambdaenv.Region)
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		log.Error("loading the AWS configuration", "err", err)
		os.Exit(1)
	}
	clk := clock.Real{}
	own := awsapi.NewSDK(cfg)
	roleArn := os.Getenv(lambdaenv.ExecutionRoleArn)
	clients := readiness.SplitClients{Plan: awsapi.NewSDK(awsapi.ForRole(cfg, roleArn, "switchyard-trigger")), Own: own}
	st := dynamo.New(dynamodb.NewFromConfig(cfg), os.Getenv(lambdaenv.TableName), clk)
	versions := readiness.StoreVersions{region: st}
	peers, err := lambdaenv.ParsePeerTables(os.Getenv(lambdaenv.PeerTables))
	if err != nil {
		log.Error("reading the peer tables", "err", err)
		os.Exit(1)
	}
	for r, table := range peers {
		if r != region {
			peer := cfg.Copy()
			peer.Region = r
			versions[r] = dynamo.New(dynamodb.NewFromConfig(peer), table, clk)
		}
	}
	// The trigger re-evaluates the target before acting: the same checks as
	// the readiness function, Slack excepted (the readiness function pings
	// it; the trigger only describes the secrets).
	var secrets []string
	for _, e := range []string{lambdaenv.SlackBotTokenArn, lambdaenv.SlackSigningSecretArn} {
		if v := os.Getenv(e); v != "" {
			secrets = append(secrets, v)
		}
	}
	eval, err := readiness.New(readiness.Options{Clients: clients, Clock: clk, Region: region, Versions: versions,
		ExecutionRole: roleArn, Secrets: secrets})
	if err != nil {
		log.Error("building the evaluator", "err", err)
		os.Exit(1)
	}
	events := readiness.EventBridgePublisher{Client: eventbridge.NewFromConfig(cfg), Bus: os.Getenv(lambdaenv.EventBusName)}
	recorder, err := readiness.NewHandler(readiness.HandlerOptions{Evaluator: eval, Plans: readiness.StorePlans{Store: st}, Store: st,
		Events: events, Metrics: os.Stdout, Region: region, Logger: log})
	if err != nil {
		log.Error("building the readiness recorder", "err", err)
		os.Exit(1)
	}
	h, err := trigger.New(trigger.Options{
		Plans: readiness.StorePlans{Store: st}, Store: st, Readiness: eval, Clock: clk, Region: region, Logger: log,
		Starter: trigger.SFNStarter{Client: sfn.NewFromConfig(cfg), StateMachineArn: os.Getenv(lambdaenv.ExecutePlanStateMachineArn)},
		Events:  events, Recorder: recorder,
		Alarms: trigger.CloudWatchAlarms{CloudWatch: own.CloudWatch},
		// Notifier: the Slack notifier belongs to the approval/Slack work;
		// without it, notify decisions are recorded as blocked, saying so.
	})
	if err != nil {
		log.Error("building the handler", "err", err)
		os.Exit(1)
	}
	lambda.Start(func(ctx context.Context, in json.RawMessage) ([]trigger.Decision, error) { return h.Handle(ctx, in) })
}
