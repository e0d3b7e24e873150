// Command slack is the Slack interactivity endpoint (API Gateway HTTP API,
// POST /slack/interactions). Wiring only: the handler is
// shared/slackapp.Handler, votes go through shared/approval.
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

	"github.com/switchyard-dev/switchyard/shared/api/apigw"
	"github.com/switchyard-dev/switchyard/shared/approval"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/lambdaenv"
	"github.com/switchyard-dev/switchyard/shared/slackapp"
	"github.com/switchyard-dev/switchyard/shared/store/dynamo"
)

func main() {
	log := lambdacontext.NewLogger()
	slog.SetDefault(log)
	h, err := build(context.Background(), log)
	if err != nil {
		log.Error("starting the slack function", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(func(ctx context.Context, ev json.RawMessage) (apigw.Response, error) {
		return apigw.Handle(ctx, h, ev)
	})
}

func build(ctx context.Context, log *slog.Logger) (*slackapp.Handler, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	sm := secretsmanager.NewFromConfig(cfg)
	signing, err := lambdaenv.Secret(ctx, sm, lambdaenv.SlackSigningSecretArn)
	if err != nil {
		return nil, err
	}
	botToken, err := lambdaenv.Secret(ctx, sm, lambdaenv.SlackBotTokenArn)
	if err != nil {
		return nil, err
	}
	clk := clock.Real{}
	st := dynamo.New(dynamodb.NewFromConfig(cfg), os.Getenv(lambdaenv.TableName), clk)
	svc := approval.New(approval.Config{Store: st, Clock: clk, SFN: sfn.NewFromConfig(cfg), Logger: log})
	api := slack.New(botToken)
	verifier, err := slackapp.NewVerifier(signing, clk)
	if err != nil {
		return nil, err
	}
	poster := slackapp.NewPoster(api, st, clk)
	poster.Attempts = 1 // inline, within InlineBudget: a failure is audited and the API path re-syncs
	return slackapp.NewHandler(slackapp.HandlerConfig{
		Verifier:   verifier,
		Replay:     slackapp.NewReplayGuard(clk, 2*slackapp.MaxSkew),
		Store:      st,
		Answerer:   slackapp.ServiceAnswerer{Service: svc, Store: st, Expired: approval.ErrExpired},
		Authorizer: slackapp.NewAuthorizer(api, clk, 5*time.Minute),
		Poster:     poster,
		Clock:      clk,
		Logger:     log,
	})
}
