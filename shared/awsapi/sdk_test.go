package awsapi

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

func TestForRole(t *testing.T) {
	base := aws.Config{Region: "us-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	if got := ForRole(base, "", "s"); got.Credentials.(credentials.StaticCredentialsProvider).Value.AccessKeyID != "AKID" {
		t.Errorf("no role: credentials changed to %T", got.Credentials)
	}
	got := ForRole(base, "arn:aws:iam::123456789012:role/plan", "switchyard-readiness")
	if _, ok := got.Credentials.(*aws.CredentialsCache); !ok {
		t.Errorf("role: credentials are %T, want an *aws.CredentialsCache over the assume-role provider", got.Credentials)
	}
	if _, ok := base.Credentials.(credentials.StaticCredentialsProvider); !ok || got.Region != "us-west-2" {
		t.Errorf("role: base config changed or Region lost")
	}
}

func TestSDKCachesClientsPerRegion(t *testing.T) {
	s := NewSDK(aws.Config{Region: "us-east-1"})
	if s.RDS("us-west-2") != s.RDS("us-west-2") {
		t.Error("the same Region's client was built twice")
	}
	if s.RDS("us-west-2") == s.RDS("us-east-1") {
		t.Error("two Regions share one client")
	}
}
