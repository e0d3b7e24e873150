package controlplane

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
)

// TestNagErrorsReportsFindings proves the synth gate bites: a stack with an
// SNS topic that accepts plain-HTTP publishers (AwsSolutions-SNS3) must
// yield an error, and a reasoned suppression must clear it.
func TestNagErrorsReportsFindings(t *testing.T) {
	tests := []struct {
		name       string
		suppressed bool
		want       string
	}{
		{name: "unsuppressed finding fails", want: "AwsSolutions-SNS3"},
		{name: "reasoned suppression passes", suppressed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out)})
			stack := awscdk.NewStack(app, jsii.String("NagProbe"), &awscdk.StackProps{
				Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
			})
			topic := awssns.NewTopic(stack, jsii.String("Topic"), nil)
			if tc.suppressed {
				suppress(topic, true,
					finding{id: "AwsSolutions-SNS2", reason: "probe: encryption is not what this test is about"},
					finding{id: "AwsSolutions-SNS3", reason: "probe: the test suppresses it on purpose"})
			}
			ApplyNag(app)
			errs := NagErrors(app.Synth(nil))
			joined := strings.Join(errs, "\n")
			if tc.want == "" && len(errs) > 0 {
				t.Errorf("NagErrors = %s, want none", joined)
			}
			if tc.want != "" && !strings.Contains(joined, tc.want) {
				t.Errorf("NagErrors = %q, want a %s finding", joined, tc.want)
			}
			_ = os.RemoveAll(out)
		})
	}
}
