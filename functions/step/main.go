// Command step is the run-step Lambda: start, poll and subscribe for one
// step's execution block, and RDS global-cluster events that answer
// subscriptions. Wiring only: the handler is shared/executor.StepRunner.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/switchyard-dev/switchyard/shared/awsapi"
	"github.com/switchyard-dev/switchyard/shared/blocks"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/executor"
	"github.com/switchyard-dev/switchyard/shared/lambdaenv"
	"github.com/switchyard-dev/switchyard/shared/store/dynamo"
)

func main() {
	log := lambdacontext.NewLogger()
	slog.SetDefault(log)
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("loading AWS configuration", "error", err)
		os.Exit(1)
	}
	clk := clock.Real{}
	r := executor.NewStepRunner(executor.Config{
		Store:  dynamo.New(dynamodb.NewFromConfig(cfg), os.Getenv(lambdaenv.TableName), clk),
		Clock:  clk,
		Blocks: blocks.NewRegistry(awsapi.NewSDK(cfg), clk, blocks.WithLogger(log)),
		Events: executor.EventBridge{API: eventbridge.NewFromConfig(cfg), Bus: os.Getenv(lambdaenv.EventBusName)},
		Region: os.Getenv(lambdaenv.Region),
		Logger: log,
	}, sfn.NewFromConfig(cfg))
	lambda.Start(r.Handle)
}
