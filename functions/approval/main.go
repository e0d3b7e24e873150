// Command approval records approval requests and operator decisions (the
// waitForTaskToken tasks of execute-plan and run-step) and posts each to
// the plan's Slack channel. Wiring only: the handler is shared/approval,
// the Slack message shared/slackapp.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/slack-go/slack"

	"github.com/switchyard-dev/switchyard/shared/approval"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/executor"
	"github.com/switchyard-dev/switchyard/shared/lambdaenv"
	"github.com/switchyard-dev/switchyard/shared/slackapp"
	"github.com/switchyard-dev/switchyard/shared/store/dynamo"
)

func main() {
	log := lambdacontext.NewLogger()
	slog.SetDefault(log)
	s, err := build(context.Background(), log)
	if err != nil {
		log.Error("starting the approval function", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(s.Handle)
}

func build(ctx context.Context, log *slog.Logger) (*approval.Service, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	clk := clock.Real{}
	st := dynamo.New(dynamodb.NewFromConfig(cfg), os.Getenv(lambdaenv.TableName), clk)
	// The bot token is read once per sandbox and never logged. Without it
	// the approval is still recorded and answerable through the API/CLI.
	var notify approval.Notifier
	token, err := lambdaenv.Secret(ctx, secretsmanager.NewFromConfig(cfg), lambdaenv.SlackBotTokenArn)
	if err != nil {
		log.Warn("Slack disabled: approvals are answerable through the API and CLI only", "error", err.Error())
	} else {
		notify = slackapp.PostOnRequest(st, slackapp.NewPoster(slack.New(token), st, clk), log)
	}
	return approval.New(approval.Config{
		Store:  st,
		Clock:  clk,
		SFN:    sfn.NewFromConfig(cfg),
		Events: executor.EventBridge{API: eventbridge.NewFromConfig(cfg), Bus: os.Getenv(lambdaenv.EventBusName)},
		Notify: notify,
		Logger: log,
	}), nil
}
