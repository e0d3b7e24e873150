package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// SFNAPI is the part of Step Functions the starter calls.
type SFNAPI interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
}

var _ SFNAPI = (*sfn.Client)(nil)

// SFNStarter starts execute-plan executions with StartExecution, naming
// each execution by its client token: Step Functions refuses a second
// execution with the same name (ExecutionAlreadyExists), which makes the
// start idempotent; the existing execution's ARN is returned then.
type SFNStarter struct {
	Client SFNAPI
	// StateMachineArn is the Region's execute-plan state machine
	// (lambdaenv.ExecutePlanStateMachineArn).
	StateMachineArn string
}

var _ Starter = SFNStarter{}

// StartInput is the execution input the starter sends: the fields of
// executor.Input (the execute-plan contract, owned by the execution runtime;
// kept as a copy so this package does not depend on the runtime).
type StartInput struct {
	Plan        string `json:"plan"`
	Target      string `json:"target"`
	Mode        string `json:"mode,omitempty"`
	Reason      string `json:"reason,omitempty"`
	StartedBy   string `json:"startedBy,omitempty"`
	ClientToken string `json:"clientToken,omitempty"`
}

// Start implements Starter.
func (s SFNStarter) Start(ctx context.Context, req StartRequest) (string, error) {
	in, err := json.Marshal(StartInput{Plan: req.Plan, Target: req.Target, Mode: "graceful", ClientToken: req.ClientToken,
		StartedBy: req.StartedBy, Reason: req.Reason})
	if err != nil {
		return "", fmt.Errorf("encoding the execution input: %w", err)
	}
	out, err := s.Client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(s.StateMachineArn),
		Name: aws.String(req.ClientToken), Input: aws.String(string(in))})
	var exists *sfntypes.ExecutionAlreadyExists
	if errors.As(err, &exists) {
		return strings.Replace(s.StateMachineArn, ":stateMachine:", ":execution:", 1) + ":" + req.ClientToken, nil
	}
	if err != nil {
		return "", fmt.Errorf("starting %s into %s: %w", req.Plan, req.Target, err)
	}
	return aws.ToString(out.ExecutionArn), nil
}
