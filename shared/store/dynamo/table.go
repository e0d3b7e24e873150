package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/switchyard-dev/switchyard/shared/store"
)

// CreateTable creates the table the CDK app creates (store/schema.go keys,
// on-demand billing, gsi1 projecting all attributes), waits until it is
// ACTIVE, and enables TTL on the ttl attribute. It is for tests and local
// use; deployments get the table from CDK (which adds point-in-time recovery
// and KMS encryption). A server that does not implement UpdateTimeToLive
// (dynalite) is tolerated: the store never relies on TTL deletion, it treats
// expired items as absent.
func CreateTable(ctx context.Context, api TableAPI, name string) error {
	str := types.ScalarAttributeTypeS
	_, err := api.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(store.AttrPK), AttributeType: str},
			{AttributeName: aws.String(store.AttrSK), AttributeType: str},
			{AttributeName: aws.String(store.AttrGSI1PK), AttributeType: str},
			{AttributeName: aws.String(store.AttrGSI1SK), AttributeType: str},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(store.AttrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(store.AttrSK), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(store.IndexGSI1),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(store.AttrGSI1PK), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(store.AttrGSI1SK), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	if err != nil {
		return fmt.Errorf("creating DynamoDB table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(api, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 2*time.Minute); err != nil {
		return fmt.Errorf("waiting for DynamoDB table %s to become active: %w", name, err)
	}
	_, err = api.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(store.AttrTTL),
			Enabled:       aws.Bool(true),
		},
	})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "UnknownOperationException" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("enabling TTL on DynamoDB table %s: %w", name, err)
	}
	return nil
}
