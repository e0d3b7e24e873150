package controlplane

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/switchyard-dev/switchyard/infra/plandelivery"
	"github.com/switchyard-dev/switchyard/shared/lambdaenv"
)

// PlanDeliveryFunction is the name of the function behind the plans' custom
// resources (infra/cmd/plandelivery); its binary is
// <functionsBinDir>/plan-delivery/bootstrap, built by infra/synth.sh.
const PlanDeliveryFunction = "plan-delivery"

// PlanDeliveryProps configures a PlanDelivery.
type PlanDeliveryProps struct {
	// Plans are delivered, every one, to this Region's table.
	Plans *PlanSet
	// Table and Key are the Region's table and its encryption key.
	Table awsdynamodb.ITable
	Key   awskms.IKey
	// BinDir holds plan-delivery/bootstrap.
	BinDir string
	// Region is the stack's Region (the function's environment).
	Region string
}

// PlanDelivery stores the deployed plans in the Region's table: one
// Custom::SwitchyardPlan resource per plan, whose properties are the plan's
// name, fingerprint and canonical JSON, handled by a Go function that calls
// the DynamoDB store's PutPlan.
//
// Why a Go provider rather than AwsCustomResource with a PutItem call: the
// store's plan items are a version item plus a "latest" pointer guarded by
// an optimistic version counter, with a binary document attribute and the
// deployment time; PutPlan writes exactly that, idempotently, so the items
// cannot drift from what the functions read, nothing in shared/store has to
// be exported for the CDK app, and no Node.js function is added to the stack.
// Every Region's stack carries the same properties (the same fingerprints),
// so every Region holds the same versions.
type PlanDelivery struct {
	// Function is nil when there is no plan.
	Function awslambda.Function
	// Resources are the custom resources, by plan name.
	Resources map[string]awscdk.CustomResource
}

// NewPlanDelivery creates the delivery function and one custom resource per
// plan. With no plan it creates nothing.
func NewPlanDelivery(scope constructs.Construct, id string, props *PlanDeliveryProps) *PlanDelivery {
	pd := &PlanDelivery{Resources: map[string]awscdk.CustomResource{}}
	if props.Plans == nil || len(props.Plans.Plans) == 0 {
		return pd
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Execution role of the Switchyard plan delivery function (stores the deployed plans in this Region's table)."),
	})
	// PutPlan reads the current items (GetItem) and writes them
	// conditionally (PutItem) on the table itself; no index. (Table.Grant
	// would add the indexes too.)
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("dynamodb:GetItem", "dynamodb:PutItem"),
		Resources: &[]*string{props.Table.TableArn()},
	}))
	props.Key.GrantEncryptDecrypt(role)
	pd.Function = NewFunction(c, "Fn", &FunctionProps{
		Function: Function{Name: PlanDeliveryFunction, Settings: FunctionSettings{
			Description: "Stores the plans deployed with this stack in this Region's table (Custom::SwitchyardPlan).",
			MemoryMiB:   128,
			Timeout:     60 * time.Second,
		}},
		BinDir: props.BinDir,
		Role:   role,
		Environment: map[string]string{
			lambdaenv.TableName: *props.Table.TableName(),
			lambdaenv.Region:    props.Region,
			lambdaenv.LogLevel:  "info",
		},
	})
	for _, p := range props.Plans.Plans {
		pd.Resources[p.Name] = awscdk.NewCustomResource(c, jsii.String("Plan"+pascal(p.Name)), &awscdk.CustomResourceProps{
			ServiceToken: pd.Function.FunctionArn(),
			ResourceType: jsii.String(plandelivery.ResourceType),
			Properties: &map[string]any{
				plandelivery.PropName:     p.Name,
				plandelivery.PropVersion:  p.Version,
				plandelivery.PropDocument: p.Document,
			},
		})
	}
	return pd
}

// CheckPlanDeliveryBinary reports a missing plan delivery binary when there
// are plans to deliver.
func CheckPlanDeliveryBinary(binDir string, plans *PlanSet) error {
	if plans == nil || len(plans.Plans) == 0 {
		return nil
	}
	p := filepath.Join(binDir, PlanDeliveryFunction, "bootstrap")
	st, err := os.Stat(p)
	switch {
	case err != nil:
		return fmt.Errorf("plan delivery: no prebuilt binary at %s (infra/synth.sh builds it from infra/cmd/plandelivery): %w", p, err)
	case st.IsDir():
		return fmt.Errorf("plan delivery: %s is a directory, not the bootstrap binary", p)
	}
	return nil
}
