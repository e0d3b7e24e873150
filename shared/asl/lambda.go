package asl

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Resolver maps a Lambda function reference (name, partial ARN or full ARN,
// as written in a definition or a lambda:invoke FunctionName) to an
// in-process handler built with lambda.NewHandler. ok is false for unknown
// functions, which fail the task with Lambda.ResourceNotFoundException.
type Resolver interface {
	Resolve(function string) (h lambda.Handler, ok bool)
}

// Functions is a Resolver keyed by function name. A full or partial ARN is
// resolved by its function-name part; a qualifier (":$LATEST", ":alias") is
// ignored.
//
// The engine invokes a function concurrently from Parallel branches and Map
// iterations, as Lambda runs concurrent invocations in separate execution
// environments. A handler made by lambda.NewHandler is not safe for that (it
// reuses one response buffer), so register handlers made by NewFunction.
type Functions map[string]lambda.Handler

// NewFunction returns a lambda.Handler for handlerFunc (any signature
// lambda.NewHandler accepts) that is safe for concurrent invocation: each
// invocation gets its own lambda.NewHandler, as each concurrent Lambda
// invocation gets its own execution environment.
func NewFunction(handlerFunc any) lambda.Handler {
	return perInvocation{fn: handlerFunc}
}

type perInvocation struct{ fn any }

func (p perInvocation) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	out, err := lambda.NewHandler(p.fn).Invoke(ctx, payload)
	return append([]byte(nil), out...), err
}

var _ Resolver = Functions(nil)

// Resolve implements Resolver.
func (f Functions) Resolve(function string) (lambda.Handler, bool) {
	if h, ok := f[function]; ok {
		return h, true
	}
	h, ok := f[FunctionName(function)]
	return h, ok
}

// FunctionName extracts the function name from a name, a partial ARN
// ("123456789012:function:name") or a full ARN, dropping any qualifier.
func FunctionName(ref string) string {
	parts := strings.Split(ref, ":")
	for i, p := range parts {
		if p == "function" && i+1 < len(parts) {
			return parts[i+1]
		}
	}
	if len(parts) == 2 { // name:qualifier
		return parts[0]
	}
	return ref
}

// LambdaError is a function error as the Lambda service reports it to Step
// Functions: errorType is what Retry and Catch match.
type LambdaError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

func (e *LambdaError) Error() string { return e.Type + ": " + e.Message }

// ErrorType names err the way the aws-lambda-go runtime does: the Go type
// name of the outermost error with any pointer stripped (a fmt.Errorf wrap
// is "wrapError"), or the Type of a messages.InvokeResponse_Error.
func ErrorType(err any) string {
	switch e := err.(type) {
	case messages.InvokeResponse_Error:
		return e.Type
	case *messages.InvokeResponse_Error:
		return e.Type
	}
	t := reflect.TypeOf(err)
	if t == nil {
		return "nil"
	}
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}

func errorMessage(err any) string {
	switch e := err.(type) {
	case messages.InvokeResponse_Error:
		return e.Message
	case *messages.InvokeResponse_Error:
		return e.Message
	case error:
		return e.Error()
	}
	return fmt.Sprint(err)
}

// invokeHandler calls h in process with the Lambda context set, turning
// errors and panics into *LambdaError. The returned bytes are a copy.
func invokeHandler(ctx context.Context, h lambda.Handler, function, requestID string, payload []byte) (out []byte, lerr *LambdaError) {
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       requestID,
		InvokedFunctionArn: function,
	})
	defer func() {
		if r := recover(); r != nil {
			out, lerr = nil, &LambdaError{Type: ErrorType(r), Message: errorMessage(r)}
		}
	}()
	res, err := h.Invoke(ctx, payload)
	if err != nil {
		return nil, &LambdaError{Type: ErrorType(err), Message: errorMessage(err)}
	}
	if len(res) == 0 {
		return []byte("null"), nil
	}
	return append([]byte(nil), res...), nil
}

// lambdaCause renders a function error as the Cause Step Functions reports.
func lambdaCause(e *LambdaError) string {
	b, _ := json.Marshal(e)
	return string(b)
}
