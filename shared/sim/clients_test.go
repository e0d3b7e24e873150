package sim

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53recoverycluster"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/switchyard-dev/switchyard/shared/awsapi"
)

func TestClientsAdapter(t *testing.T) {
	w, _, arns := arcWorld(t)
	if err := w.AddBucket(BucketSpec{Name: westBucket, Region: west}); err != nil {
		t.Fatal(err)
	}
	cs := w.Clients()
	eps, err := w.ARCEndpoints("main")
	if err != nil {
		t.Fatal(err)
	}
	getState := func(ep awsapi.ARCEndpoint) error {
		_, err := cs.ARC(ep).GetRoutingControlState(t.Context(), &route53recoverycluster.GetRoutingControlStateInput{RoutingControlArn: aws.String(arns["payments/east"])})
		return err
	}
	tests := []struct {
		name string
		call func() error
		ok   bool
	}{
		{"RDS in the writer Region", func() error {
			_, err := cs.RDS(east).DescribeGlobalClusters(t.Context(), &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(gid)})
			return err
		}, true},
		{"ARC through a known endpoint", func() error { return getState(awsapi.ARCEndpoint{URL: eps[2].URL, Region: eps[2].Region}) }, true},
		{"ARC through an unknown URL in a known Region", func() error {
			return getState(awsapi.ARCEndpoint{URL: "https://nope.route53-recovery-cluster.us-east-1.amazonaws.com/v1", Region: east})
		}, false},
		{"ARC through an unknown URL and Region", func() error { return getState(awsapi.ARCEndpoint{URL: "https://x", Region: "mars-1"}) }, false},
		{"ARC with an empty endpoint", func() error { return getState(awsapi.ARCEndpoint{}) }, false},
		{"S3 through the factory", func() error {
			_, err := cs.S3(west).PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(westBucket), Key: aws.String("k")})
			return err
		}, true},
		{"S3 with the bucket's Region down", func() error {
			if _, err := w.InjectSpec("region-down:us-west-2"); err != nil {
				t.Fatal(err)
			}
			_, err := cs.S3(west).PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(westBucket), Key: aws.String("k")})
			return err
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			switch {
			case tc.ok && err != nil:
				t.Fatalf("err = %v, want success", err)
			case !tc.ok && !IsUnreachable(err):
				t.Fatalf("err = %v, want a connection failure", err)
			}
		})
	}
}
