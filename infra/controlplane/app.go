package controlplane

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// Build adds one RegionStack per configured Region to app and applies the
// cdk-nag AwsSolutions checks to all of them. The stacks share nothing: each
// is built from the same sources and plans with its own Region, and its plan
// execution role is derived from the plans' workflows that execute there.
// It fails, before building anything, when the plans' permissions cannot be
// derived or are invalid.
func Build(app awscdk.App, cfg Config, src *Sources, plans *PlanSet) ([]*RegionStack, error) {
	perms := make(map[string]PlanPermissions, len(cfg.Regions))
	var errs []error
	for _, region := range cfg.Regions {
		p, err := PlanPermissionsFor(plans, region, cfg.Account, cfg.Prefix)
		if err == nil {
			err = p.Validate()
		}
		if n := p.PolicySize(); err == nil && n > MaxInlinePolicySize {
			err = fmt.Errorf("the plans need a %d-character policy, over IAM's %d-character limit for a role's inline policies (deploy fewer plans per stack prefix, or split the plans across prefixes)", n, MaxInlinePolicySize)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("plan execution role in %s: %w", region, err))
			continue
		}
		perms[region] = p
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	stacks := make([]*RegionStack, 0, len(cfg.Regions))
	for _, region := range cfg.Regions {
		stacks = append(stacks, NewRegionStack(app, &RegionStackProps{
			Config: cfg, Region: region, Sources: src, PlanPermissions: perms[region], Plans: plans,
		}))
	}
	ApplyNag(app)
	return stacks, nil
}

// ContextGetter adapts an app's CDK context to ConfigFromContext. Values
// from the command line are strings; cdk.json may also hold numbers and
// lists (joined with commas).
func ContextGetter(app awscdk.App) func(string) (string, bool) {
	return func(key string) (string, bool) {
		return contextString(app.Node().TryGetContext(jsii.String(key)))
	}
}

func contextString(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case []any:
		parts := make([]string, 0, len(v))
		for _, p := range v {
			s, _ := contextString(p)
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), true
	default:
		return fmt.Sprint(v), true
	}
}
