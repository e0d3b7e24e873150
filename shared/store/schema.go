package store

// The DynamoDB table layout, shared by the DynamoDB store and the CDK app so
// the two cannot drift. One table per Region (single-table design).
const (
	// AttrPK is the table's partition key (string).
	AttrPK = "pk"
	// AttrSK is the table's sort key (string).
	AttrSK = "sk"
	// AttrTTL holds the expiry as epoch seconds (number); DynamoDB TTL deletes
	// expired approvals (ApprovalRetention after their deadline) and their
	// task-token claims. Locks and trigger state never carry it: deleting a
	// lock would reset its fencing epoch. The store treats an item whose ttl
	// has passed as absent, so TTL's lazy deletion never matters for
	// correctness.
	AttrTTL = "ttl"
	// IndexGSI1 is the one global secondary index, for listings (plans,
	// executions by status and plan, approvals of an execution). It must
	// project ALL attributes: listings read whole items from it.
	IndexGSI1 = "gsi1"
	// AttrGSI1PK is IndexGSI1's partition key (string).
	AttrGSI1PK = "gsi1pk"
	// AttrGSI1SK is IndexGSI1's sort key (string).
	AttrGSI1SK = "gsi1sk"
)
