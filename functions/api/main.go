// Command api is Switchyard's HTTP API (API Gateway HTTP API with IAM
// authorization). Wiring only: the handler is shared/api.Handler over the
// AWS backend (Step Functions + the store); votes go through
// shared/approval, and Slack messages are re-synced after API answers.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/slack-go/slack"

	"github.com/switchyard-dev/switchyard/shared/api"
	"github.com/switchyard-dev/switchyard/shared/api/apigw"
	"github.com/switchyard-dev/switchyard/shared/approval"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/lambdaenv"
	"github.com/switchyard-dev/switchyard/shared/slackapp"
	"github.com/switchyard-dev/switchyard/shared/store/dynamo"
)

// slackBudget bounds the Slack message update after an API answer: Slack may
// be down during the incident, and the API must answer regardless.
const slackBudget = 2 * time.Second

func main() {
	log := lambdacontext.NewLogger()
	slog.SetDefault(log)
	h, err := build(context.Background(), log)
	if err != nil {
		log.Error("starting the api function", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(func(ctx context.Context, ev json.RawMessage) (apigw.Response, error) {
		return apigw.Handle(ctx, h, ev)
	})
}

func build(ctx context.Context, log *slog.Logger) (*api.Handler, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	clk := clock.Real{}
	st := dynamo.New(dynamodb.NewFromConfig(cfg), os.Getenv(lambdaenv.TableName), clk)
	sfnClient := sfn.NewFromConfig(cfg)
	svc := approval.New(approval.Config{Store: st, Clock: clk, SFN: sfnClient, Logger: log})

	var onChanged func(context.Context, string)
	if id := os.Getenv(lambdaenv.SlackBotTokenArn); id != "" {
		out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &id})
		if err != nil || out.SecretString == nil {
			// Slack is optional for the API: answering must work without it.
			log.Warn("Slack bot token unavailable: API answers will not update Slack messages", "error", fmt.Sprint(err))
		} else {
			poster := slackapp.NewPoster(slack.New(*out.SecretString), st, clk)
			poster.Attempts, poster.Backoff = 2, 300*time.Millisecond
			onChanged = func(ctx context.Context, approvalID string) {
				ctx, cancel := context.WithTimeout(ctx, slackBudget)
				defer cancel()
				if err := slackapp.UpdateMessage(ctx, st, poster, approvalID); err != nil {
					log.WarnContext(ctx, "updating the Slack message after an API answer", "approval", approvalID, "error", err.Error())
				}
			}
		}
	}
	backend, err := api.NewAWSBackend(api.AWSConfig{
		SFN:               sfnClient,
		StateMachineArn:   os.Getenv(lambdaenv.ExecutePlanStateMachineArn),
		Store:             st,
		Answerer:          slackapp.ServiceAnswerer{Service: svc, Store: st, Expired: approval.ErrExpired},
		OnApprovalChanged: onChanged,
		Clock:             clk,
		Region:            os.Getenv(lambdaenv.Region),
	})
	if err != nil {
		return nil, err
	}
	return api.NewHandler(backend, api.NewStorePlans(st), api.WithLogger(log)), nil
}
