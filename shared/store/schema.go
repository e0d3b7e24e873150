package store

// The DynamoDB table layout, shared by the DynamoDB store and the CDK app so
// the two cannot drift. One table per Region (single-table design).
const (
	// AttrPK is the table's partition key (string).
	AttrPK = "pk"
	// AttrSK is the table's sort key (string).
	AttrSK = "sk"
	// AttrTTL holds the expiry as epoch seconds (number); DynamoDB TTL deletes
	// expired locks, approvals and trigger state.
	AttrTTL = "ttl"
	// IndexGSI1 is the one global secondary index, for listings (executions by
	// plan and status, pending approvals).
	IndexGSI1 = "gsi1"
	// AttrGSI1PK and AttrGSI1SK are IndexGSI1's keys (strings).
	AttrGSI1PK = "gsi1pk"
	AttrGSI1SK = "gsi1sk"
)
