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
	// Actions are IAM actions, "service:Action", no wildcards.
	Actions []string
	// Resources are ARNs. "*" is allowed only for actions in
	// unscopedActions (the service offers no resource-level permission).
	Resources []string
}

// PlanPermissions is every statement the Region's plan execution role needs.
type PlanPermissions []PlanStatement

var actionRE = regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9]+$`)

// unscopedActions are the plan actions whose service authorization reference
// lists no resource type, so IAM accepts only "*" as their resource. Each is
// justified here, where a reviewer looks.
var unscopedActions = map[string]string{
	// The service authorization reference lists no resource type for these
	// Describe/Get calls (used to observe before acting and to size
	// scale-ups), so IAM accepts only "*".
	"autoscaling:DescribeAutoScalingGroups": "no resource-level permissions",
	"cloudwatch:GetMetricData":              "no resource-level permissions",
}

// Validate reports every problem of the permissions at once, naming the
// statement and field.
func (p PlanPermissions) Validate() error {
	var errs []error
	for i, st := range p {
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
	for _, st := range props.Permissions {
		if (PlanPermissions{st}).Validate() != nil {
			continue
		}
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(slices.Clone(st.Actions)...),
			Resources: jsii.Strings(slices.Clone(st.Resources)...),
		}))
	}
	for _, r := range props.AssumedBy {
		r.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("sts:AssumeRole"),
			Resources: &[]*string{role.RoleArn()},
		}))
	}
	return &PlanExecutionRole{Role: role}
}
