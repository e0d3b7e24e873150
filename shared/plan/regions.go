package plan

import (
	"maps"
	"slices"
)

// regionPartition maps every AWS Region name Switchyard accepts to its
// partition. It lists the commercial Regions, AWS GovCloud (US) and the
// China Regions as of late 2026; add a Region here when AWS opens one.
var regionPartition = map[string]string{
	// Commercial (partition aws).
	"af-south-1":     "aws",
	"ap-east-1":      "aws",
	"ap-east-2":      "aws",
	"ap-northeast-1": "aws",
	"ap-northeast-2": "aws",
	"ap-northeast-3": "aws",
	"ap-south-1":     "aws",
	"ap-south-2":     "aws",
	"ap-southeast-1": "aws",
	"ap-southeast-2": "aws",
	"ap-southeast-3": "aws",
	"ap-southeast-4": "aws",
	"ap-southeast-5": "aws",
	"ap-southeast-6": "aws",
	"ap-southeast-7": "aws",
	"ca-central-1":   "aws",
	"ca-west-1":      "aws",
	"eu-central-1":   "aws",
	"eu-central-2":   "aws",
	"eu-north-1":     "aws",
	"eu-south-1":     "aws",
	"eu-south-2":     "aws",
	"eu-west-1":      "aws",
	"eu-west-2":      "aws",
	"eu-west-3":      "aws",
	"il-central-1":   "aws",
	"me-central-1":   "aws",
	"me-south-1":     "aws",
	"mx-central-1":   "aws",
	"sa-east-1":      "aws",
	"us-east-1":      "aws",
	"us-east-2":      "aws",
	"us-west-1":      "aws",
	"us-west-2":      "aws",
	// AWS GovCloud (US).
	"us-gov-east-1": "aws-us-gov",
	"us-gov-west-1": "aws-us-gov",
	// China.
	"cn-north-1":     "aws-cn",
	"cn-northwest-1": "aws-cn",
}

// Regions returns every AWS Region name a plan may use, sorted.
func Regions() []string {
	return slices.Sorted(maps.Keys(regionPartition))
}

// IsRegion reports whether name is a known AWS Region.
func IsRegion(name string) bool {
	_, ok := regionPartition[name]
	return ok
}

// Partition returns the ARN partition of a Region ("aws", "aws-us-gov",
// "aws-cn"), or "" for an unknown Region.
func Partition(region string) string { return regionPartition[region] }
