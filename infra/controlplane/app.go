package controlplane

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// Build adds one RegionStack per configured Region to app and applies the
// cdk-nag AwsSolutions checks to all of them. The stacks share nothing: each
// is built from the same sources with its own Region.
func Build(app awscdk.App, cfg Config, src *Sources, perms PlanPermissions) []*RegionStack {
	stacks := make([]*RegionStack, 0, len(cfg.Regions))
	for _, region := range cfg.Regions {
		stacks = append(stacks, NewRegionStack(app, &RegionStackProps{
			Config: cfg, Region: region, Sources: src, PlanPermissions: perms,
		}))
	}
	ApplyNag(app)
	return stacks
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
