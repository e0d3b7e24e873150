package blocks

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/switchyard-dev/switchyard/shared/awsapi"
	"github.com/switchyard-dev/switchyard/shared/errclass"
	"github.com/switchyard-dev/switchyard/shared/plan"
)

// FenceFlags reads and writes application write-fence flags: the SSM
// parameter or DynamoDB item a Fence step names, in region. Get's found is
// false for a flag that does not exist yet. By default the fence block
// reaches the flags through the registry's awsapi.Clients (SSM
// GetParameter/PutParameter, DynamoDB GetItem/UpdateItem); WithFenceFlags
// replaces that, for callers that keep the flags elsewhere.
type FenceFlags interface {
	Get(ctx context.Context, region string, f *plan.Fence) (value string, found bool, err error)
	Set(ctx context.Context, region string, f *plan.Fence) error
}

// WithFenceFlags replaces how the fence block reaches its flags (default:
// SSM and DynamoDB through the registry's awsapi.Clients).
func WithFenceFlags(f FenceFlags) Option { return func(o *deps) { o.fence = f } }

// fenceValue is the value a fence step writes.
func fenceValue(f *plan.Fence) string {
	if f.Value == "" {
		return "fenced"
	}
	return f.Value
}

// ClientFenceFlags is the default FenceFlags: the parameter through
// Parameter Store, the item through DynamoDB, in the flag's Region.
type ClientFenceFlags struct {
	Clients awsapi.Clients
}

var _ FenceFlags = ClientFenceFlags{}

// ssmParameterName is the name Parameter Store knows an ARN's parameter
// by: "/a/b" for arn:…:parameter/a/b, "name" for arn:…:parameter/name
// (PutParameter takes names only).
func ssmParameterName(arn string) (string, error) {
	a, err := plan.ParseARN(arn)
	if err != nil || a.Service != "ssm" || !strings.HasPrefix(a.Resource, "parameter/") || a.Resource == "parameter/" {
		return "", &errclass.InvalidInput{Field: "ssmParameter", Message: fmt.Sprintf("%q is not an SSM parameter ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME)", arn)}
	}
	name := strings.TrimPrefix(a.Resource, "parameter")
	if strings.Count(name, "/") == 1 {
		name = name[1:]
	}
	return name, nil
}

func itemKey(it *plan.FenceItem) map[string]ddbtypes.AttributeValue {
	key := make(map[string]ddbtypes.AttributeValue, len(it.Key))
	for k, v := range it.Key {
		key[k] = &ddbtypes.AttributeValueMemberS{Value: v}
	}
	return key
}

// Get implements FenceFlags: a missing parameter, item or attribute is
// found=false; an attribute that is not a string reads as "".
func (c ClientFenceFlags) Get(ctx context.Context, region string, f *plan.Fence) (string, bool, error) {
	if it := f.DynamoDBItem; it != nil {
		out, err := c.Clients.DynamoDB(region).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(it.Table), Key: itemKey(it), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return "", false, err
		}
		v, ok := out.Item[it.Attribute]
		if !ok {
			return "", false, nil
		}
		if s, isS := v.(*ddbtypes.AttributeValueMemberS); isS {
			return s.Value, true, nil
		}
		return "", true, nil
	}
	out, err := c.Clients.SSM(region).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(f.SSMParameter)})
	var nf *ssmtypes.ParameterNotFound
	if errors.As(err, &nf) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if out.Parameter == nil {
		return "", false, nil
	}
	return aws.ToString(out.Parameter.Value), true, nil
}

// Set implements FenceFlags: PutParameter with Overwrite (a String
// parameter), or UpdateItem SET attribute = value (creating the item).
func (c ClientFenceFlags) Set(ctx context.Context, region string, f *plan.Fence) error {
	value := fenceValue(f)
	if it := f.DynamoDBItem; it != nil {
		_, err := c.Clients.DynamoDB(region).UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(it.Table), Key: itemKey(it),
			UpdateExpression:          aws.String("SET #fence = :fence"),
			ExpressionAttributeNames:  map[string]string{"#fence": it.Attribute},
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":fence": &ddbtypes.AttributeValueMemberS{Value: value}},
		})
		return err
	}
	name, err := ssmParameterName(f.SSMParameter)
	if err != nil {
		return err
	}
	_, err = c.Clients.SSM(region).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value),
		Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true)})
	return err
}

// fence sets a write-fence flag, normally in the Region being left, through
// SSM Parameter Store or DynamoDB (ClientFenceFlags unless WithFenceFlags
// replaced it). Observe → compare → act: it reads the flag and writes Value
// only when it differs, then reads it back. In ungraceful mode a flag in the
// source Region is never called: the step completes with fenced=false and
// skipped=true, even with mustSucceed (which binds graceful runs).
// Otherwise it is best effort unless mustSucceed: when the flag's Region
// does not answer (network, throttling or server errors) the step completes
// with fenced=false and the reason in its outputs; with mustSucceed that
// is a Retryable error. Other errors (access denied, no such table, a bad
// ARN) fail the step: they are configuration errors readiness reports.
type fence struct{ *deps }

// fenceRegion is the Region of the flag: its ARN's, else the source's.
func fenceRegion(req Request, f *plan.Fence) string {
	arn := f.SSMParameter
	if f.DynamoDBItem != nil {
		arn = f.DynamoDBItem.Table
	}
	if r := arnRegion(arn); r != "" {
		return r
	}
	return req.Source
}

// fenceName names the flag in messages: the parameter's name, or
// table.attribute.
func fenceName(f *plan.Fence) string {
	if f.DynamoDBItem != nil {
		return arnName(f.DynamoDBItem.Table) + "." + f.DynamoDBItem.Attribute
	}
	if n, err := ssmParameterName(f.SSMParameter); err == nil {
		return n
	}
	return arnName(f.SSMParameter)
}

// flags is how the block reaches the flags.
func (b *fence) flags() FenceFlags {
	if b.fence != nil {
		return b.fence
	}
	return ClientFenceFlags{Clients: b.clients}
}

func (b *fence) Start(ctx context.Context, req Request) (Progress, error) {
	cfg, err := configOf[*plan.Fence](req)
	if err != nil {
		return Progress{}, err
	}
	region := fenceRegion(req, cfg)
	name := fenceName(cfg)
	via := "ssm"
	if cfg.DynamoDBItem != nil {
		via = "dynamodb"
	}
	if req.Mode == Ungraceful && region == req.Source {
		// mustSucceed binds graceful runs: in ungraceful mode the source
		// Region is never called, so the fence is recorded as not set.
		reason := fmt.Sprintf("ungraceful mode never calls the source Region %s", region)
		return Progress{Done: true, Outputs: map[string]any{"fenced": false, "skipped": true, "region": region, "flag": name, "via": via, "reason": reason},
			Message: fmt.Sprintf("write fence %s in %s not set: %s", name, region, reason)}, nil
	}
	unanswered := func(cause error) (Progress, error) {
		if cfg.MustSucceed {
			return Progress{}, &errclass.Retryable{Op: fmt.Sprintf("fencing %s in %s (mustSucceed)", name, region), Err: cause}
		}
		reason := "the flag's Region did not answer: " + cause.Error()
		return Progress{Done: true, Outputs: map[string]any{"fenced": false, "region": region, "flag": name, "via": via, "reason": reason},
			Message: fmt.Sprintf("write fence %s in %s not set (best effort): %s", name, region, reason)}, nil
	}
	flags := b.flags()
	value := fenceValue(cfg)
	wrote := false
	for range 2 {
		got, found, err := flags.Get(ctx, region, cfg)
		if err != nil {
			if errclass.IsRetryable(err) {
				return unanswered(err)
			}
			return Progress{}, errclass.Classify(fmt.Sprintf("reading write fence %s in %s", name, region), err)
		}
		if found && got == value {
			msg := fmt.Sprintf("write fence %s in %s is %q (already set)", name, region, value)
			if wrote {
				msg = fmt.Sprintf("write fence %s in %s set to %q through %s", name, region, value, via)
			}
			return Progress{Done: true, Outputs: map[string]any{"fenced": true, "region": region, "flag": name, "via": via, "changed": wrote}, Message: msg}, nil
		}
		if err := flags.Set(ctx, region, cfg); err != nil {
			if errclass.IsRetryable(err) {
				return unanswered(err)
			}
			return Progress{}, errclass.Classify(fmt.Sprintf("setting write fence %s in %s", name, region), err)
		}
		wrote = true
		b.log.InfoContext(ctx, "write fence set", "step", stepName(req), "flag", name, "region", region, "via", via)
	}
	return Progress{}, &errclass.Retryable{Op: fmt.Sprintf("setting write fence %s in %s", name, region), Err: errors.New("the flag does not read back as written")}
}

func (b *fence) Poll(ctx context.Context, req Request) (Progress, error) { return b.Start(ctx, req) }

// Check: the flag can be read (a warning otherwise: the step is best
// effort unless mustSucceed). A flag that does not exist yet is fine: the
// step creates it.
func (b *fence) Check(ctx context.Context, req Request) ([]Finding, error) {
	cfg, err := configOf[*plan.Fence](req)
	if err != nil {
		return nil, err
	}
	sev := "warning"
	if cfg.MustSucceed {
		sev = "error"
	}
	region := fenceRegion(req, cfg)
	if _, _, err := b.flags().Get(ctx, region, cfg); err != nil {
		return []Finding{{Severity: sev, Resource: fenceName(cfg), Check: "fence/readable", Message: fmt.Sprintf("cannot read write fence %s in %s: %v", fenceName(cfg), region, err)}}, nil
	}
	return nil, nil
}
