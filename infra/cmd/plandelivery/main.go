// Command plandelivery is the Lambda function behind the stack's
// Custom::SwitchyardPlan resources (package plandelivery); infra/synth.sh
// builds it into the functions binary directory as plan-delivery/bootstrap.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchyard-dev/switchyard/infra/plandelivery"
	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/lambdaenv"
	"github.com/switchyard-dev/switchyard/shared/store/dynamo"
)

func main() {
	log := lambdacontext.NewLogger()
	table := os.Getenv(lambdaenv.TableName)
	if table == "" {
		log.Error("starting plan delivery", "err", fmt.Sprintf("environment variable %s is not set (the stack sets it to the Region's table)", lambdaenv.TableName))
		os.Exit(1)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("starting plan delivery: loading the AWS configuration", "err", err)
		os.Exit(1)
	}
	st := dynamo.New(dynamodb.NewFromConfig(cfg), table, clock.Real{})
	h := plandelivery.NewHandler(st, log)
	lambda.Start(cfn.LambdaWrap(h.Handle))
}
