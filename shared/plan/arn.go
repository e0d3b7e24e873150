package plan

import (
	"errors"
	"fmt"
	"strings"
)

// ARN is a parsed Amazon Resource Name:
// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
type ARN struct {
	Partition string
	Service   string
	Region    string
	Account   string
	Resource  string
}

// String renders the ARN back to its text form.
func (a ARN) String() string {
	return strings.Join([]string{"arn", a.Partition, a.Service, a.Region, a.Account, a.Resource}, ":")
}

// ResourceType is the part of the resource before the first "/" or ":"
// ("cluster" in "cluster:payments", "function" in "function:pay").
func (a ARN) ResourceType() string {
	if i := strings.IndexAny(a.Resource, "/:"); i >= 0 {
		return a.Resource[:i]
	}
	return ""
}

// ResourceID is the resource without its type prefix.
func (a ARN) ResourceID() string {
	if i := strings.IndexAny(a.Resource, "/:"); i >= 0 {
		return a.Resource[i+1:]
	}
	return a.Resource
}

var partitions = []string{"aws", "aws-cn", "aws-us-gov"}

// ParseARN parses s strictly: six colon-separated parts, a known partition,
// a service, a twelve-digit account when present, and a resource.
func ParseARN(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ARN{}, errors.New("not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)")
	}
	a := ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}
	switch {
	case !isOneOf(a.Partition, partitions):
		return ARN{}, fmt.Errorf("unknown partition %q (%s)", a.Partition, oneOf(partitions))
	case a.Service == "":
		return ARN{}, errors.New("ARN has no service")
	case a.Account != "" && !isDigits(a.Account, 12):
		return ARN{}, fmt.Errorf("account %q is not a 12-digit AWS account ID", a.Account)
	case a.Resource == "":
		return ARN{}, errors.New("ARN has no resource")
	case a.Region != "" && !IsRegion(a.Region):
		return ARN{}, fmt.Errorf("region %q is not an AWS Region", a.Region)
	case a.Region != "" && Partition(a.Region) != a.Partition:
		return ARN{}, fmt.Errorf("region %s is in partition %s, not %s", a.Region, Partition(a.Region), a.Partition)
	}
	return a, nil
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func isOneOf(s string, values []string) bool {
	for _, v := range values {
		if s == v {
			return true
		}
	}
	return false
}
