package sim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

func TestParseFault(t *testing.T) {
	tests := []struct {
		spec string
		want Fault
	}{
		{"throttle:rate=0.3", Fault{Kind: FaultThrottle, Rate: 0.3}},
		{"throttle:api=UpdateService,rate=1", Fault{Kind: FaultThrottle, API: "UpdateService", Rate: 1}},
		{"error:api=SwitchoverGlobalCluster,region=us-east-1,code=InternalFailure,count=1",
			Fault{Kind: FaultError, API: "SwitchoverGlobalCluster", Region: "us-east-1", Code: "InternalFailure", Count: 1}},
		{"region-down:us-east-1", Fault{Kind: FaultRegionDown, Region: "us-east-1"}},
		{"control-plane-down:region=us-west-2", Fault{Kind: FaultControlPlaneDown, Region: "us-west-2"}},
		{"lag-spike:cluster=payments-global,seconds=45", Fault{Kind: FaultLagSpike, Cluster: "payments-global", Seconds: 45}},
		{"lag-spike:cluster=g,seconds=10,hold=30,region=us-west-2", Fault{Kind: FaultLagSpike, Cluster: "g", Seconds: 10, Hold: 30 * time.Second, Region: "us-west-2"}},
		{"capacity:region=us-west-2,service=ecs,percent=60", Fault{Kind: FaultCapacity, Region: "us-west-2", Service: "ecs", Percent: 60}},
		{"arc-endpoint-down:index=0", Fault{Kind: FaultARCEndpointDown, Index: 0}},
		{"latency:ms=50,service=rds", Fault{Kind: FaultLatency, Latency: 50 * time.Millisecond, Service: "rds"}},
		{"rate-limit:api=DescribeGlobalClusters,rps=5,burst=2", Fault{Kind: FaultRateLimit, API: "DescribeGlobalClusters", RPS: 5, Burst: 2}},
		{" throttle : rate = 0.5 ", Fault{Kind: FaultThrottle, Rate: 0.5}},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			got, err := ParseFault(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("ParseFault = %+v, want %+v", got, tc.want)
			}
			again, err := ParseFault(got.String())
			if err != nil || again != got {
				t.Fatalf("round trip via %q: %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestParseFaultErrors(t *testing.T) {
	tests := []struct{ spec, wantMsg string }{
		{"", "empty"},
		{"meteor:region=us-east-1", `unknown kind "meteor"; allowed: arc-endpoint-down, capacity, control-plane-down, error, lag-spike, latency, rate-limit, region-down, throttle`},
		{"throttle", "throttle needs rate=...; allowed keys: rate (required), api, service, region"},
		{"throttle:", `nothing after "throttle:"`},
		{"throttle:rate=1.5", "rate=1.5 is out of range [0, 1]"},
		{"throttle:rate=abc", `rate="abc" is not a number`},
		{"throttle:rate=NaN", "is not a number"},
		{"throttle:rate=0.1,rate=0.2", `key "rate" given twice`},
		{"throttle:rate=0.1,color=red", `unknown key "color" for throttle; allowed keys: rate (required), api, service, region`},
		{"throttle:rate=0.1,service=sqs", `unknown service "sqs"`},
		{"throttle:rate=", `key "rate" has an empty value`},
		{"throttle:0.3", `argument 1 "0.3" is not key=value`},
		{"error:api=UpdateService", "error needs code=..."},
		{"error:code=X,count=-1", "count=-1 is out of range"},
		{"error:code=X,count=two", `count="two" is not an integer`},
		{"region-down", "region-down needs region=..."},
		{"region-down:us-east-1,us-west-2", `argument 1 "us-east-1" is not key=value`},
		{"lag-spike:cluster=g", "lag-spike needs seconds=..."},
		{"lag-spike:cluster=g,seconds=0", "seconds must be greater than 0"},
		{"capacity:region=us-west-2,service=lambda,percent=50", `service "lambda": capacity applies to ecs, asg or eks`},
		{"capacity:region=us-west-2,service=ecs,percent=101", "percent=101 is out of range [0, 100]"},
		{"arc-endpoint-down:index=5", "index=5 is out of range [0, 4]"},
		{"rate-limit:rps=0", "rps must be greater than 0"},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := ParseFault(tc.spec)
			var se *FaultSpecError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *FaultSpecError", err)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) || !strings.Contains(err.Error(), "fault spec") {
				t.Fatalf("err = %q, want it to contain %q", err, tc.wantMsg)
			}
		})
	}
}

func FuzzParseFault(f *testing.F) {
	for _, s := range []string{"throttle:rate=0.3", "region-down:us-east-1", "error:code=X,count=1,api=A", "lag-spike:cluster=c,seconds=4.5,hold=2", ":", "a=b", "capacity:region=r,service=ecs,percent=5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		got, err := ParseFault(spec)
		if err != nil {
			return
		}
		again, err := ParseFault(got.String())
		if err != nil {
			t.Fatalf("String() of a parsed fault does not parse: %q -> %q: %v", spec, got.String(), err)
		}
		if again.Kind != got.Kind || again.Region != got.Region || again.API != got.API {
			t.Fatalf("round trip changed the fault: %+v vs %+v", got, again)
		}
	})
}

func describeServices(ctx context.Context, w *World, region string) error {
	_, err := w.ECS(region).DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("payments"), Services: []string{"api"}})
	return err
}

func faultWorld(t *testing.T, seed int64) *World {
	t.Helper()
	w, err := New(Options{Clock: newFakeClock(), Regions: []string{east, west}, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{east, west} {
		if err := w.AddECSService(ECSServiceSpec{Region: r, Cluster: "payments", Service: "api", Desired: 2}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func TestFaultKinds(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		region  string
		wantErr func(error) bool
	}{
		{"throttle every call", "throttle:rate=1", east, func(err error) bool { return isCode(err, "ThrottlingException") }},
		{"throttle another API only", "throttle:api=UpdateService,rate=1", east, func(err error) bool { return err == nil }},
		{"error on a named call", "error:api=DescribeServices,region=us-east-1,code=InternalFailure", east, func(err error) bool {
			var ae smithy.APIError
			return errors.As(err, &ae) && ae.ErrorCode() == "InternalFailure" && ae.ErrorFault() == smithy.FaultServer
		}},
		{"error in another Region", "error:region=us-west-2,code=InternalFailure", east, func(err error) bool { return err == nil }},
		{"control plane down", "control-plane-down:us-east-1", east, func(err error) bool { return isCode(err, "ServiceUnavailable") }},
		{"region down", "region-down:us-east-1", east, IsUnreachable},
		{"other region down", "region-down:us-west-2", east, func(err error) bool { return err == nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := faultWorld(t, 1)
			id, err := w.InjectSpec(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			err = describeServices(t.Context(), w, tc.region)
			if !tc.wantErr(err) {
				t.Fatalf("err = %v", err)
			}
			var oe *smithy.OperationError
			if err != nil && (!errors.As(err, &oe) || oe.Service() != "ECS" || oe.Operation() != "DescribeServices") {
				t.Fatalf("err %v is not wrapped in an OperationError for ECS DescribeServices", err)
			}
			if err := w.Remove(id); err != nil {
				t.Fatal(err)
			}
			if err := describeServices(t.Context(), w, tc.region); err != nil {
				t.Fatalf("after removing the fault: %v", err)
			}
		})
	}
}

func TestErrorFaultCount(t *testing.T) {
	w := faultWorld(t, 1)
	if _, err := w.InjectSpec("error:api=DescribeServices,code=InternalFailure,count=2"); err != nil {
		t.Fatal(err)
	}
	var got []bool
	for range 4 {
		got = append(got, describeServices(t.Context(), w, east) != nil)
	}
	if want := []bool{true, true, false, false}; !equalBools(got, want) {
		t.Fatalf("failures = %v, want %v", got, want)
	}
	if n := len(w.Faults()); n != 0 {
		t.Fatalf("%d faults left after the count ran out", n)
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func throttlePattern(t *testing.T, seed int64, n int) []bool {
	w := faultWorld(t, seed)
	if _, err := w.InjectSpec("throttle:rate=0.3"); err != nil {
		t.Fatal(err)
	}
	var out []bool
	for range n {
		out = append(out, describeServices(t.Context(), w, east) != nil)
	}
	return out
}

func TestThrottleDeterminism(t *testing.T) {
	a, b, c := throttlePattern(t, 42, 1000), throttlePattern(t, 42, 1000), throttlePattern(t, 7, 1000)
	if !equalBools(a, b) {
		t.Fatal("same seed gave different throttling")
	}
	if equalBools(a, c) {
		t.Fatal("different seeds gave identical throttling")
	}
	n := 0
	for _, x := range a {
		if x {
			n++
		}
	}
	if n < 240 || n > 360 {
		t.Fatalf("throttled %d of 1000 calls at rate 0.3", n)
	}
}

func TestRateLimitAndLatency(t *testing.T) {
	w := faultWorld(t, 1)
	clk := w.Clock().(*fakeClock)
	if err := w.SetRateLimit("ecs", "DescribeServices", 2, 2); err != nil {
		t.Fatal(err)
	}
	var got []bool
	for range 3 {
		got = append(got, describeServices(t.Context(), w, east) == nil)
	}
	if !equalBools(got, []bool{true, true, false}) {
		t.Fatalf("burst of 2: ok = %v", got)
	}
	if err := describeServices(t.Context(), w, west); err != nil {
		t.Fatalf("buckets are per Region: %v", err)
	}
	clk.Advance(500 * time.Millisecond)
	if err := describeServices(t.Context(), w, east); err != nil {
		t.Fatalf("after refill: %v", err)
	}
	if err := w.SetRateLimit("sqs", "", 1, 1); err == nil {
		t.Fatal("unknown service accepted")
	}
	w.SetLatency(50 * time.Millisecond)
	if _, err := w.InjectSpec("latency:ms=25,api=DescribeServices"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second) // refill
	before := clk.Now()
	if err := describeServices(t.Context(), w, west); err != nil {
		t.Fatal(err)
	}
	if d := clk.Now().Sub(before); d != 75*time.Millisecond {
		t.Fatalf("call took %s of clock time, want 75ms", d)
	}
	if _, err := w.InjectSpec("rate-limit:api=DescribeServices,rps=1,burst=1,region=us-west-2"); err != nil {
		t.Fatal(err)
	}
	_ = describeServices(t.Context(), w, west)
	if err := describeServices(t.Context(), w, west); !isCode(err, "Throttling") {
		t.Fatalf("rate-limit fault: %v", err)
	}
}

func TestCallAccounting(t *testing.T) {
	w := faultWorld(t, 1)
	for range 3 {
		_ = describeServices(t.Context(), w, east)
	}
	_ = describeServices(t.Context(), w, west)
	_, _ = w.RDS(east).DescribeGlobalClusters(t.Context(), &rds.DescribeGlobalClustersInput{})
	if n := w.CallCount("ecs", "DescribeServices", east); n != 3 {
		t.Fatalf("ecs DescribeServices us-east-1 = %d, want 3", n)
	}
	if n := w.CallCount("", "", ""); n != 5 {
		t.Fatalf("total = %d, want 5", n)
	}
	if n := w.Calls()[CallKey{Service: "RDS", API: "DescribeGlobalClusters", Region: east}]; n != 1 {
		t.Fatalf("rds calls = %d", n)
	}
	w.ResetCalls()
	if n := w.CallCount("", "", ""); n != 0 {
		t.Fatalf("after reset = %d", n)
	}
}

func TestInjectErrors(t *testing.T) {
	w := faultWorld(t, 1)
	for _, f := range []Fault{
		{Kind: FaultRegionDown, Region: "mars-1"},
		{Kind: FaultLagSpike, Cluster: "nope", Seconds: 3},
		{Kind: FaultARCEndpointDown, Cluster: "nope"},
		{Kind: "meteor"},
	} {
		if _, err := w.Inject(f); err == nil {
			t.Errorf("Inject(%+v) succeeded", f)
		}
	}
}

func TestLambdaSecretsIAM(t *testing.T) {
	w, _ := newTestWorld(t)
	arn := "arn:aws:lambda:us-west-2:123456789012:function:warm"
	if err := w.AddFunction(arn, func(_ context.Context, p []byte) ([]byte, error) {
		if string(p) == `"fail"` {
			return nil, errors.New("boom")
		}
		return append([]byte(`{"echo":`), append(p, '}')...), nil
	}); err != nil {
		t.Fatal(err)
	}
	lc := w.Lambda(west)
	out, err := lc.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("warm"), Payload: []byte(`1`)})
	if err != nil || string(out.Payload) != `{"echo":1}` || out.FunctionError != nil {
		t.Fatalf("invoke: %v %+v", err, out)
	}
	out, err = lc.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String(arn), Payload: []byte(`"fail"`)})
	if err != nil || aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), "boom") {
		t.Fatalf("function error: %v %+v", err, out)
	}
	if _, err := w.Lambda(east).Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("warm")}); !isCode(err, "ResourceNotFoundException") {
		t.Fatalf("function in another Region: %v", err)
	}
	out, err = lc.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("warm"), InvocationType: lambdatypes.InvocationTypeDryRun})
	if err != nil || out.StatusCode != 204 {
		t.Fatalf("dry run: %v %+v", err, out)
	}

	if err := w.AddSecret(west, "db-password", "s3cr3t"); err != nil {
		t.Fatal(err)
	}
	sv, err := w.SecretsManager(west).GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("db-password")})
	if err != nil || aws.ToString(sv.SecretString) != "s3cr3t" {
		t.Fatalf("secret: %v", err)
	}
	if _, err := w.SecretsManager(east).DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("db-password")}); !isCode(err, "ResourceNotFoundException") {
		t.Fatalf("secret not replicated to us-east-1: %v", err)
	}

	role := "arn:aws:iam::123456789012:role/switchyard-exec"
	w.AllowActions(role, "rds:*", "ecs:UpdateService")
	sim, err := w.IAM().SimulatePrincipalPolicy(t.Context(), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(role),
		ActionNames: []string{"rds:SwitchoverGlobalCluster", "ECS:updateservice", "route53:ChangeResourceRecordSets"}})
	if err != nil {
		t.Fatal(err)
	}
	var decisions []string
	for _, r := range sim.EvaluationResults {
		decisions = append(decisions, string(r.EvalDecision))
	}
	if want := []string{"allowed", "allowed", "implicitDeny"}; !equalStrings(decisions, want) {
		t.Fatalf("decisions = %v, want %v", decisions, want)
	}
	if _, err := w.IAM().SimulatePrincipalPolicy(t.Context(), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:nope"), ActionNames: []string{"a:b"}}); !isCode(err, "NoSuchEntity") {
		t.Fatalf("unknown role: %v", err)
	}
}
