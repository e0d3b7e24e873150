package errclass

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/smithy-go"
)

// stepFunctionsName is the errorType aws-lambda-go reports for err: the Go type
// name of the outermost error, pointer stripped.
func stepFunctionsName(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

func TestBoundaryNamesTheOutermostClass(t *testing.T) {
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	tests := []struct {
		name     string
		err      error
		wantName string
		wantMsg  string
	}{
		{"plain error becomes Terminal", errors.New("boom"), "Terminal", "boom"},
		{"wrapped class keeps its name",
			fmt.Errorf("acquiring lock: %w", &LockHeld{Plan: "payments", Holder: "exec-1"}),
			"LockHeld", "plan payments is already running: exec-1"},
		{"classified throttling is Retryable with full context",
			fmt.Errorf("step promote-db: %w", Classify("describing global cluster g1", throttled)),
			"Retryable", "step promote-db: describing global cluster g1: api error ThrottlingException: Rate exceeded"},
		{"outermost class wins over an inner one",
			&Conflict{Resource: "g1", Message: "already failing over"},
			"Conflict", "g1: already failing over"},
		{"joined errors are searched",
			errors.Join(errors.New("a"), &StepTimedOut{Step: "scale", Timeout: "10m0s"}),
			"StepTimedOut", "step scale did not complete within 10m0s"},
		{"invalid input keeps its field",
			fmt.Errorf("validating: %w", &InvalidInput{Field: "target", Message: "not a Region of plan payments"}),
			"InvalidInput", "invalid input: target: not a Region of plan payments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Boundary(tt.err)
			if n := stepFunctionsName(got); n != tt.wantName {
				t.Errorf("Step Functions name = %q, want %q", n, tt.wantName)
			}
			if got.Error() != tt.wantMsg {
				t.Errorf("message = %q, want %q", got.Error(), tt.wantMsg)
			}
			if !slices.Contains(Names(), tt.wantName) {
				t.Errorf("%q missing from Names()", tt.wantName)
			}
		})
	}
	if Boundary(nil) != nil {
		t.Error("Boundary(nil) != nil")
	}
}

// TestBoundaryThroughLambdaRuntime checks the name the real aws-lambda-go
// handler machinery reports, which is what Step Functions matches on.
func TestBoundaryThroughLambdaRuntime(t *testing.T) {
	h := lambda.NewHandler(func(context.Context) error {
		return Boundary(fmt.Errorf("starting: %w", &LockHeld{Plan: "p", Holder: "e"}))
	})
	_, err := h.Invoke(t.Context(), []byte(`{}`))
	if err == nil {
		t.Fatal("no error")
	}
	if n := stepFunctionsName(err); n != "LockHeld" {
		t.Errorf("error type name through the runtime = %q, want LockHeld", n)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"throttling", &smithy.GenericAPIError{Code: "Throttling"}, "Retryable"},
		{"server fault", &smithy.GenericAPIError{Code: "Whatever", Fault: smithy.FaultServer}, "Retryable"},
		{"access denied", &smithy.GenericAPIError{Code: "AccessDeniedException", Fault: smithy.FaultClient}, "Terminal"},
		{"deadline", context.DeadlineExceeded, "Retryable"},
		{"already classified", &Conflict{Resource: "r", Message: "m"}, "Conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := stepFunctionsName(Classify("op", tt.err)); n != tt.want {
				t.Errorf("Classify = %s, want %s", n, tt.want)
			}
		})
	}
	if Classify("op", nil) != nil {
		t.Error("Classify(nil) != nil")
	}
}

func TestNamesMatchTypes(t *testing.T) {
	classes := []error{&Retryable{}, &Terminal{}, &InvalidInput{}, &PlanNotFound{}, &LockHeld{},
		&LockLost{}, &NotReady{}, &Conflict{}, &StepTimedOut{}, &Rejected{}, &Refused{}}
	var got []string
	for _, c := range classes {
		got = append(got, stepFunctionsName(c))
		if outermostClass(c) == nil {
			t.Errorf("%T not recognised as a class", c)
		}
	}
	if !slices.Equal(got, Names()) {
		t.Errorf("Names() = %v, types = %v", Names(), got)
	}
}
