package plan

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// checker accumulates the problems of one plan, each placed at the position
// of the field path it is about.
type checker struct {
	p     *Plan
	diags *Diagnostics
}

func (c *checker) errorf(path, format string, args ...any) {
	if c.p.reported(path) {
		return
	}
	pos := c.p.Pos(path)
	c.diags.add(Diagnostic{File: c.p.src.file, Line: pos.Line, Col: pos.Col, Path: path, Message: fmt.Sprintf(format, args...)})
}

// required reports a missing field and returns false when path is absent.
func (c *checker) required(path, allowed string) bool {
	if c.p.has(path) {
		return true
	}
	c.errorf(path, "missing required field (%s)", allowed)
	return false
}

// enum checks that a present value is one of allowed.
func (c *checker) enum(path, value string, allowed []string) bool {
	if !c.p.has(path) || isOneOf(value, allowed) {
		return true
	}
	if hint := didYouMean(value, allowed); hint != "" {
		c.errorf(path, "unknown value %q (%s)", value, hint)
	} else {
		c.errorf(path, "unknown value %q (%s)", value, oneOf(allowed))
	}
	return false
}

// planRegion checks that region is a known AWS Region and one of the plan's.
func (c *checker) planRegion(path, region string) bool {
	if !IsRegion(region) {
		if hint := didYouMean(region, Regions()); hint != "" {
			c.errorf(path, "%q is not an AWS Region (%s)", region, hint)
		} else {
			c.errorf(path, "%q is not an AWS Region (a Region name such as us-east-1)", region)
		}
		return false
	}
	if c.regionsKnown() && !slices.Contains(c.p.Spec.Regions, region) {
		c.errorf(path, "Region %s is not in the plan (spec.regions: %s)", region, strings.Join(c.p.Spec.Regions, ", "))
		return false
	}
	return true
}

// regionsKnown reports whether spec.regions decoded into a usable list, so
// that "not in the plan" messages are not piled on a broken regions field.
func (c *checker) regionsKnown() bool {
	return len(c.p.Spec.Regions) > 0 && !c.p.reported("spec.regions")
}

// durationRange checks lo <= d <= hi for a present duration (hi 0: no bound).
func (c *checker) durationRange(path string, d, lo, hi Duration) bool {
	if !c.p.has(path) {
		return true
	}
	switch {
	case d < lo && hi > 0:
		c.errorf(path, "%s is too short (%s to %s)", d, lo, hi)
	case d < lo:
		c.errorf(path, "%s is too short (at least %s)", d, lo)
	case hi > 0 && d > hi:
		c.errorf(path, "%s is too long (%s to %s)", d, lo, hi)
	default:
		return true
	}
	return false
}

// intRange checks lo <= v <= hi for a present integer.
func (c *checker) intRange(path string, v, lo, hi int, unit string) bool {
	if !c.p.has(path) || (v >= lo && v <= hi) {
		return true
	}
	c.errorf(path, "%d%s is out of range (%d%s to %d%s)", v, unit, lo, unit, hi, unit)
	return false
}

var (
	nameRE      = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	slackChanRE = regexp.MustCompile(`^[CG][A-Z0-9]{6,20}$`)
	slackUserRE = regexp.MustCompile(`^[UW][A-Z0-9]{6,20}$`)
	slackGrpRE  = regexp.MustCompile(`^S[A-Z0-9]{6,20}$`)
)

// name checks a plan, workflow, stage, step or trigger name.
func (c *checker) name(path, v string) bool {
	if !c.p.has(path) || nameRE.MatchString(v) {
		return true
	}
	c.errorf(path, "bad name %q (lowercase letters, digits and hyphens, 1 to 63 characters, starting and ending with a letter or digit)", v)
	return false
}

// unique reports the second and later occurrences of each value.
func (c *checker) unique(kind, plural string, paths []string, values []string) {
	first := map[string]string{}
	for i, v := range values {
		if v == "" {
			continue
		}
		if p, ok := first[v]; ok {
			c.errorf(paths[i], "duplicate %s %q (first at %s; %s must be unique)", kind, clip(v), c.posString(p), plural)
			continue
		}
		first[v] = paths[i]
	}
}

func (c *checker) posString(path string) string {
	pos := c.p.Pos(path)
	return fmt.Sprintf("line %d", pos.Line)
}

// arnKind describes the ARNs a field accepts.
type arnKind struct {
	service string
	types   []string // accepted resource types
	global  bool     // the ARN has no Region (IAM, global clusters, ARC)
	what    string
	example string
}

var (
	arnAlarm          = arnKind{"cloudwatch", []string{"alarm"}, false, "a CloudWatch alarm ARN", "arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME"}
	arnAuroraCluster  = arnKind{"rds", []string{"cluster"}, false, "an Aurora DB cluster ARN", "arn:aws:rds:REGION:ACCOUNT:cluster:NAME"}
	arnGlobalCluster  = arnKind{"rds", []string{"global-cluster"}, true, "an Aurora global database ARN", "arn:aws:rds::ACCOUNT:global-cluster:NAME"}
	arnECSCluster     = arnKind{"ecs", []string{"cluster"}, false, "an ECS cluster ARN", "arn:aws:ecs:REGION:ACCOUNT:cluster/NAME"}
	arnEKSCluster     = arnKind{"eks", []string{"cluster"}, false, "an EKS cluster ARN", "arn:aws:eks:REGION:ACCOUNT:cluster/NAME"}
	arnASG            = arnKind{"autoscaling", []string{"autoScalingGroup"}, false, "an Auto Scaling group ARN", "arn:aws:autoscaling:REGION:ACCOUNT:autoScalingGroup:UUID:autoScalingGroupName/NAME"}
	arnARCCluster     = arnKind{"route53-recovery-control", []string{"cluster"}, true, "an ARC cluster ARN", "arn:aws:route53-recovery-control::ACCOUNT:cluster/ID"}
	arnRoutingControl = arnKind{"route53-recovery-control", []string{"controlpanel"}, true, "an ARC routing control ARN", "arn:aws:route53-recovery-control::ACCOUNT:controlpanel/ID/routingcontrol/ID"}
	arnSafetyRule     = arnKind{"route53-recovery-control", []string{"controlpanel"}, true, "an ARC safety rule ARN", "arn:aws:route53-recovery-control::ACCOUNT:controlpanel/ID/safetyrule/ID"}
	arnLambda         = arnKind{"lambda", []string{"function"}, false, "a Lambda function ARN", "arn:aws:lambda:REGION:ACCOUNT:function:NAME"}
	arnESM            = arnKind{"lambda", []string{"event-source-mapping"}, false, "a Lambda event source mapping ARN", "arn:aws:lambda:REGION:ACCOUNT:event-source-mapping:UUID"}
	arnSSMParameter   = arnKind{"ssm", []string{"parameter"}, false, "an SSM parameter ARN", "arn:aws:ssm:REGION:ACCOUNT:parameter/NAME"}
	arnDynamoTable    = arnKind{"dynamodb", []string{"table"}, false, "a DynamoDB table ARN", "arn:aws:dynamodb:REGION:ACCOUNT:table/NAME"}
	arnIAMPrincipal   = arnKind{"iam", []string{"role", "user"}, true, "an IAM role or user ARN", "arn:aws:iam::ACCOUNT:role/NAME"}
)

// arn parses value as an ARN of kind k. region is the Region the resource
// must be in: "" for a global resource, "*" for any Region of the plan.
func (c *checker) arn(path, value string, k arnKind, region string) (ARN, bool) {
	if !c.p.has(path) {
		return ARN{}, false
	}
	allowed := k.what + ": " + k.example
	a, err := ParseARN(value)
	if err != nil {
		c.errorf(path, "bad ARN %q: %v (%s)", clip(value), err, allowed)
		return ARN{}, false
	}
	switch {
	case a.Service != k.service:
		c.errorf(path, "ARN service is %q, not %q (%s)", a.Service, k.service, allowed)
	case !isOneOf(a.ResourceType(), k.types):
		c.errorf(path, "ARN resource %q is not a %s (%s)", clip(a.Resource), strings.Join(k.types, " or "), allowed)
	case a.Account == "":
		c.errorf(path, "ARN has no account (%s)", allowed)
	case k.global && a.Region != "":
		c.errorf(path, "ARN names Region %s but %s resources are global (%s)", a.Region, k.service, allowed)
	case !k.global && a.Region == "":
		c.errorf(path, "ARN has no Region (%s)", allowed)
	case k.global:
		if p := c.planPartition(); p != "" && a.Partition != p {
			c.errorf(path, "ARN partition %s does not match the plan's Regions (partition %s)", a.Partition, p)
			return a, false
		}
		return a, true
	case region == "*":
		if c.regionsKnown() && !slices.Contains(c.p.Spec.Regions, a.Region) {
			c.errorf(path, "ARN Region %s is not in the plan (spec.regions: %s)", a.Region, strings.Join(c.p.Spec.Regions, ", "))
			return a, false
		}
		return a, true
	case a.Region != region:
		c.errorf(path, "ARN Region %s does not fit: the resource must be in %s (%s in %s)", a.Region, region, k.what, region)
	default:
		return a, true
	}
	return a, false
}

func (c *checker) planPartition() string {
	for _, r := range c.p.Spec.Regions {
		if p := Partition(r); p != "" {
			return p
		}
	}
	return ""
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
