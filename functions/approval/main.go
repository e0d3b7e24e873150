// Command approval records approval requests and operator decisions (the
// waitForTaskToken tasks of execute-plan and run-step). Wiring only: the
// handler is shared/approval.
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

	"github.com/switchyard-dev/switchyard/shared/approval"
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
	s := approval.New(approval.Config{
		Store:  dynamo.New(dynamodb.NewFromConfig(cfg), os.Getenv(lambdaenv.TableName), clk),
		Clock:  clk,
		SFN:    sfn.NewFromConfig(cfg),
		Events: executor.EventBridge{API: eventbridge.NewFromConfig(cfg), Bus: os.Getenv(lambdaenv.EventBusName)},
		Logger: log,
	})
	lambda.Start(s.Handle)
}
