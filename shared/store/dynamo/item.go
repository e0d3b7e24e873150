package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchyard-dev/switchyard/shared/clock"
	"github.com/switchyard-dev/switchyard/shared/store"
)

// Store is the DynamoDB store.Store. Build it with New.
type Store struct {
	api   API
	table string
	clock clock.Clock
}

var _ store.Store = (*Store)(nil)

// maxAttempts bounds the compare-and-set retries of one call. Each lost race
// means another writer made progress, so this is only reached under extreme
// contention on one item.
const maxAttempts = 100

// New returns a store on table, reading the time from clk (expiry of leases
// and approvals is judged by clk, not by DynamoDB's lazy TTL deletion).
func New(api API, table string, clk clock.Clock) *Store {
	return &Store{api: api, table: table, clock: clk}
}

// meta is the part of every item outside "data".
type meta struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	GSI1PK string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK string `dynamodbav:"gsi1sk,omitempty"`
	TTL    int64  `dynamodbav:"ttl,omitempty"`
	V      int64  `dynamodbav:"v"`
	Type   string `dynamodbav:"type"`
}

// record is one item: its keys and version, and the entity under "data".
type record[T any] struct {
	meta
	Data T `dynamodbav:"data"`
}

// kind describes how an entity type maps onto items.
type kind[T any] struct {
	name string
	// index gives the gsi1 keys (optional).
	index func(T) (pk, sk string)
	// expires gives the time after which the item no longer exists
	// (optional); it becomes the ttl attribute.
	expires func(T) time.Time
}

// errRace means a conditional write found the item changed since it was read.
var errRace = errors.New("dynamo: item changed concurrently")

func keyOf(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		store.AttrPK: &types.AttributeValueMemberS{Value: pk},
		store.AttrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

// live reports whether an item's ttl (epoch seconds, 0: none) has not passed.
func (s *Store) live(ttl int64) bool {
	return ttl == 0 || s.clock.Now().Unix() < ttl
}

// load reads an item strongly consistently. cur is nil when the item is
// absent or expired; v is the stored version either way (0: no item).
func load[T any](ctx context.Context, s *Store, pk, sk string) (cur *T, v int64, err error) {
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            keyOf(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s %s from DynamoDB table %s: %w", pk, sk, s.table, err)
	}
	if len(out.Item) == 0 {
		return nil, 0, nil
	}
	var r record[T]
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return nil, 0, fmt.Errorf("decoding %s %s from DynamoDB table %s: %w", pk, sk, s.table, err)
	}
	if !s.live(r.TTL) {
		return nil, r.V, nil
	}
	return &r.Data, r.V, nil
}

// save writes data as version prev+1 if the stored version is still prev (0:
// no item), else returns errRace.
func save[T any](ctx context.Context, s *Store, k kind[T], pk, sk string, data T, prev int64) error {
	r := record[T]{meta: meta{PK: pk, SK: sk, V: prev + 1, Type: k.name}, Data: data}
	if k.index != nil {
		r.GSI1PK, r.GSI1SK = k.index(data)
	}
	if k.expires != nil {
		r.TTL = int64(math.Ceil(float64(k.expires(data).UnixNano()) / 1e9))
	}
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return fmt.Errorf("encoding %s %s for DynamoDB: %w", pk, sk, err)
	}
	in := &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}
	if prev == 0 {
		in.ConditionExpression = aws.String("attribute_not_exists(#pk)")
		in.ExpressionAttributeNames = map[string]string{"#pk": store.AttrPK}
	} else {
		in.ConditionExpression = aws.String("#v = :v")
		in.ExpressionAttributeNames = map[string]string{"#v": "v"}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{
			":v": &types.AttributeValueMemberN{Value: strconv.FormatInt(prev, 10)},
		}
	}
	_, err = s.api.PutItem(ctx, in)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return errRace
	}
	if err != nil {
		return fmt.Errorf("writing %s %s to DynamoDB table %s: %w", pk, sk, s.table, err)
	}
	return nil
}

// mutate is the read-modify-write loop of every change: apply sees the
// current entity (nil: none) and returns the next one (nil: nothing to
// write) or an error; the write is conditional on the version read, and a
// lost race reruns apply on fresh state. apply must not keep state across
// calls except through its result.
func mutate[T any](ctx context.Context, s *Store, k kind[T], pk, sk string, apply func(cur *T) (*T, error)) error {
	for range maxAttempts {
		cur, v, err := load[T](ctx, s, pk, sk)
		if err != nil {
			return err
		}
		next, err := apply(cur)
		if err != nil || next == nil {
			return err
		}
		switch err := save(ctx, s, k, pk, sk, *next, v); {
		case errors.Is(err, errRace):
			continue
		case err != nil:
			return err
		}
		return nil
	}
	return fmt.Errorf("%w: %s %s kept changing during %d attempts to update it; try again", store.ErrConflict, pk, sk, maxAttempts)
}

// query runs a query to the end and returns the live entities.
func query[T any](ctx context.Context, s *Store, in *dynamodb.QueryInput) ([]T, error) {
	return queryLimit[T](ctx, s, in, 0)
}

// queryLimit runs a query until it has limit entities (0: to the end).
func queryLimit[T any](ctx context.Context, s *Store, in *dynamodb.QueryInput, limit int) ([]T, error) {
	in.TableName = aws.String(s.table)
	var out []T
	for {
		page, err := s.api.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("querying DynamoDB table %s: %w", s.table, err)
		}
		for _, item := range page.Items {
			var r record[T]
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				return nil, fmt.Errorf("decoding an item of DynamoDB table %s: %w", s.table, err)
			}
			if s.live(r.TTL) {
				out = append(out, r.Data)
			}
		}
		if limit > 0 && len(out) >= limit {
			return out[:limit], nil
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// queryPrefix lists the items of partition pk whose sort key starts with
// prefix, strongly consistently, in sort-key order.
func queryPrefix[T any](ctx context.Context, s *Store, pk, prefix string) ([]T, error) {
	return query[T](ctx, s, &dynamodb.QueryInput{
		KeyConditionExpression:   aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames: map[string]string{"#pk": store.AttrPK, "#sk": store.AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: pk},
			":prefix": &types.AttributeValueMemberS{Value: prefix},
		},
		ConsistentRead: aws.Bool(true),
	})
}

// queryIndex lists the gsi1 items of partition pk whose sort key starts
// with prefix (empty: all).
func queryIndex[T any](ctx context.Context, s *Store, pk, prefix string) ([]T, error) {
	in := &dynamodb.QueryInput{
		IndexName:                aws.String(store.IndexGSI1),
		KeyConditionExpression:   aws.String("#pk = :pk"),
		ExpressionAttributeNames: map[string]string{"#pk": store.AttrGSI1PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: pk},
		},
	}
	if prefix != "" {
		in.KeyConditionExpression = aws.String("#pk = :pk AND begins_with(#sk, :prefix)")
		in.ExpressionAttributeNames["#sk"] = store.AttrGSI1SK
		in.ExpressionAttributeValues[":prefix"] = &types.AttributeValueMemberS{Value: prefix}
	}
	return query[T](ctx, s, in)
}

// sortableTime formats t so that string order is time order.
func sortableTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
}
