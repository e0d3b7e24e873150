package sim

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"github.com/aws/smithy-go"
)

// Service IDs as the SDK names them in smithy.OperationError.
const (
	svcRDS            = "RDS"
	svcECS            = "ECS"
	svcAutoScaling    = "Auto Scaling"
	svcEKS            = "EKS"
	svcARC            = "Route53 Recovery Cluster"
	svcRoute53        = "Route 53"
	svcCloudWatch     = "CloudWatch"
	svcLambda         = "Lambda"
	svcSecretsManager = "Secrets Manager"
	svcIAM            = "IAM"
	svcS3             = "S3"
	svcSSM            = "SSM"
	svcDynamoDB       = "DynamoDB"
)

// serviceKeys maps the short service names used in fault specs and call
// accounting to SDK service IDs.
var serviceKeys = map[string]string{
	"rds":            svcRDS,
	"ecs":            svcECS,
	"autoscaling":    svcAutoScaling,
	"eks":            svcEKS,
	"arc":            svcARC,
	"route53":        svcRoute53,
	"cloudwatch":     svcCloudWatch,
	"lambda":         svcLambda,
	"secretsmanager": svcSecretsManager,
	"iam":            svcIAM,
	"s3":             svcS3,
	"ssm":            svcSSM,
	"dynamodb":       svcDynamoDB,
}

// throttleCodes are the error codes each service really uses when it
// throttles a caller.
var throttleCodes = map[string]string{
	svcRDS:            "Throttling",
	svcECS:            "ThrottlingException",
	svcAutoScaling:    "Throttling",
	svcEKS:            "ThrottlingException",
	svcARC:            "ThrottlingException",
	svcRoute53:        "Throttling",
	svcCloudWatch:     "Throttling",
	svcLambda:         "TooManyRequestsException",
	svcSecretsManager: "ThrottlingException",
	svcIAM:            "Throttling",
	svcS3:             "SlowDown",
	svcSSM:            "ThrottlingException",
	svcDynamoDB:       "ThrottlingException",
}

// ErrUnknownRegion is wrapped by builder errors naming a Region the world
// does not have.
var ErrUnknownRegion = errors.New("unknown region")

// ErrDuplicate is wrapped by builder errors adding a resource twice.
var ErrDuplicate = errors.New("already exists")

// opError wraps err the way the SDK does, so callers see the service and
// operation and still reach the API error through errors.As.
func opError(service, api string, err error) error {
	return &smithy.OperationError{ServiceID: service, OperationName: api, Err: err}
}

// apiError is a generic API error with a real code.
func apiError(code, msg string, fault smithy.ErrorFault) *smithy.GenericAPIError {
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: fault}
}

func throttleError(service string) error {
	code := throttleCodes[service]
	if code == "" {
		code = "ThrottlingException"
	}
	return apiError(code, "Rate exceeded", smithy.FaultClient)
}

// unreachableError is what a call to an endpoint that is down looks like: a
// refused TCP connection, which the SDK's retryer and callers treat as a
// transient network failure (not an API error).
func unreachableError(_ string) error {
	return &net.OpError{
		Op:     "dial",
		Net:    "tcp",
		Addr:   &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 443},
		Err:    &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED},
		Source: nil,
	}
}

func controlPlaneDownError(service, region string) error {
	return apiError("ServiceUnavailable",
		fmt.Sprintf("%s control plane in %s is unavailable", service, region), smithy.FaultServer)
}

// IsUnreachable reports whether err is the connection failure the simulator
// returns for a Region (or ARC endpoint) that is down.
func IsUnreachable(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && ne.Op == "dial"
}

type smithyFault = smithy.ErrorFault

const (
	faultServer = smithy.FaultServer
	faultClient = smithy.FaultClient
)
