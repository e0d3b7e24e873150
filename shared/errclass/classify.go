package errclass

import (
	"context"
	"errors"
	"net"

	"github.com/aws/smithy-go"
)

// retryableCodes are AWS error codes that clear up on their own. Codes not
// listed are terminal unless the fault is the server's.
var retryableCodes = map[string]bool{
	"Throttling":                              true,
	"ThrottlingException":                     true,
	"ThrottledException":                      true,
	"RequestLimitExceeded":                    true,
	"TooManyRequestsException":                true,
	"ProvisionedThroughputExceededException":  true,
	"RequestThrottled":                        true,
	"RequestThrottledException":               true,
	"SlowDown":                                true,
	"PriorRequestNotComplete":                 true,
	"InternalFailure":                         true,
	"InternalError":                           true,
	"InternalServerError":                     true,
	"InternalServerException":                 true,
	"ServiceUnavailable":                      true,
	"ServiceUnavailableException":             true,
	"EndpointTemporarilyUnavailableException": true,
	"RequestTimeout":                          true,
	"RequestTimeoutException":                 true,
}

// Classify wraps an error from an AWS call made while doing op into Retryable
// or Terminal, the one place where AWS errors are classified. Errors that
// already carry a class are returned as they are; nil stays nil.
func Classify(op string, err error) error {
	if err == nil {
		return nil
	}
	if outermostClass(err) != nil {
		return err
	}
	if IsRetryable(err) {
		return &Retryable{Op: op, Err: err}
	}
	return &Terminal{Op: op, Err: err}
}

// IsRetryable reports whether err is worth retrying: a throttling or
// server-side AWS error, a network error, or a deadline.
func IsRetryable(err error) bool {
	var r *Retryable
	if errors.As(err, &r) {
		return true
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return retryableCodes[apiErr.ErrorCode()] || apiErr.ErrorFault() == smithy.FaultServer
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}
