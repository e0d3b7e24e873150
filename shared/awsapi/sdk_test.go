package awsapi

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// TestSDKRegionalClients: each factory method builds a client for the
// Region asked, once per Region.
func TestSDKRegionalClients(t *testing.T) {
	s := NewSDK(aws.Config{})
	tests := []struct {
		name   string
		get    func(region string) any
		region func(c any) string
	}{
		{name: "ssm", get: func(r string) any { return s.SSM(r) }, region: func(c any) string { return c.(*ssm.Client).Options().Region }},
		{name: "dynamodb", get: func(r string) any { return s.DynamoDB(r) }, region: func(c any) string { return c.(*dynamodb.Client).Options().Region }},
		{name: "lambda", get: func(r string) any { return s.Lambda(r) }, region: func(c any) string { return c.(*lambda.Client).Options().Region }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			east, west := tt.get("us-east-1"), tt.get("us-west-2")
			if got := tt.region(east); got != "us-east-1" {
				t.Errorf("us-east-1 client has Region %q", got)
			}
			if got := tt.region(west); got != "us-west-2" {
				t.Errorf("us-west-2 client has Region %q", got)
			}
			if tt.get("us-east-1") != east {
				t.Error("a second call built a new client")
			}
		})
	}
}
