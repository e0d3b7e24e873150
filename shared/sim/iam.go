package sim

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// Statement allows Actions on Resources (both may use * wildcards).
type Statement struct {
	Actions   []string
	Resources []string
}

// AllowActions allows role (an IAM role ARN) the actions on every resource.
func (w *World) AllowActions(role string, actions ...string) {
	w.Allow(role, Statement{Actions: actions, Resources: []string{"*"}})
}

// Allow adds a statement to role's allow-list (creating the role).
func (w *World) Allow(role string, st Statement) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roles[role] = append(w.roles[role], st)
}

func globMatch(pattern, s string) bool {
	ok, err := path.Match(pattern, s)
	if err == nil && ok {
		return true
	}
	// path.Match stops * at '/'; IAM wildcards do not.
	return wildcard(pattern, s)
}

func wildcard(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for i := 0; i <= len(s); i++ {
				if wildcard(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if len(s) == 0 {
				return false
			}
		default:
			if len(s) == 0 || p[0] != s[0] {
				return false
			}
		}
		p, s = p[1:], s[1:]
	}
	return len(s) == 0
}

// IAMClient is the simulated IAM API (global; homed in us-east-1).
type IAMClient struct {
	w *World
}

// IAM returns the IAM client.
func (w *World) IAM() *IAMClient { return &IAMClient{w: w} }

// SimulatePrincipalPolicy evaluates each action on each resource against
// the principal's allow-list: "allowed" or "implicitDeny".
func (c *IAMClient) SimulatePrincipalPolicy(ctx context.Context, in *iam.SimulatePrincipalPolicyInput, _ ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error) {
	if in == nil {
		in = &iam.SimulatePrincipalPolicyInput{}
	}
	out := &iam.SimulatePrincipalPolicyOutput{}
	err := c.w.do(ctx, svcIAM, "SimulatePrincipalPolicy", "us-east-1", func(time.Time) error {
		stmts, ok := c.w.roles[aws.ToString(in.PolicySourceArn)]
		if !ok {
			return &iamtypes.NoSuchEntityException{Message: aws.String(fmt.Sprintf("The role with name %s cannot be found.", aws.ToString(in.PolicySourceArn)))}
		}
		if len(in.ActionNames) == 0 {
			return apiError("InvalidInput", "ActionNames must contain at least one action.", faultClient)
		}
		resources := in.ResourceArns
		if len(resources) == 0 {
			resources = []string{"*"}
		}
		for _, a := range in.ActionNames {
			for _, r := range resources {
				dec := iamtypes.PolicyEvaluationDecisionTypeImplicitDeny
				for _, st := range stmts {
					if anyMatch(lower(st.Actions), strings.ToLower(a)) && anyMatch(st.Resources, r) {
						dec = iamtypes.PolicyEvaluationDecisionTypeAllowed
					}
				}
				out.EvaluationResults = append(out.EvaluationResults, iamtypes.EvaluationResult{EvalActionName: aws.String(a),
					EvalResourceName: aws.String(r), EvalDecision: dec})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func anyMatch(patterns []string, s string) bool {
	for _, p := range patterns {
		if globMatch(p, s) {
			return true
		}
	}
	return false
}

// lower lowercases action patterns: IAM action names are case-insensitive.
func lower(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strings.ToLower(x)
	}
	return out
}
