package sim

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// BucketSpec describes an S3 bucket. Buckets are versioned (replication
// needs it) and replicate every new object version and delete marker to the
// buckets named in ReplicateTo, as S3 Cross-Region Replication does with
// delete-marker replication enabled. Replicas are not replicated again, so
// two buckets naming each other replicate both ways without loops.
type BucketSpec struct {
	// Name is the bucket name (global across Regions).
	Name string
	// Region is the bucket's Region.
	Region string
	// ReplicateTo names the destination buckets (in other Regions). A
	// destination that does not exist when a version is due is skipped.
	ReplicateTo []string
	// ReplicationDelay is how long a version takes to reach a destination
	// (default Durations.S3Replication). While the source's or the
	// destination's Region is down, replication waits and completes as soon
	// as both are up again.
	ReplicationDelay time.Duration
}

type s3State struct {
	buckets map[string]*s3Bucket
	blocked []s3Replication // replications waiting for a Region to return
}

func (s *s3State) init() { s.buckets = map[string]*s3Bucket{} }

type s3Bucket struct {
	name, region string
	replicateTo  []string
	delay        time.Duration
	objects      map[string]*s3Object // key -> current version
}

// s3Object is the current version of a key (possibly a delete marker).
type s3Object struct {
	body         []byte
	etag         string
	version      string
	seq          int // world-wide write order, for replication ordering
	lastModified time.Time
	metadata     map[string]string
	contentType  string
	deleteMarker bool
	replica      bool
	dests        int  // replication destinations (source versions)
	pending      int  // destinations not yet written
	failed       bool // a destination bucket was missing
}

type s3Replication struct {
	src, dst string
	key      string
	obj      *s3Object
}

// AddBucket adds an S3 bucket.
func (w *World) AddBucket(spec BucketSpec) error {
	return w.mutate(func(time.Time) error {
		return w.addBucket(spec)
	})
}

// addBucket adds a bucket; lock held.
func (w *World) addBucket(spec BucketSpec) error {
	if spec.Name == "" {
		return fmt.Errorf("S3 bucket in %s: Name is empty", spec.Region)
	}
	if err := w.checkRegion(spec.Region); err != nil {
		return fmt.Errorf("S3 bucket %s: %w", spec.Name, err)
	}
	if _, ok := w.s3.buckets[spec.Name]; ok {
		return fmt.Errorf("S3 bucket %s: %w", spec.Name, ErrDuplicate)
	}
	if spec.ReplicationDelay < 0 {
		return fmt.Errorf("S3 bucket %s: ReplicationDelay %v is negative", spec.Name, spec.ReplicationDelay)
	}
	for _, d := range spec.ReplicateTo {
		if d == spec.Name {
			return fmt.Errorf("S3 bucket %s: replicates to itself", spec.Name)
		}
		if b := w.s3.buckets[d]; b != nil && b.region == spec.Region {
			return fmt.Errorf("S3 bucket %s: replication destination %s is in the same Region %s (cross-Region replication only)", spec.Name, d, spec.Region)
		}
	}
	delay := spec.ReplicationDelay
	if delay == 0 {
		delay = w.d.S3Replication
	}
	w.s3.buckets[spec.Name] = &s3Bucket{name: spec.Name, region: spec.Region, replicateTo: slices.Clone(spec.ReplicateTo),
		delay: delay, objects: map[string]*s3Object{}}
	return nil
}

// ObjectInfo is the current version of an S3 object as the world sees it.
type ObjectInfo struct {
	Exists       bool
	VersionID    string
	LastModified time.Time
	Body         []byte
	// Replica: the version arrived by replication.
	Replica bool
}

// Object reports the current version of bucket/key (for assertions); it is
// not an API call, so faults do not apply.
func (w *World) Object(bucket, key string) (ObjectInfo, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.settleNow()
	b := w.s3.buckets[bucket]
	if b == nil {
		return ObjectInfo{}, fmt.Errorf("S3 bucket %q not found", bucket)
	}
	o := b.objects[key]
	if o == nil {
		return ObjectInfo{}, nil
	}
	return ObjectInfo{Exists: !o.deleteMarker, VersionID: o.version, LastModified: o.lastModified, Body: slices.Clone(o.body), Replica: o.replica}, nil
}

// write stores a new current version of key in b and schedules its
// replication; lock held.
func (w *World) s3Write(b *s3Bucket, key string, o *s3Object, now time.Time) {
	o.seq = w.newID()
	o.version = fmt.Sprintf("v%016d", o.seq)
	o.lastModified = now
	b.objects[key] = o
	if o.replica {
		return
	}
	o.dests = len(b.replicateTo)
	o.pending = o.dests
	for _, dst := range b.replicateTo {
		r := s3Replication{src: b.name, dst: dst, key: key, obj: o}
		w.schedule(now.Add(b.delay), func(at time.Time) { w.s3Replicate(r, at) })
	}
}

// s3Replicate applies one replication if both Regions are up, else parks
// it until a Region recovers; lock held.
func (w *World) s3Replicate(r s3Replication, at time.Time) {
	src, dst := w.s3.buckets[r.src], w.s3.buckets[r.dst]
	if src == nil || dst == nil {
		r.obj.failed = true
		w.log.Debug("sim s3 replication skipped: bucket gone", "source", r.src, "destination", r.dst)
		return
	}
	if !w.dataUp(src.region) || !w.dataUp(dst.region) {
		w.s3.blocked = append(w.s3.blocked, r)
		return
	}
	r.obj.pending--
	if cur := dst.objects[r.key]; cur != nil && cur.seq > r.obj.seq {
		return // a newer version is already there
	}
	cp := *r.obj
	cp.replica = true
	cp.pending, cp.dests = 0, 0
	cp.metadata = maps.Clone(r.obj.metadata)
	cp.lastModified = at
	dst.objects[r.key] = &cp
	w.noteTraffic(at)
}

// s3Recovered retries the replications parked while a Region was down;
// lock held.
func (w *World) s3Recovered(now time.Time) {
	parked := w.s3.blocked
	w.s3.blocked = nil
	for _, r := range parked {
		w.s3Replicate(r, now)
	}
}

// S3Client is a Region's simulated Amazon S3 API (object operations are
// data plane: they keep working while the Region's control plane is down).
type S3Client struct {
	w      *World
	region string
}

// S3 returns the S3 client for region.
func (w *World) S3(region string) *S3Client { return &S3Client{w: w, region: region} }

// s3Error wraps an S3 error the way the SDK presents it: an API error inside
// an HTTP response error carrying the status code.
func s3Error(status int, err error) error {
	return &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err},
		RequestID:     "SIMS3REQUEST",
	}
}

func (c *S3Client) bucket(name *string) (*s3Bucket, error) {
	n := aws.ToString(name)
	b := c.w.s3.buckets[n]
	if b == nil {
		return nil, s3Error(http.StatusNotFound, &s3types.NoSuchBucket{Message: aws.String("The specified bucket does not exist")})
	}
	if b.region != c.region {
		return nil, s3Error(http.StatusMovedPermanently, apiError("PermanentRedirect",
			fmt.Sprintf("The bucket %s is in %s; this request went to %s. Send requests to the bucket's Region.", n, b.region, c.region), faultClient))
	}
	return b, nil
}

// PutObject stores a new version of an object (S3 is strongly consistent:
// a read after the put sees it). IfNoneMatch "*" makes the put conditional
// on the key not existing (412 PreconditionFailed otherwise).
func (c *S3Client) PutObject(ctx context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if in == nil {
		in = &s3.PutObjectInput{}
	}
	var body []byte
	if in.Body != nil {
		var err error
		if body, err = io.ReadAll(in.Body); err != nil {
			return nil, opError(svcS3, "PutObject", fmt.Errorf("reading the request body: %w", err))
		}
	}
	out := &s3.PutObjectOutput{}
	err := c.w.do(ctx, svcS3, "PutObject", c.region, func(now time.Time) error {
		b, err := c.bucket(in.Bucket)
		if err != nil {
			return err
		}
		key := aws.ToString(in.Key)
		if key == "" {
			return s3Error(http.StatusBadRequest, apiError("InvalidArgument", "Key is required", faultClient))
		}
		if aws.ToString(in.IfNoneMatch) == "*" {
			if cur := b.objects[key]; cur != nil && !cur.deleteMarker {
				return s3Error(http.StatusPreconditionFailed, apiError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", faultClient))
			}
		}
		sum := md5.Sum(body)
		o := &s3Object{body: body, etag: `"` + hex.EncodeToString(sum[:]) + `"`, metadata: maps.Clone(in.Metadata), contentType: aws.ToString(in.ContentType)}
		c.w.s3Write(b, key, o, now)
		out.ETag = aws.String(o.etag)
		out.VersionId = aws.String(o.version)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteObject adds a delete marker (the buckets are versioned); deleting a
// key that does not exist succeeds, as in S3.
func (c *S3Client) DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, _ ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	if in == nil {
		in = &s3.DeleteObjectInput{}
	}
	out := &s3.DeleteObjectOutput{}
	err := c.w.do(ctx, svcS3, "DeleteObject", c.region, func(now time.Time) error {
		b, err := c.bucket(in.Bucket)
		if err != nil {
			return err
		}
		key := aws.ToString(in.Key)
		if key == "" {
			return s3Error(http.StatusBadRequest, apiError("InvalidArgument", "Key is required", faultClient))
		}
		if in.VersionId != nil {
			return s3Error(http.StatusNotImplemented, apiError("NotImplemented", "the simulator does not delete specific versions", faultClient))
		}
		o := &s3Object{deleteMarker: true}
		c.w.s3Write(b, key, o, now)
		out.DeleteMarker = aws.Bool(true)
		out.VersionId = aws.String(o.version)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// HeadObject reports an object's metadata; a missing key (or one whose
// current version is a delete marker) or bucket fails with the SDK's
// *types.NotFound and HTTP status 404, as a HEAD response has no body.
func (c *S3Client) HeadObject(ctx context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if in == nil {
		in = &s3.HeadObjectInput{}
	}
	out := &s3.HeadObjectOutput{}
	err := c.w.do(ctx, svcS3, "HeadObject", c.region, func(time.Time) error {
		o, err := c.current(in.Bucket, in.Key)
		if err != nil {
			return err
		}
		out.ContentLength = aws.Int64(int64(len(o.body)))
		out.ETag = aws.String(o.etag)
		out.LastModified = aws.Time(o.lastModified)
		out.VersionId = aws.String(o.version)
		out.Metadata = maps.Clone(o.metadata)
		if o.contentType != "" {
			out.ContentType = aws.String(o.contentType)
		}
		out.ReplicationStatus = o.replicationStatus()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetObject returns an object's body; a missing key fails with
// *types.NoSuchKey (404).
func (c *S3Client) GetObject(ctx context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if in == nil {
		in = &s3.GetObjectInput{}
	}
	out := &s3.GetObjectOutput{}
	err := c.w.do(ctx, svcS3, "GetObject", c.region, func(time.Time) error {
		o, err := c.current(in.Bucket, in.Key)
		if err != nil {
			var re *awshttp.ResponseError
			if asResponseError(err, &re) && re.HTTPStatusCode() == http.StatusNotFound && c.w.s3.buckets[aws.ToString(in.Bucket)] != nil {
				return s3Error(http.StatusNotFound, &s3types.NoSuchKey{Message: aws.String("The specified key does not exist.")})
			}
			return err
		}
		out.Body = io.NopCloser(bytes.NewReader(slices.Clone(o.body)))
		out.ContentLength = aws.Int64(int64(len(o.body)))
		out.ETag = aws.String(o.etag)
		out.LastModified = aws.Time(o.lastModified)
		out.VersionId = aws.String(o.version)
		out.Metadata = maps.Clone(o.metadata)
		out.ReplicationStatus = o.replicationStatus()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func asResponseError(err error, re **awshttp.ResponseError) bool { return errors.As(err, re) }

// current is the live version of bucket/key or a 404; lock held.
func (c *S3Client) current(bucket, key *string) (*s3Object, error) {
	b, err := c.bucket(bucket)
	if err != nil {
		var re *awshttp.ResponseError
		if asResponseError(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
			return nil, s3Error(http.StatusNotFound, &s3types.NotFound{Message: aws.String("Not Found")})
		}
		return nil, err
	}
	o := b.objects[aws.ToString(key)]
	if o == nil || o.deleteMarker {
		return nil, s3Error(http.StatusNotFound, &s3types.NotFound{Message: aws.String("Not Found")})
	}
	return o, nil
}

func (o *s3Object) replicationStatus() s3types.ReplicationStatus {
	switch {
	case o.replica:
		return s3types.ReplicationStatusReplica
	case o.dests == 0:
		return ""
	case o.failed:
		return s3types.ReplicationStatusFailed
	case o.pending > 0:
		return s3types.ReplicationStatusPending
	}
	return s3types.ReplicationStatusCompleted
}

// flagPresent reads bucket/key for a health endpoint: ok is false when the
// read fails (bucket unknown or its Region down); lock held.
func (w *World) flagPresent(bucket, key string) (present, ok bool) {
	b := w.s3.buckets[bucket]
	if b == nil || !w.dataUp(b.region) {
		return false, false
	}
	o := b.objects[key]
	return o != nil && !o.deleteMarker, true
}
