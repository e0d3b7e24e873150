package asl_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/switchyard-dev/switchyard/shared/asl"
	"github.com/switchyard-dev/switchyard/shared/clock"
)

// An approval waits for a task token. The caller, outside the clock, learns
// the token through WithTokenWatch; the clock stays held until it has
// answered, so the one-day timeout cannot fire first. Wait states and
// timeouts take no wall time.
func Example_taskToken() {
	ctx := context.Background()
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	notify := lambda.NewHandler(func(in struct {
		Token string `json:"token"`
	}) error {
		return nil // e.g. post the approval request to Slack
	})
	issued := make(chan asl.IssuedToken)
	e := asl.New(asl.WithClock(clk), asl.WithLambda(asl.Functions{"notify": notify}), asl.WithTokenWatch(issued))
	sm, err := e.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: str("approve"), Definition: str(`{
	  "StartAt": "Wait a minute", "States": {
	    "Wait a minute": {"Type": "Wait", "Seconds": 60, "Next": "Ask"},
	    "Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
	      "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token"}},
	      "TimeoutSeconds": 86400, "End": true}}}`)})
	if err != nil {
		fmt.Println(err)
		return
	}
	run, err := e.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		fmt.Println(err)
		return
	}
	tok := <-issued
	_, err = e.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &tok.Token, Output: str(`{"approvedBy":"U123"}`)})
	tok.Release()
	if err != nil {
		fmt.Println(err)
		return
	}
	d, _ := e.WaitExecution(ctx, *run.ExecutionArn)
	stats, _ := e.Stats(*run.ExecutionArn)
	fmt.Println(tok.State, d.Status, *d.Output, d.StopDate.Sub(*d.StartDate), stats.StateTransitions)
	// Output: Ask SUCCEEDED {"approvedBy":"U123"} 1m0s 2
}

func str(s string) *string { return &s }
