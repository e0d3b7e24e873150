package asl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// ThrottledError is a domain error class a handler returns unwrapped.
type ThrottledError struct{ Op string }

func (e *ThrottledError) Error() string { return "throttled: " + e.Op }

type order struct {
	ID    string `json:"id"`
	Count int    `json:"count"`
}

func TestLambdaTasks(t *testing.T) {
	calls := 0
	var gotReqID string
	fns := Functions{
		"double": lambda.NewHandler(func(ctx context.Context, o order) (order, error) {
			if lc, ok := lambdacontext.FromContext(ctx); ok {
				gotReqID = lc.AwsRequestID
			}
			o.Count *= 2
			return o, nil
		}),
		"flaky": lambda.NewHandler(func(o order) (order, error) {
			calls++
			if calls < 3 {
				return o, &ThrottledError{Op: "scale"}
			}
			return order{ID: "done", Count: calls}, nil
		}),
		"wrapped": lambda.NewHandler(func(o order) (order, error) {
			return o, fmt.Errorf("context: %w", &ThrottledError{})
		}),
		"panics": lambda.NewHandler(func(o order) (order, error) {
			panic("kaboom")
		}),
	}
	tests := []struct {
		name       string
		def        string
		wantStatus types.ExecutionStatus
		want       string // output, or error name when failed
	}{
		{
			name:       "function ARN resource gets the raw payload",
			def:        `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:double","End":true}}}`,
			wantStatus: types.ExecutionStatusSucceeded,
			want:       `{"id":"a","count":4}`,
		},
		{
			name: "lambda:invoke wraps the result",
			def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:double:$LATEST","Payload.$":"$"},
			  "ResultSelector":{"p.$":"$.Payload","code.$":"$.StatusCode"},"End":true}}}`,
			wantStatus: types.ExecutionStatusSucceeded,
			want:       `{"p":{"id":"a","count":4},"code":200}`,
		},
		{
			name:       "retry matches the Go error type name",
			def:        `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:flaky","Retry":[{"ErrorEquals":["ThrottledError"],"IntervalSeconds":5,"MaxAttempts":5}],"End":true}}}`,
			wantStatus: types.ExecutionStatusSucceeded,
			want:       `{"id":"done","count":3}`,
		},
		{
			name:       "fmt.Errorf wrap is wrapError",
			def:        `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:wrapped","Retry":[{"ErrorEquals":["ThrottledError"]}],"End":true}}}`,
			wantStatus: types.ExecutionStatusFailed,
			want:       "wrapError",
		},
		{
			name:       "panic value type",
			def:        `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:panics","End":true}}}`,
			wantStatus: types.ExecutionStatusFailed,
			want:       "string",
		},
		{
			name:       "unknown function",
			def:        `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:nope","End":true}}}`,
			wantStatus: types.ExecutionStatusFailed,
			want:       "Lambda.ResourceNotFoundException",
		},
		{
			name:       "unsupported resource names it",
			def:        `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Catch":[{"ErrorEquals":["States.ALL"],"Next":"X"}],"End":true},"X":{"Type":"Succeed"}}}`,
			wantStatus: types.ExecutionStatusFailed,
			want:       ErrNameRuntime,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls = 0
			d, _ := runDef(t, tc.def, `{"id":"a","count":2}`, WithLambda(fns))
			if d.Status != tc.wantStatus {
				t.Fatalf("status = %s (%s: %s), want %s", d.Status, deref(d.Error), deref(d.Cause), tc.wantStatus)
			}
			if d.Status == types.ExecutionStatusSucceeded {
				if !jsonEq(t, deref(d.Output), tc.want) {
					t.Errorf("output = %s, want %s", deref(d.Output), tc.want)
				}
				return
			}
			if deref(d.Error) != tc.want {
				t.Errorf("error = %q (cause %s), want %q", deref(d.Error), deref(d.Cause), tc.want)
			}
			if tc.want == "wrapError" && deref(d.Cause) != `{"errorMessage":"context: throttled: ","errorType":"wrapError"}` {
				t.Errorf("cause = %s, want the Lambda error JSON", deref(d.Cause))
			}
		})
	}
	if !strings.HasPrefix(gotReqID, "run-") {
		t.Errorf("handler saw request id %q, want the lambdacontext set", gotReqID)
	}
}

func TestErrorTypeNames(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&ThrottledError{}, "ThrottledError"},
		{fmt.Errorf("x: %w", errors.New("y")), "wrapError"},
		{errors.New("y"), "errorString"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := ErrorType(tc.err); got != tc.want {
				t.Errorf("ErrorType = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestNewFunctionConcurrentInvocations: concurrent invocations of one
// registered function each get their own result (a plain lambda.NewHandler
// shares its response buffer between them).
func TestNewFunctionConcurrentInvocations(t *testing.T) {
	h := NewFunction(func(_ context.Context, in struct{ N int }) (struct{ N int }, error) {
		return struct{ N int }{in.N * 2}, nil
	})
	const n = 64
	got := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := h.Invoke(t.Context(), []byte(fmt.Sprintf(`{"N":%d}`, i)))
			if err != nil {
				t.Error(err)
			}
			got[i] = out
		}()
	}
	wg.Wait()
	for i, out := range got {
		if want := fmt.Sprintf(`{"N":%d}`, 2*i); string(out) != want {
			t.Errorf("invocation %d returned %s, want %s", i, out, want)
		}
	}
}
