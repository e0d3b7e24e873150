package sim

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableSpec describes a DynamoDB table, or a global table with replicas.
type TableSpec struct {
	// Region the table is created in.
	Region string
	// Name of the table.
	Name string
	// PartitionKey and SortKey (optional) name the key attributes.
	PartitionKey string
	SortKey      string
	// Replicas are the other Regions of a global table (version
	// 2019.11.21): a write in any replica reaches the others
	// Durations.DynamoDBReplication later, last writer wins.
	Replicas []string
}

type ddbTable struct {
	spec    TableSpec
	region  string
	regions []string // every replica's Region, this one included
	items   map[string]*ddbItem
}

// ddbItem is an item's latest image; version orders writes across
// replicas (last writer wins).
type ddbItem struct {
	attrs   map[string]ddbtypes.AttributeValue // nil: deleted
	written time.Time
	version int
}

func (v *ddbItem) newer(than *ddbItem) bool {
	return than == nil || v.written.After(than.written) || (v.written.Equal(than.written) && v.version > than.version)
}

// AddTable creates a table in spec.Region and, for a global table, a
// replica in each of spec.Replicas.
func (w *World) AddTable(spec TableSpec) error {
	return w.mutate(func(time.Time) error {
		regions := append([]string{spec.Region}, spec.Replicas...)
		for _, r := range regions {
			if err := w.checkRegion(r); err != nil {
				return fmt.Errorf("DynamoDB table %s: %w", spec.Name, err)
			}
		}
		if spec.Name == "" || strings.ContainsAny(spec.Name, "/: ") {
			return fmt.Errorf("DynamoDB table in %s: name %q is empty or has /, : or spaces", spec.Region, spec.Name)
		}
		if spec.PartitionKey == "" {
			return fmt.Errorf("DynamoDB table %s in %s: PartitionKey is empty", spec.Name, spec.Region)
		}
		if spec.SortKey == spec.PartitionKey {
			return fmt.Errorf("DynamoDB table %s in %s: SortKey %q is also the partition key", spec.Name, spec.Region, spec.SortKey)
		}
		for i, r := range regions {
			if slices.Contains(regions[:i], r) {
				return fmt.Errorf("DynamoDB table %s: Region %s named twice (Region and Replicas)", spec.Name, r)
			}
			if _, ok := w.tables[r+"/"+spec.Name]; ok {
				return fmt.Errorf("DynamoDB table %s in %s: %w", spec.Name, r, ErrDuplicate)
			}
		}
		for _, r := range regions {
			w.tables[r+"/"+spec.Name] = &ddbTable{spec: spec, region: r, regions: regions, items: map[string]*ddbItem{}}
		}
		return nil
	})
}

// PutItem stores item in the table's replica in region (replicating like
// a write), without a call. The item must carry the key attributes.
func (w *World) PutItem(region, table string, item map[string]ddbtypes.AttributeValue) error {
	return w.mutate(func(now time.Time) error {
		t, ok := w.tables[region+"/"+table]
		if !ok {
			return fmt.Errorf("DynamoDB table %s in %s not found", table, region)
		}
		key, err := t.itemKey(item, false)
		if err != nil {
			return fmt.Errorf("DynamoDB table %s in %s: %w", table, region, err)
		}
		w.ddbWrite(t, key, maps.Clone(item), now)
		return nil
	})
}

// Item reads an item from the replica in region without a call; key maps
// key attribute names to string values (S). ok is false when there is no
// such item.
func (w *World) Item(region, table string, key map[string]string) (item map[string]ddbtypes.AttributeValue, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.settle(w.clk.Now())
	t, found := w.tables[region+"/"+table]
	if !found {
		return nil, false
	}
	k := map[string]ddbtypes.AttributeValue{}
	for n, v := range key {
		k[n] = &ddbtypes.AttributeValueMemberS{Value: v}
	}
	ks, err := t.itemKey(k, true)
	if err != nil {
		return nil, false
	}
	it, found := t.items[ks]
	if !found || it.attrs == nil {
		return nil, false
	}
	return maps.Clone(it.attrs), true
}

// itemKey canonicalises the key attributes of m; exact demands that m holds
// only them (a Key parameter) rather than a whole item.
func (t *ddbTable) itemKey(m map[string]ddbtypes.AttributeValue, exact bool) (string, error) {
	names := []string{t.spec.PartitionKey}
	if t.spec.SortKey != "" {
		names = append(names, t.spec.SortKey)
	}
	if exact && len(m) != len(names) {
		return "", fmt.Errorf("the provided key element does not match the schema (want %s)", strings.Join(names, ", "))
	}
	var b strings.Builder
	for _, n := range names {
		var s string
		switch v := m[n].(type) {
		case *ddbtypes.AttributeValueMemberS:
			s = "S:" + v.Value
		case *ddbtypes.AttributeValueMemberN:
			s = "N:" + v.Value
		case *ddbtypes.AttributeValueMemberB:
			s = fmt.Sprintf("B:%x", v.Value)
		default:
			return "", fmt.Errorf("the provided key element does not match the schema (key attribute %s must be S, N or B)", n)
		}
		fmt.Fprintf(&b, "%d:%s|", len(s), s)
	}
	return b.String(), nil
}

// ddbWrite stores attrs (nil deletes) in t and schedules its replication to
// the other replicas. Lock held.
func (w *World) ddbWrite(t *ddbTable, key string, attrs map[string]ddbtypes.AttributeValue, now time.Time) {
	it := &ddbItem{attrs: attrs, written: now, version: w.newID()}
	t.items[key] = it
	for _, r := range t.regions {
		if r == t.region {
			continue
		}
		dst := w.tables[r+"/"+t.spec.Name]
		w.schedule(now.Add(w.d.DynamoDBReplication), func(time.Time) {
			// Replication is queued while a Region is down and applied in
			// order; the simulator applies it on time (unobservable while
			// the Region cannot be called).
			if it.newer(dst.items[key]) {
				dst.items[key] = it
			}
		})
	}
}

// DynamoDBClient is a Region's simulated DynamoDB API (item operations,
// which are data plane).
type DynamoDBClient struct {
	w      *World
	region string
}

// DynamoDB returns the DynamoDB client for region.
func (w *World) DynamoDB(region string) *DynamoDBClient { return &DynamoDBClient{w: w, region: region} }

// table finds a table by name or ARN in c's Region.
func (c *DynamoDBClient) table(ref *string) (*ddbTable, error) {
	name := aws.ToString(ref)
	if strings.HasPrefix(name, "arn:") {
		parts := strings.SplitN(name, ":", 6)
		if len(parts) != 6 || parts[2] != "dynamodb" || !strings.HasPrefix(parts[5], "table/") || parts[3] != c.region || parts[4] != c.w.account {
			return nil, &ddbtypes.ResourceNotFoundException{Message: aws.String("Requested resource not found")}
		}
		name = strings.TrimPrefix(parts[5], "table/")
	}
	t, ok := c.w.tables[c.region+"/"+name]
	if !ok {
		return nil, &ddbtypes.ResourceNotFoundException{Message: aws.String(fmt.Sprintf("Requested resource not found: Table: %s not found", name))}
	}
	return t, nil
}

func ddbValidation(format string, a ...any) error {
	return apiError("ValidationException", fmt.Sprintf(format, a...), faultClient)
}

// GetItem returns the item with in.Key (a nil Item when there is none).
// Projections are not modelled: the whole item comes back.
func (c *DynamoDBClient) GetItem(ctx context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if in == nil {
		in = &dynamodb.GetItemInput{}
	}
	out := &dynamodb.GetItemOutput{}
	err := c.w.do(ctx, svcDynamoDB, "GetItem", c.region, func(time.Time) error {
		t, err := c.table(in.TableName)
		if err != nil {
			return err
		}
		key, err := t.itemKey(in.Key, true)
		if err != nil {
			return ddbValidation("%s", err.Error())
		}
		if it, ok := t.items[key]; ok && it.attrs != nil {
			out.Item = maps.Clone(it.attrs)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateItem creates or updates the item with in.Key. It supports update
// expressions made of SET path = :value and REMOVE path clauses over
// top-level attributes (names or #placeholders) and the legacy
// AttributeUpdates PUT and DELETE actions; anything else (conditions,
// functions, nested paths, ADD, DELETE) answers ValidationException naming
// what the simulator does not model.
func (c *DynamoDBClient) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if in == nil {
		in = &dynamodb.UpdateItemInput{}
	}
	out := &dynamodb.UpdateItemOutput{}
	err := c.w.do(ctx, svcDynamoDB, "UpdateItem", c.region, func(now time.Time) error {
		t, err := c.table(in.TableName)
		if err != nil {
			return err
		}
		key, err := t.itemKey(in.Key, true)
		if err != nil {
			return ddbValidation("%s", err.Error())
		}
		if in.ConditionExpression != nil || len(in.Expected) > 0 {
			return ddbValidation("the simulator does not model conditional updates (ConditionExpression, Expected)")
		}
		set, remove, err := parseUpdate(in)
		if err != nil {
			return err
		}
		for n := range set {
			if _, isKey := in.Key[n]; isKey {
				return ddbValidation("Cannot update attribute %s. This attribute is part of the key", n)
			}
		}
		for _, n := range remove {
			if _, isKey := in.Key[n]; isKey {
				return ddbValidation("Cannot update attribute %s. This attribute is part of the key", n)
			}
		}
		var old map[string]ddbtypes.AttributeValue
		if it, ok := t.items[key]; ok && it.attrs != nil {
			old = it.attrs
		}
		item := maps.Clone(old)
		if item == nil {
			item = maps.Clone(in.Key)
		}
		maps.Copy(item, set)
		for _, n := range remove {
			delete(item, n)
		}
		c.w.ddbWrite(t, key, item, now)
		switch in.ReturnValues {
		case ddbtypes.ReturnValueAllNew:
			out.Attributes = maps.Clone(item)
		case ddbtypes.ReturnValueAllOld:
			out.Attributes = maps.Clone(old)
		case ddbtypes.ReturnValueUpdatedNew:
			out.Attributes = maps.Clone(set)
		case ddbtypes.ReturnValueUpdatedOld:
			out.Attributes = map[string]ddbtypes.AttributeValue{}
			for n := range set {
				if v, ok := old[n]; ok {
					out.Attributes[n] = v
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// parseUpdate turns an update expression (or AttributeUpdates) into the
// attributes to set and to remove.
func parseUpdate(in *dynamodb.UpdateItemInput) (set map[string]ddbtypes.AttributeValue, remove []string, err error) {
	set = map[string]ddbtypes.AttributeValue{}
	if in.UpdateExpression == nil {
		if len(in.ExpressionAttributeValues) > 0 || len(in.ExpressionAttributeNames) > 0 {
			return nil, nil, ddbValidation("ExpressionAttributeNames and ExpressionAttributeValues can only be specified when using expressions")
		}
		for _, n := range sortedKeys(in.AttributeUpdates) {
			u := in.AttributeUpdates[n]
			switch u.Action {
			case ddbtypes.AttributeActionPut, "":
				if u.Value == nil {
					return nil, nil, ddbValidation("AttributeUpdates %s: PUT needs a Value", n)
				}
				set[n] = u.Value
			case ddbtypes.AttributeActionDelete:
				if u.Value != nil {
					return nil, nil, ddbValidation("AttributeUpdates %s: the simulator does not model DELETE from a set", n)
				}
				remove = append(remove, n)
			default:
				return nil, nil, ddbValidation("AttributeUpdates %s: the simulator does not model action %s", n, u.Action)
			}
		}
		return set, remove, nil
	}
	if len(in.AttributeUpdates) > 0 {
		return nil, nil, ddbValidation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}")
	}
	usedNames, usedValues := map[string]bool{}, map[string]bool{}
	name := func(tok string) (string, error) {
		tok = strings.TrimSpace(tok)
		if strings.HasPrefix(tok, "#") {
			n, ok := in.ExpressionAttributeNames[tok]
			if !ok {
				return "", ddbValidation("Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: %s", tok)
			}
			usedNames[tok] = true
			return n, nil
		}
		if tok == "" || strings.ContainsAny(tok, ".[]:() ") {
			return "", ddbValidation("Invalid UpdateExpression: the simulator supports top-level attribute names only, got %q", tok)
		}
		return tok, nil
	}
	expr := strings.TrimSpace(aws.ToString(in.UpdateExpression))
	clauses, err := splitClauses(expr)
	if err != nil {
		return nil, nil, err
	}
	for _, cl := range clauses {
		for _, part := range strings.Split(cl.body, ",") {
			switch cl.verb {
			case "SET":
				lhs, rhs, ok := strings.Cut(part, "=")
				if !ok {
					return nil, nil, ddbValidation("Invalid UpdateExpression: SET %q is not path = :value", strings.TrimSpace(part))
				}
				n, err := name(lhs)
				if err != nil {
					return nil, nil, err
				}
				rhs = strings.TrimSpace(rhs)
				v, ok := in.ExpressionAttributeValues[rhs]
				if !strings.HasPrefix(rhs, ":") || !ok {
					return nil, nil, ddbValidation("Invalid UpdateExpression: %q is not a defined :value (the simulator does not model functions or arithmetic)", rhs)
				}
				usedValues[rhs] = true
				if _, dup := set[n]; dup {
					return nil, nil, ddbValidation("Invalid UpdateExpression: Two document paths overlap with each other; attribute %s", n)
				}
				set[n] = v
			case "REMOVE":
				n, err := name(part)
				if err != nil {
					return nil, nil, err
				}
				remove = append(remove, n)
			}
		}
	}
	for k := range in.ExpressionAttributeValues {
		if !usedValues[k] {
			return nil, nil, ddbValidation("Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}", k)
		}
	}
	for k := range in.ExpressionAttributeNames {
		if !usedNames[k] {
			return nil, nil, ddbValidation("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", k)
		}
	}
	return set, remove, nil
}

type updateClause struct{ verb, body string }

// splitClauses splits "SET a = :a, b = :b REMOVE c" into its clauses.
func splitClauses(expr string) ([]updateClause, error) {
	var out []updateClause
	fields := strings.Fields(expr)
	seen := map[string]bool{}
	for _, f := range fields {
		switch up := strings.ToUpper(f); up {
		case "SET", "REMOVE":
			if seen[up] {
				return nil, ddbValidation("Invalid UpdateExpression: The \"%s\" section can only be used once in an update expression", up)
			}
			seen[up] = true
			out = append(out, updateClause{verb: up})
		case "ADD", "DELETE":
			return nil, ddbValidation("Invalid UpdateExpression: the simulator does not model %s", up)
		default:
			if len(out) == 0 {
				return nil, ddbValidation("Invalid UpdateExpression: Syntax error; token: %q", f)
			}
			out[len(out)-1].body += f + " "
		}
	}
	if len(out) == 0 {
		return nil, ddbValidation("Invalid UpdateExpression: The expression can not be empty")
	}
	for _, c := range out {
		if strings.TrimSpace(c.body) == "" {
			return nil, ddbValidation("Invalid UpdateExpression: %s has nothing to do", c.verb)
		}
	}
	return out, nil
}
