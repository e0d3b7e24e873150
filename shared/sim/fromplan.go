package sim

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-dev/switchyard/shared/plan"
)

// UnfencedValue is the value AddPlanResources gives a write-fence
// parameter or attribute before any fence step ran.
const UnfencedValue = "open"

// AddPlanResources adds what the plans' event-source-mapping and fence
// steps name, so that those steps change something real in a drill:
//
//   - every event source mapping (ARN, or UUID in its workflow's Region),
//     in the state opposite to the first step that sets it (a mapping a
//     failover enables starts Disabled, as on a warm standby), with a
//     function named esm-UUID;
//   - every SSM write-fence parameter, holding UnfencedValue;
//   - every DynamoDB write-fence table, as a global table with a replica in
//     each of the plan's Regions, its partition key the first key attribute
//     in name order (the sort key the second), and the fence item holding
//     UnfencedValue.
//
// Resources that already exist are kept as they are.
func (w *World) AddPlanResources(plans ...*plan.Plan) error {
	for _, p := range plans {
		if p == nil {
			continue
		}
		for wi := range p.Spec.Workflows {
			wf := &p.Spec.Workflows[wi]
			for si := range wf.Stages {
				for ti := range wf.Stages[si].Steps {
					step := &wf.Stages[si].Steps[ti]
					var err error
					switch cfg := step.With.(type) {
					case *plan.EventSourceMapping:
						err = w.planMappings(wf.Region, cfg)
					case *plan.Fence:
						err = w.planFence(p.Spec.Regions, cfg)
					}
					if err != nil {
						return fmt.Errorf("plan %s, workflow %s, step %s: %w", p.Metadata.Name, wf.Name, step.Name, err)
					}
				}
			}
		}
	}
	return nil
}

// IgnoreDuplicate treats ErrDuplicate as success: builders that complete a
// world (readiness, the drill, dev serve) may add a resource another one
// already added.
func IgnoreDuplicate(err error) error {
	if errors.Is(err, ErrDuplicate) {
		return nil
	}
	return err
}

func (w *World) planMappings(region string, cfg *plan.EventSourceMapping) error {
	for _, m := range cfg.Mappings {
		r, uuid := region, m
		if strings.HasPrefix(m, "arn:") {
			parts := strings.Split(m, ":")
			if len(parts) != 7 || parts[2] != "lambda" || parts[5] != "event-source-mapping" {
				return fmt.Errorf("event source mapping %q: want arn:aws:lambda:REGION:ACCOUNT:event-source-mapping:UUID", m)
			}
			r, uuid = parts[3], parts[6]
		}
		err := w.AddEventSourceMapping(ESMSpec{Region: r, UUID: uuid, Enabled: cfg.State != "enabled",
			FunctionARN: fmt.Sprintf("arn:aws:lambda:%s:%s:function:esm-%s", r, w.account, uuid)})
		if err = IgnoreDuplicate(err); err != nil {
			return err
		}
	}
	return nil
}

func (w *World) planFence(regions []string, cfg *plan.Fence) error {
	if cfg.DynamoDBItem == nil {
		region, name, err := ParameterARN(cfg.SSMParameter)
		if err != nil {
			return err
		}
		return IgnoreDuplicate(w.AddParameter(region, name, UnfencedValue))
	}
	it := cfg.DynamoDBItem
	parts := strings.SplitN(it.Table, ":", 6)
	if len(parts) != 6 || parts[2] != "dynamodb" || !strings.HasPrefix(parts[5], "table/") {
		return fmt.Errorf("DynamoDB table %q: want arn:aws:dynamodb:REGION:ACCOUNT:table/NAME", it.Table)
	}
	region, table := parts[3], strings.TrimPrefix(parts[5], "table/")
	keys := sortedKeys(it.Key)
	if len(keys) == 0 || len(keys) > 2 {
		return fmt.Errorf("DynamoDB item in %s: want 1 or 2 key attributes, got %d", table, len(keys))
	}
	spec := TableSpec{Region: region, Name: table, PartitionKey: keys[0]}
	if len(keys) == 2 {
		spec.SortKey = keys[1]
	}
	for _, r := range regions {
		if r != region && !slices.Contains(spec.Replicas, r) {
			spec.Replicas = append(spec.Replicas, r)
		}
	}
	if err := IgnoreDuplicate(w.AddTable(spec)); err != nil {
		return err
	}
	if _, ok := w.Item(region, table, it.Key); ok {
		return nil
	}
	item := map[string]ddbtypes.AttributeValue{it.Attribute: &ddbtypes.AttributeValueMemberS{Value: UnfencedValue}}
	for k, v := range it.Key {
		item[k] = &ddbtypes.AttributeValueMemberS{Value: v}
	}
	return w.PutItem(region, table, item)
}

// ParameterARN splits an SSM parameter ARN
// (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME) into its Region and the
// parameter's name as Parameter Store spells it: "/a/b" for a name in a
// hierarchy, "name" for a top-level one.
func ParameterARN(arn string) (region, name string, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "ssm" || !strings.HasPrefix(parts[5], "parameter/") || parts[5] == "parameter/" {
		return "", "", fmt.Errorf("SSM parameter %q: want arn:aws:ssm:REGION:ACCOUNT:parameter/NAME", arn)
	}
	name = strings.TrimPrefix(parts[5], "parameter")
	if strings.Count(name, "/") == 1 {
		name = name[1:]
	}
	return parts[3], name, nil
}
