// Command executor is the execute-plan orchestration Lambda (begin,
// preflight, postcheck, finish, fail, stepError, decision, and cleanup of
// executions that ended without reaching finish or fail). Wiring only: the
// handler is shared/executor.
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
	x := executor.NewExecutor(executor.Config{
		Store:  dynamo.New(dynamodb.NewFromConfig(cfg), os.Getenv(lambdaenv.TableName), clk),
		Clock:  clk,
		Events: executor.EventBridge{API: eventbridge.NewFromConfig(cfg), Bus: os.Getenv(lambdaenv.EventBusName)},
		Region: os.Getenv(lambdaenv.Region),
		Logger: log,
	})
	lambda.Start(x.Handle)
}
