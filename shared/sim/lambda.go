package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// LambdaHandler is a registered Go function standing in for a Lambda.
type LambdaHandler func(ctx context.Context, payload []byte) ([]byte, error)

type lambdaFunc struct {
	arn, name, region string
	fn                LambdaHandler
}

// AddFunction registers fn as the Lambda function with this ARN
// (arn:aws:lambda:REGION:ACCOUNT:function:NAME).
func (w *World) AddFunction(arn string, fn LambdaHandler) error {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || parts[2] != "lambda" || parts[5] != "function" || fn == nil {
		return fmt.Errorf("lambda function %q: want arn:aws:lambda:REGION:ACCOUNT:function:NAME and a non-nil handler", arn)
	}
	return w.mutate(func(time.Time) error {
		if err := w.checkRegion(parts[3]); err != nil {
			return fmt.Errorf("lambda function %q: %w", arn, err)
		}
		if _, ok := w.lambdas[arn]; ok {
			return fmt.Errorf("lambda function %q: %w", arn, ErrDuplicate)
		}
		w.lambdas[arn] = &lambdaFunc{arn: arn, name: parts[6], region: parts[3], fn: fn}
		return nil
	})
}

// LambdaClient is a Region's simulated Lambda API.
type LambdaClient struct {
	w      *World
	region string
}

// Lambda returns the Lambda client for region.
func (w *World) Lambda(region string) *LambdaClient { return &LambdaClient{w: w, region: region} }

// Invoke calls a registered function: synchronously (RequestResponse),
// in a tracked goroutine (Event, 202) or not at all (DryRun, 204). A
// handler error comes back as FunctionError "Unhandled" with the error
// payload, as Lambda does.
func (c *LambdaClient) Invoke(ctx context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	if in == nil {
		in = &lambda.InvokeInput{}
	}
	var f *lambdaFunc
	err := c.w.do(ctx, svcLambda, "Invoke", c.region, func(time.Time) error {
		ref := aws.ToString(in.FunctionName)
		for _, k := range sortedKeys(c.w.lambdas) {
			lf := c.w.lambdas[k]
			if lf.region == c.region && (lf.arn == ref || lf.name == ref) {
				f = lf
			}
		}
		if f == nil {
			return &lambdatypes.ResourceNotFoundException{Type: aws.String("User"),
				Message: aws.String(fmt.Sprintf("Function not found: arn:aws:lambda:%s:%s:function:%s", c.region, c.w.account, ref))}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch in.InvocationType {
	case lambdatypes.InvocationTypeDryRun:
		return &lambda.InvokeOutput{StatusCode: 204}, nil
	case lambdatypes.InvocationTypeEvent:
		payload := append([]byte(nil), in.Payload...)
		c.w.clk.Go(func() { _, _ = f.fn(context.WithoutCancel(ctx), payload) })
		return &lambda.InvokeOutput{StatusCode: 202}, nil
	}
	res, ferr := f.fn(ctx, in.Payload)
	out := &lambda.InvokeOutput{StatusCode: 200, ExecutedVersion: aws.String("$LATEST"), Payload: res}
	if ferr != nil {
		body, _ := json.Marshal(map[string]string{"errorMessage": ferr.Error(), "errorType": fmt.Sprintf("%T", ferr)})
		out.FunctionError, out.Payload = aws.String("Unhandled"), body
	}
	return out, nil
}
