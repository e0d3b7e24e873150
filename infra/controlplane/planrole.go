package controlplane

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// PlanStatement is one permission the plans' actions need: the plan model
// (issue 7 item 3) derives these from the blocks and ARNs the plans name.
// Resources may be in any Region: a plan's own target resources are the one
// sanctioned cross-Region reference in a stack.
type PlanStatement struct {
	// Sid names the statement (letters and digits; optional).
	Sid string
	// Reason justifies a wildcard in Resources ("*" or a "*" inside an
	// ARN): why IAM or the plan leaves nothing narrower. It becomes the
	// cdk-nag suppression's reason. Required when a resource has a "*".
	Reason string
	// Actions are IAM actions, "service:Action", no wildcards.
	Actions []string
	// Resources are ARNs. "*" is allowed only for actions in
	// unscopedActions (the service offers no resource-level permission).
	Resources []string
}

// PlanPermissions is every statement the Region's plan execution role needs.
type PlanPermissions []PlanStatement

var actionRE = regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9]+$`)

// unscopedActions are the plan actions whose Service Authorization
// Reference page lists no resource type, so IAM accepts only "*" as their
// resource. Each is justified here, where a reviewer looks (the reasons are
// in planperms.go and become the cdk-nag suppressions' reasons).
var unscopedActions = map[string]string{
	// "Actions, resources, and condition keys for Amazon EC2 Auto Scaling":
	// DescribeAutoScalingGroups has no resource type.
	"autoscaling:DescribeAutoScalingGroups": reasonDescribeASGs,
	// "Actions, resources, and condition keys for Amazon CloudWatch":
	// GetMetricData has no resource type.
	"cloudwatch:GetMetricData": reasonGetMetricData,
}

var sidRE = regexp.MustCompile(`^[A-Za-z0-9]*$`)

// Validate reports every problem of the permissions at once, naming the
// statement and field.
func (p PlanPermissions) Validate() error {
	var errs []error
	for i, st := range p {
		if !sidRE.MatchString(st.Sid) {
			errs = append(errs, fmt.Errorf("statement %d: sid %q: letters and digits only", i, st.Sid))
		}
		if len(st.Actions) == 0 {
			errs = append(errs, fmt.Errorf("statement %d: actions: empty (name at least one service:Action)", i))
		}
		if len(st.Resources) == 0 {
			errs = append(errs, fmt.Errorf("statement %d: resources: empty (name the ARNs the actions touch)", i))
		}
		for _, a := range st.Actions {
			if !actionRE.MatchString(a) {
				errs = append(errs, fmt.Errorf("statement %d: action %q: must be service:Action without wildcards", i, a))
			}
		}
		for _, r := range st.Resources {
			switch {
			case r == "*":
				for _, a := range st.Actions {
					if _, ok := unscopedActions[a]; !ok {
						errs = append(errs, fmt.Errorf("statement %d: resource \"*\" with action %q: the action supports resource-level permissions, so name the ARNs", i, a))
					}
				}
			case !strings.HasPrefix(r, "arn:"):
				errs = append(errs, fmt.Errorf("statement %d: resource %q: not an ARN (arn:partition:service:region:account:resource)", i, r))
			}
			if strings.Contains(r, "*") && st.Reason == "" {
				errs = append(errs, fmt.Errorf("statement %d: resource %q has a wildcard but the statement gives no reason", i, r))
			}
		}
	}
	return errors.Join(errs...)
}

// PlanExecutionRoleProps configures a PlanExecutionRole.
type PlanExecutionRoleProps struct {
	// Permissions are the plans' needs (validated by the caller with
	// PlanPermissions.Validate; invalid statements are not added).
	Permissions PlanPermissions
	// AssumedBy are the roles of the functions that act for the plans.
	AssumedBy []awsiam.IRole
	// Account is the stack's account, trusted when AssumedBy is empty (so the
	// role exists before the functions that assume it land); assuming it
	// still needs an identity policy naming it, which only Switchyard's
	// functions get.
	Account string
}

// PlanExecutionRole is the one role per Region that carries out plan actions.
type PlanExecutionRole struct {
	Role awsiam.Role
	// Permissions are the statements the role was given.
	Permissions PlanPermissions
}

// NewPlanExecutionRole creates the Region's plan execution role with exactly
// the statements given, and lets each AssumedBy role assume it.
func NewPlanExecutionRole(scope constructs.Construct, id string, props *PlanExecutionRoleProps) *PlanExecutionRole {
	var principal awsiam.IPrincipal = awsiam.NewAccountPrincipal(jsii.String(props.Account))
	if len(props.AssumedBy) > 0 {
		ps := make([]awsiam.IPrincipal, 0, len(props.AssumedBy))
		for _, r := range props.AssumedBy {
			ps = append(ps, awsiam.NewArnPrincipal(r.RoleArn()))
		}
		principal = awsiam.NewCompositePrincipal(ps...)
	}
	role := awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		AssumedBy:   principal,
		Description: jsii.String("Carries out the actions of Switchyard recovery plans in this Region; permissions derived from the plans."),
	})
	var wildcards []finding
	for _, st := range props.Permissions {
		if (PlanPermissions{st}).Validate() != nil {
			continue
		}
		ps := &awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(slices.Clone(st.Actions)...),
			Resources: jsii.Strings(slices.Clone(st.Resources)...),
		}
		if st.Sid != "" {
			ps.Sid = jsii.String(st.Sid)
		}
		role.AddToPolicy(awsiam.NewPolicyStatement(ps))
		for _, r := range st.Resources {
			if strings.Contains(r, "*") {
				wildcards = append(wildcards, finding{id: "AwsSolutions-IAM5", reason: st.Reason, appliesTo: []string{"Resource::" + r}})
			}
		}
	}
	if len(wildcards) > 0 {
		// One suppression per wildcard resource, each with the reason its
		// statement gives (cdk-nag matches appliesTo exactly).
		suppress(role, true, wildcards...)
	}
	for _, r := range props.AssumedBy {
		r.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("sts:AssumeRole"),
			Resources: &[]*string{role.RoleArn()},
		}))
	}
	return &PlanExecutionRole{Role: role, Permissions: props.Permissions}
}
