package sim

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/switchyard-dev/switchyard/shared/plan"
)

const esmUUID = "1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"

func esmWorld(t *testing.T) (*World, *fakeClock) {
	t.Helper()
	w, clk := newTestWorld(t)
	if err := w.AddEventSourceMapping(ESMSpec{Region: west, UUID: esmUUID, FunctionARN: "arn:aws:lambda:us-west-2:123456789012:function:consumer",
		EventSourceARN: "arn:aws:sqs:us-west-2:123456789012:payments"}); err != nil {
		t.Fatal(err)
	}
	return w, clk
}

func TestEventSourceMappingLifecycle(t *testing.T) {
	w, clk := esmWorld(t)
	ctx := t.Context()
	l := w.Lambda(west)
	get := func() string {
		t.Helper()
		out, err := l.GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: aws.String(esmUUID)})
		if err != nil {
			t.Fatalf("GetEventSourceMapping: %v", err)
		}
		if aws.ToString(out.FunctionArn) == "" || aws.ToString(out.EventSourceMappingArn) != "arn:aws:lambda:us-west-2:123456789012:event-source-mapping:"+esmUUID {
			t.Errorf("output %+v lacks the function or mapping ARN", out)
		}
		return aws.ToString(out.State)
	}
	update := func(enabled bool) (string, error) {
		out, err := l.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{UUID: aws.String(esmUUID), Enabled: aws.Bool(enabled)})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.State), nil
	}
	d := w.Durations().ESMTransition
	steps := []struct {
		name    string
		act     func() (string, error)
		want    string
		wantErr bool
	}{
		{name: "starts disabled", act: func() (string, error) { return get(), nil }, want: "Disabled"},
		{name: "enable answers Enabling", act: func() (string, error) { return update(true) }, want: "Enabling"},
		{name: "still enabling just before the transition ends", act: func() (string, error) { clk.Advance(d - time.Millisecond); return get(), nil }, want: "Enabling"},
		{name: "disabling while enabling is refused", act: func() (string, error) { return update(false) }, wantErr: true},
		{name: "enabled once the transition ends", act: func() (string, error) { clk.Advance(time.Millisecond); return get(), nil }, want: "Enabled"},
		{name: "enabling again changes nothing", act: func() (string, error) { return update(true) }, want: "Enabled"},
		{name: "disable answers Disabling", act: func() (string, error) { return update(false) }, want: "Disabling"},
		{name: "disabled later", act: func() (string, error) { clk.Advance(d); return get(), nil }, want: "Disabled"},
	}
	for _, s := range steps {
		got, err := s.act()
		var inUse *lambdatypes.ResourceInUseException
		if s.wantErr != errors.As(err, &inUse) {
			t.Fatalf("%s: error %v, want ResourceInUseException: %v", s.name, err, s.wantErr)
		}
		if !s.wantErr && got != s.want {
			t.Fatalf("%s: state %s, want %s", s.name, got, s.want)
		}
	}
	if st, err := w.EventSourceMappingState(esmUUID); err != nil || st != "Disabled" {
		t.Errorf("EventSourceMappingState = %s, %v", st, err)
	}
}

func TestEventSourceMappingErrors(t *testing.T) {
	tests := []struct {
		name   string
		region string
		uuid   string
		fault  string
		check  func(error) bool
	}{
		{name: "unknown UUID", region: west, uuid: "00000000-0000-0000-0000-000000000000", check: isType[*lambdatypes.ResourceNotFoundException]},
		{name: "another Region's mapping", region: east, uuid: esmUUID, check: isType[*lambdatypes.ResourceNotFoundException]},
		{name: "Region down", region: west, uuid: esmUUID, fault: "region-down:us-west-2", check: IsUnreachable},
		{name: "control plane down", region: west, uuid: esmUUID, fault: "control-plane-down:us-west-2", check: func(err error) bool { return isCode(err, "ServiceUnavailable") }},
		{name: "throttled", region: west, uuid: esmUUID, fault: "throttle:service=lambda,api=GetEventSourceMapping,rate=1", check: func(err error) bool { return isCode(err, "TooManyRequestsException") }},
		{name: "injected error", region: west, uuid: esmUUID, fault: "error:api=GetEventSourceMapping,code=ServiceException", check: func(err error) bool { return isCode(err, "ServiceException") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := esmWorld(t)
			if tt.fault != "" {
				if _, err := w.InjectSpec(tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			w.ResetCalls()
			_, err := w.Lambda(tt.region).GetEventSourceMapping(t.Context(), &lambda.GetEventSourceMappingInput{UUID: aws.String(tt.uuid)})
			var oe *smithy.OperationError
			if !errors.As(err, &oe) || oe.OperationName != "GetEventSourceMapping" || !tt.check(err) {
				t.Errorf("error = %v (%T)", err, err)
			}
			if n := w.CallCount("lambda", "GetEventSourceMapping", tt.region); n != 1 {
				t.Errorf("calls counted = %d, want 1", n)
			}
		})
	}
}

func isType[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func TestAddEventSourceMappingValidation(t *testing.T) {
	tests := []struct {
		name string
		spec ESMSpec
		want error
	}{
		{name: "unknown Region", spec: ESMSpec{Region: "ap-south-1", UUID: "u", FunctionARN: "arn:aws:lambda:ap-south-1:123456789012:function:f"}, want: ErrUnknownRegion},
		{name: "duplicate", spec: ESMSpec{Region: west, UUID: esmUUID, FunctionARN: "arn:aws:lambda:us-west-2:123456789012:function:f"}, want: ErrDuplicate},
		{name: "function in another Region", spec: ESMSpec{Region: west, UUID: "u2", FunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:f"}},
		{name: "empty UUID", spec: ESMSpec{Region: west, FunctionARN: "arn:aws:lambda:us-west-2:123456789012:function:f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := esmWorld(t)
			err := w.AddEventSourceMapping(tt.spec)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("error = %v, want one wrapping %v", err, tt.want)
			}
		})
	}
}

func TestParameterStore(t *testing.T) {
	w, clk := newTestWorld(t)
	ctx := t.Context()
	if err := w.AddParameter(east, "/payments/write-fence", "open"); err != nil {
		t.Fatal(err)
	}
	s := w.SSM(east)
	arn := "arn:aws:ssm:us-east-1:123456789012:parameter/payments/write-fence"
	tests := []struct {
		name    string
		run     func() (any, error)
		check   func(out any) bool
		wantErr func(error) bool
	}{
		{name: "get by name", run: func() (any, error) {
			return s.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/payments/write-fence")})
		}, check: func(o any) bool {
			p := o.(*ssm.GetParameterOutput).Parameter
			return aws.ToString(p.Value) == "open" && p.Version == 1 && aws.ToString(p.ARN) == arn
		}},
		{name: "get by ARN", run: func() (any, error) { return s.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(arn)}) },
			check: func(o any) bool { return aws.ToString(o.(*ssm.GetParameterOutput).Parameter.Value) == "open" }},
		{name: "missing", run: func() (any, error) { return s.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/nope")}) },
			wantErr: isType[*ssmtypes.ParameterNotFound]},
		{name: "no cross-Region replication", run: func() (any, error) {
			return w.SSM(west).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/payments/write-fence")})
		}, wantErr: isType[*ssmtypes.ParameterNotFound]},
		{name: "put without overwrite", run: func() (any, error) {
			return s.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/payments/write-fence"), Value: aws.String("fenced")})
		}, wantErr: isType[*ssmtypes.ParameterAlreadyExists]},
		{name: "put an ARN", run: func() (any, error) {
			return s.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(arn), Value: aws.String("fenced"), Overwrite: aws.Bool(true)})
		}, wantErr: func(err error) bool { return isCode(err, "ValidationException") }},
		{name: "put with overwrite", run: func() (any, error) {
			clk.Advance(time.Second)
			return s.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/payments/write-fence"), Value: aws.String("fenced"), Overwrite: aws.Bool(true)})
		}, check: func(o any) bool {
			v, _ := w.Parameter(east, "/payments/write-fence")
			return o.(*ssm.PutParameterOutput).Version == 2 && v == "fenced"
		}},
		{name: "create", run: func() (any, error) {
			return s.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("top"), Value: aws.String("x")})
		}, check: func(o any) bool {
			v, ok := w.Parameter(east, "top")
			return ok && v == "x" && o.(*ssm.PutParameterOutput).Version == 1
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.run()
			if tt.wantErr != nil {
				if !tt.wantErr(err) {
					t.Fatalf("error = %v (%T)", err, err)
				}
				return
			}
			if err != nil || !tt.check(out) {
				t.Fatalf("output %+v, error %v", out, err)
			}
		})
	}
}

func TestParameterStoreAvailability(t *testing.T) {
	tests := []struct {
		name    string
		fault   string
		getOK   bool
		putCode string // "" = succeeds; "dial" = unreachable
	}{
		{name: "up", getOK: true},
		{name: "control plane down: reads work, writes do not", fault: "control-plane-down:us-east-1", getOK: true, putCode: "ServiceUnavailable"},
		{name: "Region down", fault: "region-down:us-east-1", putCode: "dial"},
		{name: "throttled writes", fault: "throttle:service=ssm,api=PutParameter,rate=1", getOK: true, putCode: "ThrottlingException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := newTestWorld(t)
			if err := w.AddParameter(east, "flag", "open"); err != nil {
				t.Fatal(err)
			}
			if tt.fault != "" {
				if _, err := w.InjectSpec(tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			_, err := w.SSM(east).GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("flag")})
			if (err == nil) != tt.getOK {
				t.Errorf("GetParameter error = %v, want ok=%v", err, tt.getOK)
			}
			_, err = w.SSM(east).PutParameter(t.Context(), &ssm.PutParameterInput{Name: aws.String("flag"), Value: aws.String("fenced"), Overwrite: aws.Bool(true)})
			switch tt.putCode {
			case "":
				if err != nil {
					t.Errorf("PutParameter: %v", err)
				}
			case "dial":
				if !IsUnreachable(err) {
					t.Errorf("PutParameter error = %v, want unreachable", err)
				}
			default:
				if !isCode(err, tt.putCode) {
					t.Errorf("PutParameter error = %v, want %s", err, tt.putCode)
				}
			}
		})
	}
}

func key(app string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{"app": &ddbtypes.AttributeValueMemberS{Value: app}}
}

func strAttr(item map[string]ddbtypes.AttributeValue, name string) string {
	if s, ok := item[name].(*ddbtypes.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func TestDynamoDBGlobalTable(t *testing.T) {
	w, clk := newTestWorld(t)
	ctx := t.Context()
	if err := w.AddTable(TableSpec{Region: east, Name: "flags", PartitionKey: "app", Replicas: []string{west}}); err != nil {
		t.Fatal(err)
	}
	tableARN := "arn:aws:dynamodb:us-east-1:123456789012:table/flags"
	out, err := w.DynamoDB(east).UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(tableARN), Key: key("payments"),
		UpdateExpression:          aws.String("SET #f = :v, note = :n"),
		ExpressionAttributeNames:  map[string]string{"#f": "fence"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":v": &ddbtypes.AttributeValueMemberS{Value: "fenced"}, ":n": &ddbtypes.AttributeValueMemberS{Value: "drill"}},
		ReturnValues:              ddbtypes.ReturnValueAllNew})
	if err != nil {
		t.Fatal(err)
	}
	if strAttr(out.Attributes, "fence") != "fenced" || strAttr(out.Attributes, "app") != "payments" {
		t.Errorf("ALL_NEW = %+v", out.Attributes)
	}
	read := func(region string) map[string]ddbtypes.AttributeValue {
		t.Helper()
		got, err := w.DynamoDB(region).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("flags"), Key: key("payments"), ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatalf("GetItem in %s: %v", region, err)
		}
		return got.Item
	}
	if got := strAttr(read(east), "fence"); got != "fenced" {
		t.Errorf("east fence = %q", got)
	}
	if got := read(west); got != nil {
		t.Errorf("west replica has %+v before replication", got)
	}
	clk.Advance(w.Durations().DynamoDBReplication)
	if got := strAttr(read(west), "fence"); got != "fenced" {
		t.Errorf("west fence after replication = %q", got)
	}
	// A later write in the other Region wins everywhere.
	if _, err := w.DynamoDB(west).UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("flags"), Key: key("payments"),
		UpdateExpression: aws.String("REMOVE note SET fence = :v"), ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":v": &ddbtypes.AttributeValueMemberS{Value: "open"}}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(w.Durations().DynamoDBReplication)
	for _, r := range []string{east, west} {
		item := read(r)
		if strAttr(item, "fence") != "open" || item["note"] != nil {
			t.Errorf("%s item = %+v, want fence=open and no note", r, item)
		}
	}
	if got := read(east); got == nil {
		t.Fatal("item vanished")
	}
	if _, ok := w.Item(west, "flags", map[string]string{"app": "other"}); ok {
		t.Error("Item found an item never written")
	}
}

func TestDynamoDBErrors(t *testing.T) {
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	tests := []struct {
		name  string
		in    *dynamodb.UpdateItemInput
		fault string
		want  func(error) bool
	}{
		{name: "no such table", in: &dynamodb.UpdateItemInput{TableName: aws.String("nope"), Key: key("a"), UpdateExpression: aws.String("SET f = :v"),
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":v": s("x")}}, want: isType[*ddbtypes.ResourceNotFoundException]},
		{name: "table ARN of another Region", in: &dynamodb.UpdateItemInput{TableName: aws.String("arn:aws:dynamodb:us-west-2:123456789012:table/flags"), Key: key("a"),
			UpdateExpression: aws.String("SET f = :v"), ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":v": s("x")}}, want: isType[*ddbtypes.ResourceNotFoundException]},
		{name: "key does not match the schema", in: &dynamodb.UpdateItemInput{TableName: aws.String("flags"), Key: map[string]ddbtypes.AttributeValue{"id": s("a")},
			UpdateExpression: aws.String("SET f = :v"), ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":v": s("x")}}, want: validation},
		{name: "updating the key", in: &dynamodb.UpdateItemInput{TableName: aws.String("flags"), Key: key("a"),
			UpdateExpression: aws.String("SET app = :v"), ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":v": s("x")}}, want: validation},
		{name: "undefined value", in: &dynamodb.UpdateItemInput{TableName: aws.String("flags"), Key: key("a"), UpdateExpression: aws.String("SET f = :w"),
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":v": s("x")}}, want: validation},
		{name: "unused value", in: &dynamodb.UpdateItemInput{TableName: aws.String("flags"), Key: key("a"), UpdateExpression: aws.String("REMOVE f"),
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":v": s("x")}}, want: validation},
		{name: "conditions are not modelled", in: &dynamodb.UpdateItemInput{TableName: aws.String("flags"), Key: key("a"), UpdateExpression: aws.String("SET f = :v"),
			ConditionExpression: aws.String("attribute_exists(app)"), ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":v": s("x")}}, want: validation},
		{name: "ADD is not modelled", in: &dynamodb.UpdateItemInput{TableName: aws.String("flags"), Key: key("a"), UpdateExpression: aws.String("ADD n :v"),
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":v": &ddbtypes.AttributeValueMemberN{Value: "1"}}}, want: validation},
		{name: "Region down", in: &dynamodb.UpdateItemInput{TableName: aws.String("flags"), Key: key("a"), UpdateExpression: aws.String("SET f = :v"),
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":v": s("x")}}, fault: "region-down:us-east-1", want: IsUnreachable},
		{name: "throttled", in: &dynamodb.UpdateItemInput{TableName: aws.String("flags"), Key: key("a"), UpdateExpression: aws.String("SET f = :v"),
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":v": s("x")}}, fault: "throttle:service=dynamodb,rate=1", want: func(err error) bool { return isCode(err, "ThrottlingException") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := newTestWorld(t)
			if err := w.AddTable(TableSpec{Region: east, Name: "flags", PartitionKey: "app", Replicas: []string{west}}); err != nil {
				t.Fatal(err)
			}
			if tt.fault != "" {
				if _, err := w.InjectSpec(tt.fault); err != nil {
					t.Fatal(err)
				}
			}
			_, err := w.DynamoDB(east).UpdateItem(t.Context(), tt.in)
			if !tt.want(err) {
				t.Errorf("error = %v (%T)", err, err)
			}
			if _, ok := w.Item(east, "flags", map[string]string{"app": "a"}); ok {
				t.Error("a failed UpdateItem wrote the item")
			}
		})
	}
}

func validation(err error) bool { return isCode(err, "ValidationException") }

func TestAddPlanResources(t *testing.T) {
	const (
		westESM = "arn:aws:lambda:us-west-2:123456789012:event-source-mapping:" + esmUUID
		param   = "arn:aws:ssm:us-east-1:123456789012:parameter/payments/write-fence"
		table   = "arn:aws:dynamodb:us-east-1:123456789012:table/flags"
	)
	p := &plan.Plan{Metadata: plan.Metadata{Name: "payments"}, Spec: plan.Spec{Regions: []string{east, west}, Workflows: []plan.Workflow{{
		Name: "failover", Region: west, Stages: []plan.Stage{{Name: "s", Steps: []plan.Step{
			{Name: "fence", Block: "fence", With: &plan.Fence{SSMParameter: param}},
			{Name: "fence-item", Block: "fence", With: &plan.Fence{DynamoDBItem: &plan.FenceItem{Table: table, Key: map[string]string{"app": "payments"}, Attribute: "writes"}}},
			{Name: "resume", Block: "event-source-mapping", With: &plan.EventSourceMapping{Mappings: []string{westESM}, State: "enabled"}},
			{Name: "pause", Block: "event-source-mapping", With: &plan.EventSourceMapping{Mappings: []string{"2b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"}, State: "disabled"}},
		}}},
	}}}}
	w, _ := newTestWorld(t)
	for range 2 { // idempotent
		if err := w.AddPlanResources(p); err != nil {
			t.Fatal(err)
		}
	}
	checks := []struct {
		name string
		ok   func() bool
	}{
		{name: "mapping a step enables starts disabled", ok: func() bool { s, err := w.EventSourceMappingState(esmUUID); return err == nil && s == "Disabled" }},
		{name: "mapping a step disables starts enabled", ok: func() bool {
			s, err := w.EventSourceMappingState("2b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b")
			return err == nil && s == "Enabled"
		}},
		{name: "parameter", ok: func() bool { v, ok := w.Parameter(east, "/payments/write-fence"); return ok && v == UnfencedValue }},
		{name: "item in the table's Region", ok: func() bool {
			it, ok := w.Item(east, "flags", map[string]string{"app": "payments"})
			return ok && strAttr(it, "writes") == UnfencedValue
		}},
		{name: "global-table replica in the other plan Region", ok: func() bool {
			_, err := w.DynamoDB(west).GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String("flags"), Key: key("payments")})
			return err == nil
		}},
	}
	for _, c := range checks {
		if !c.ok() {
			t.Errorf("%s: not as expected", c.name)
		}
	}
	bad := &plan.Plan{Metadata: plan.Metadata{Name: "bad"}, Spec: plan.Spec{Workflows: []plan.Workflow{{Name: "w", Region: west, Stages: []plan.Stage{{Steps: []plan.Step{
		{Name: "fence", With: &plan.Fence{SSMParameter: "arn:aws:s3:::bucket"}}}}}}}}}
	if err := w.AddPlanResources(bad); err == nil {
		t.Error("a fence parameter that is not an SSM ARN was accepted")
	}
}

func TestParameterARN(t *testing.T) {
	tests := []struct {
		arn, region, name string
		wantErr           bool
	}{
		{arn: "arn:aws:ssm:us-east-1:123456789012:parameter/payments/write-fence", region: "us-east-1", name: "/payments/write-fence"},
		{arn: "arn:aws:ssm:eu-west-1:123456789012:parameter/flag", region: "eu-west-1", name: "flag"},
		{arn: "arn:aws:ssm:us-east-1:123456789012:parameter/", wantErr: true},
		{arn: "arn:aws:s3:::bucket", wantErr: true},
		{arn: "flag", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			r, n, err := ParameterARN(tt.arn)
			if (err != nil) != tt.wantErr || r != tt.region || n != tt.name {
				t.Errorf("ParameterARN = %q, %q, %v", r, n, err)
			}
		})
	}
}
