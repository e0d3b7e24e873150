// Command readiness is the readiness function: every 5 minutes (and on
// demand with {"plan": NAME}) it evaluates each plan for a failover into
// this Region, stores the report, emits Readiness Changed on change and
// writes one EMF metric line per plan. The logic is readiness.Handler.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/slack-go/slack"

	"github.com/switchyard-dev/switchyard/shared/awsapi"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/lambdaenv"
	"github.com/switchyard-dev/switchyard/shared/readiness"
	"github.com/switchyard-dev/switchyard/shared/store/dynamo"
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
	roleArn := os.Getenv(lambdaenv.ExecutionRoleArn)
	clients := readiness.SplitClients{Plan: awsapi.NewSDK(awsapi.ForRole(cfg, roleArn, "switchyard-readiness")), Own: awsapi.NewSDK(cfg)}
	local := dynamo.New(dynamodb.NewFromConfig(cfg), os.Getenv(lambdaenv.TableName), clk)
	versions := readiness.StoreVersions{region: local}
	peers, err := lambdaenv.ParsePeerTables(os.Getenv(lambdaenv.PeerTables))
	if err != nil {
		log.Error("reading the peer tables", "err", err)
		os.Exit(1)
	}
	for r, table := range peers {
		if r == region {
			continue
		}
		// A read of the plan version item only: readiness warns when a
		// peer cannot be read, and no recovery waits on it.
		peer := cfg.Copy()
		peer.Region = r
		versions[r] = dynamo.New(dynamodb.NewFromConfig(peer), table, clk)
	}
	secrets := []string{}
	for _, e := range []string{lambdaenv.SlackBotTokenArn, lambdaenv.SlackSigningSecretArn} {
		if v := os.Getenv(e); v != "" {
			secrets = append(secrets, v)
		}
	}
	eval, err := readiness.New(readiness.Options{Clients: clients, Clock: clk, Versions: versions, Region: region,
		ExecutionRole: roleArn, Secrets: secrets, Slack: slackPing(ctx, cfg, log)})
	if err != nil {
		log.Error("building the evaluator", "err", err)
		os.Exit(1)
	}
	h, err := readiness.NewHandler(readiness.HandlerOptions{Evaluator: eval, Plans: readiness.StorePlans{Store: local}, Store: local,
		Events:  readiness.EventBridgePublisher{Client: eventbridge.NewFromConfig(cfg), Bus: os.Getenv(lambdaenv.EventBusName)},
		Metrics: os.Stdout, Region: region, Logger: log})
	if err != nil {
		log.Error("building the handler", "err", err)
		os.Exit(1)
	}
	lambda.Start(func(ctx context.Context, in json.RawMessage) ([]readiness.Outcome, error) { return h.Handle(ctx, in) })
}

// slackPing checks Slack with auth.test using the bot token, read once at
// cold start (never logged). Without a token it reports why.
func slackPing(ctx context.Context, cfg aws.Config, log *slog.Logger) readiness.Slack {
	arn := os.Getenv(lambdaenv.SlackBotTokenArn)
	if arn == "" {
		return nil
	}
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		log.Warn("reading the Slack bot token", "err", err)
		return readiness.SlackFunc(func(context.Context) error { return fmt.Errorf("the Slack bot token could not be read: %w", err) })
	}
	api := slack.New(aws.ToString(out.SecretString))
	return readiness.SlackFunc(func(ctx context.Context) error {
		_, err := api.AuthTestContext(ctx)
		return err
	})
}
