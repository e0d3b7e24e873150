package controlplane

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/switchyard-dev/switchyard/shared/store"
)

// TableProps configures a Table.
type TableProps struct {
	// Key encrypts the table (a customer-managed key of the same stack).
	Key awskms.IKey
	// Name is the table's name (Config.TableName()): the same in every
	// Region, so a Region can name its peers' tables from the configuration
	// alone (PeerTableNames).
	Name string
}

// NewTable creates the Region's single table with the layout of
// shared/store/schema.go: on demand, point-in-time recovery, encrypted with
// the Region's customer-managed key, TTL on the ttl attribute, one GSI.
//
// Replication: none, deliberately. Executions, steps, audit, approvals and
// locks are Region-local by principle 1 (the Region being moved to runs its
// own execution and must not depend on the other); a lock replicated with
// global tables' last-writer-wins would give no mutual exclusion. Plans reach
// every Region through each Region's own deployment, with their version
// fingerprint, so there is nothing to reconcile: the conflict rule is "each
// Region's deployment is the only writer of its plans". docs/deploy.md says
// the same.
func NewTable(scope constructs.Construct, id string, props *TableProps) awsdynamodb.Table {
	var name *string
	if props.Name != "" {
		name = jsii.String(props.Name)
	}
	table := awsdynamodb.NewTable(scope, jsii.String(id), &awsdynamodb.TableProps{
		TableName:     name,
		PartitionKey:  &awsdynamodb.Attribute{Name: jsii.String(store.AttrPK), Type: awsdynamodb.AttributeType_STRING},
		SortKey:       &awsdynamodb.Attribute{Name: jsii.String(store.AttrSK), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:   awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Encryption:    awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
		EncryptionKey: props.Key,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		TimeToLiveAttribute: jsii.String(store.AttrTTL),
		DeletionProtection:  jsii.Bool(true),
		// The audit log and execution history outlive the stack.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(store.IndexGSI1),
		PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String(store.AttrGSI1PK), Type: awsdynamodb.AttributeType_STRING},
		SortKey:        &awsdynamodb.Attribute{Name: jsii.String(store.AttrGSI1SK), Type: awsdynamodb.AttributeType_STRING},
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})
	return table
}
