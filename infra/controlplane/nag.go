package controlplane

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// finding is a cdk-nag rule id with the reason it does not apply, and
// optionally the findings (appliesTo) it covers.
type finding struct {
	id        string
	reason    string
	appliesTo []string
}

// suppress records reasoned cdk-nag suppressions on c (and its children).
func suppress(c constructs.IConstruct, children bool, fs ...finding) {
	list := make([]*cdknag.NagPackSuppression, 0, len(fs))
	for _, f := range fs {
		s := &cdknag.NagPackSuppression{Id: jsii.String(f.id), Reason: jsii.String(f.reason)}
		if len(f.appliesTo) > 0 {
			at := make([]interface{}, 0, len(f.appliesTo))
			for _, a := range f.appliesTo {
				at = append(at, a)
			}
			s.AppliesTo = &at
		}
		list = append(list, s)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &list, jsii.Bool(children))
}

// suppressStackFindings records the stack-wide exceptions: IAM wildcards
// that IAM itself imposes or that CDK grants scope to one resource.
func suppressStackFindings(stack awscdk.Stack) {
	cdknag.NagSuppressions_AddStackSuppressions(stack, &[]*cdknag.NagPackSuppression{
		{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs vended-log delivery for Step Functions " +
				"(Create/Get/Update/Delete/ListLogDeliveries, Put/DescribeResourcePolicies, DescribeLogGroups) have no resource-level permissions, so IAM accepts only \"*\"."),
			AppliesTo: &[]interface{}{"Resource::*"},
		},
		{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("KMS action families granted by CDK's Grant* on this Region's own key only (GenerateDataKey*, ReEncrypt*), " +
				"and sub-resources of one named resource: a function's versions, a state machine's executions, a table's indexes."),
			AppliesTo: &[]interface{}{
				"Action::kms:GenerateDataKey*",
				"Action::kms:ReEncrypt*",
				map[string]interface{}{"regex": `/^Resource::<.*\.Arn>:\*$/g`},
				map[string]interface{}{"regex": `/^Resource::<.*\.Arn>/index/\*$/g`},
				map[string]interface{}{"regex": `/^Resource::arn:<AWS::Partition>:states:.*:execution:.*:\*$/g`},
			},
		},
	}, nil)
}

// ApplyNag runs cdk-nag's AwsSolutions checks on every stack in scope.
func ApplyNag(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// NagErrors returns every error-level message of the synthesized assembly
// (cdk-nag reports unsuppressed findings as errors), as "stack: path: text",
// sorted.
func NagErrors(asm cxapi.CloudAssembly) []string {
	var out []string
	for _, st := range *asm.Stacks() {
		for _, m := range *st.Messages() {
			if m.Level != cxapi.SynthesisMessageLevel_ERROR {
				continue
			}
			out = append(out, fmt.Sprintf("%s: %s: %v", *st.StackName(), *m.Id, m.Entry.Data))
		}
	}
	sort.Strings(out)
	return out
}
