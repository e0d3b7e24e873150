package sim

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

const (
	flagKey     = "failover-active.flag"
	westBucket  = "app-failover-control-us-west-2"
	eastBucket  = "app-failover-control-us-east-1"
	primaryURL  = "https://primary.example.com/health"
	stopCheckID = "0b7e3a52-1f0c-4d2e-9a51-3c1d2e4f5a60"
)

// bucketWorld has a bucket per Region replicating both ways.
func bucketWorld(t *testing.T) (*World, *fakeClock) {
	t.Helper()
	w, clk := newTestWorld(t)
	for _, b := range []BucketSpec{
		{Name: westBucket, Region: west, ReplicateTo: []string{eastBucket}},
		{Name: eastBucket, Region: east, ReplicateTo: []string{westBucket}},
	} {
		if err := w.AddBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	return w, clk
}

func putFlag(t *testing.T, w *World, region, bucket string) *s3.PutObjectOutput {
	t.Helper()
	out, err := w.S3(region).PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(flagKey),
		Body: strings.NewReader("failover-active"), Metadata: map[string]string{"region": region}})
	if err != nil {
		t.Fatalf("PutObject s3://%s/%s in %s: %v", bucket, flagKey, region, err)
	}
	return out
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func TestS3ObjectAPI(t *testing.T) {
	w, _ := bucketWorld(t)
	c := w.S3(west)
	ctx := t.Context()
	head := func() error {
		_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(westBucket), Key: aws.String(flagKey)})
		return err
	}
	err := head()
	var nf *s3types.NotFound
	if !errors.As(err, &nf) || httpStatus(err) != http.StatusNotFound {
		t.Fatalf("HeadObject before put: err = %v, want *types.NotFound with status 404", err)
	}
	var oe *smithy.OperationError
	if !errors.As(err, &oe) || oe.Service() != "S3" || oe.Operation() != "HeadObject" {
		t.Fatalf("HeadObject error %v is not an S3 HeadObject OperationError", err)
	}
	put := putFlag(t, w, west, westBucket)
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(westBucket), Key: aws.String(flagKey)})
	if err != nil {
		t.Fatalf("HeadObject after put: %v", err)
	}
	if aws.ToInt64(h.ContentLength) != int64(len("failover-active")) || aws.ToString(h.VersionId) != aws.ToString(put.VersionId) ||
		h.Metadata["region"] != west || h.ReplicationStatus != s3types.ReplicationStatusPending {
		t.Fatalf("HeadObject = len %d version %s metadata %v replication %q; want the put's object, PENDING",
			aws.ToInt64(h.ContentLength), aws.ToString(h.VersionId), h.Metadata, h.ReplicationStatus)
	}
	g, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(westBucket), Key: aws.String(flagKey)})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(g.Body); string(b) != "failover-active" {
		t.Fatalf("GetObject body = %q", b)
	}
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(westBucket), Key: aws.String(flagKey)})
	if err != nil || !aws.ToBool(del.DeleteMarker) {
		t.Fatalf("DeleteObject = %+v, %v; want a delete marker", del, err)
	}
	if err := head(); !errors.As(err, &nf) {
		t.Fatalf("HeadObject after delete: err = %v, want NotFound", err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(westBucket), Key: aws.String("never-written")}); err != nil {
		t.Fatalf("deleting a missing key must succeed (idempotent), got %v", err)
	}

	errCases := []struct {
		name       string
		call       func() error
		wantStatus int
		wantCode   string
		wantType   func(error) bool
	}{
		{"put to a missing bucket", func() error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("nope"), Key: aws.String("k")})
			return err
		}, 404, "NoSuchBucket", func(err error) bool { var e *s3types.NoSuchBucket; return errors.As(err, &e) }},
		{"head in a missing bucket", func() error {
			_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("nope"), Key: aws.String("k")})
			return err
		}, 404, "NotFound", func(err error) bool { var e *s3types.NotFound; return errors.As(err, &e) }},
		{"get a missing key", func() error {
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(westBucket), Key: aws.String("none")})
			return err
		}, 404, "NoSuchKey", func(err error) bool { var e *s3types.NoSuchKey; return errors.As(err, &e) }},
		{"bucket in another Region", func() error {
			_, err := w.S3(east).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(westBucket), Key: aws.String("k")})
			return err
		}, 301, "PermanentRedirect", nil},
		{"conditional put on an existing key", func() error {
			in := &s3.PutObjectInput{Bucket: aws.String(westBucket), Key: aws.String("once"), IfNoneMatch: aws.String("*")}
			if _, err := c.PutObject(ctx, in); err != nil {
				return err
			}
			_, err := c.PutObject(ctx, in)
			return err
		}, 412, "PreconditionFailed", nil},
		{"empty key", func() error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(westBucket)})
			return err
		}, 400, "InvalidArgument", nil},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if httpStatus(err) != tc.wantStatus || !isCode(err, tc.wantCode) {
				t.Fatalf("err = %v (status %d), want %s with status %d", err, httpStatus(err), tc.wantCode, tc.wantStatus)
			}
			if tc.wantType != nil && !tc.wantType(err) {
				t.Fatalf("err = %v is not the SDK's typed %s error", err, tc.wantCode)
			}
		})
	}
}

func TestS3Replication(t *testing.T) {
	exists := func(t *testing.T, w *World, bucket string) ObjectInfo {
		t.Helper()
		o, err := w.Object(bucket, flagKey)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	t.Run("put and delete replicate after the delay", func(t *testing.T) {
		w, clk := bucketWorld(t)
		d := w.Durations().S3Replication
		putFlag(t, w, west, westBucket)
		clk.Advance(d - time.Second)
		if exists(t, w, eastBucket).Exists {
			t.Fatalf("replica visible %v after the put, before S3Replication (%v)", d-time.Second, d)
		}
		clk.Advance(time.Second)
		rep := exists(t, w, eastBucket)
		if !rep.Exists || !rep.Replica || !rep.LastModified.Equal(clk.Now()) {
			t.Fatalf("replica after %v = %+v, want a replica written now", d, rep)
		}
		h, err := w.S3(west).HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(westBucket), Key: aws.String(flagKey)})
		if err != nil || h.ReplicationStatus != s3types.ReplicationStatusCompleted {
			t.Fatalf("source replication status = %v, %v; want COMPLETED", h, err)
		}
		h, err = w.S3(east).HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(eastBucket), Key: aws.String(flagKey)})
		if err != nil || h.ReplicationStatus != s3types.ReplicationStatusReplica {
			t.Fatalf("replica replication status = %v, %v; want REPLICA", h, err)
		}
		clk.Advance(time.Hour)
		if o := exists(t, w, westBucket); o.Replica {
			t.Fatal("a replica was replicated back to its source")
		}
		if _, err := w.S3(west).DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String(westBucket), Key: aws.String(flagKey)}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(d)
		if exists(t, w, eastBucket).Exists {
			t.Fatal("the delete marker did not replicate")
		}
	})
	t.Run("destination Region down holds replication until it returns", func(t *testing.T) {
		w, clk := bucketWorld(t)
		d := w.Durations().S3Replication
		putFlag(t, w, west, westBucket)
		if err := w.SetRegionDown(east, true); err != nil {
			t.Fatal(err)
		}
		clk.Advance(10 * d)
		if exists(t, w, eastBucket).Exists {
			t.Fatal("replicated into a Region that is down")
		}
		if err := w.SetRegionDown(east, false); err != nil {
			t.Fatal(err)
		}
		if o := exists(t, w, eastBucket); !o.Exists || !o.LastModified.Equal(clk.Now()) {
			t.Fatalf("after the Region returned: %+v, want the replica at once", o)
		}
	})
	t.Run("an older version never overwrites a newer one", func(t *testing.T) {
		w, clk := bucketWorld(t)
		putFlag(t, w, west, westBucket)
		clk.Advance(time.Second)
		if _, err := w.S3(east).DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String(eastBucket), Key: aws.String(flagKey)}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
		if exists(t, w, eastBucket).Exists || exists(t, w, westBucket).Exists {
			t.Fatal("the later delete in us-east-1 must win in both buckets")
		}
	})
}

func TestS3Faults(t *testing.T) {
	tests := []struct {
		name  string
		fault string
		check func(error) bool
		want  string
	}{
		{"Region down refuses connections", "region-down:us-west-2", IsUnreachable, "a connection failure"},
		{"control plane down: object calls are data plane", "control-plane-down:us-west-2", func(err error) bool { return err == nil }, "success"},
		{"throttling answers SlowDown", "throttle:service=s3,rate=1", func(err error) bool { return isCode(err, "SlowDown") }, "SlowDown"},
		{"injected error", "error:service=s3,api=PutObject,code=InternalError,count=1", func(err error) bool { return isCode(err, "InternalError") }, "InternalError"},
		{"other Region unaffected", "region-down:us-east-1", func(err error) bool { return err == nil }, "success"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := bucketWorld(t)
			if _, err := w.InjectSpec(tc.fault); err != nil {
				t.Fatal(err)
			}
			_, err := w.S3(west).PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(westBucket), Key: aws.String(flagKey)})
			if !tc.check(err) {
				t.Fatalf("PutObject under %s: err = %v, want %s", tc.fault, err, tc.want)
			}
		})
	}
	if n := func() int {
		w, _ := bucketWorld(t)
		putFlag(t, w, west, westBucket)
		return w.CallCount("s3", "PutObject", west)
	}(); n != 1 {
		t.Fatalf("CallCount(s3, PutObject) = %d, want 1", n)
	}
}

func TestAddBucketErrors(t *testing.T) {
	tests := []struct {
		name string
		spec BucketSpec
		want string
	}{
		{"no name", BucketSpec{Region: west}, "Name is empty"},
		{"unknown Region", BucketSpec{Name: "b", Region: "eu-west-3"}, "unknown region"},
		{"duplicate", BucketSpec{Name: westBucket, Region: west}, "already exists"},
		{"replicates to itself", BucketSpec{Name: "b", Region: west, ReplicateTo: []string{"b"}}, "replicates to itself"},
		{"same-Region destination", BucketSpec{Name: "b", Region: west, ReplicateTo: []string{westBucket}}, "same Region"},
		{"negative delay", BucketSpec{Name: "b", Region: west, ReplicationDelay: -time.Second}, "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := bucketWorld(t)
			err := w.AddBucket(tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("AddBucket(%+v) = %v, want an error containing %q", tc.spec, err, tc.want)
			}
		})
	}
}
