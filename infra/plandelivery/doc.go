// Package plandelivery is the CloudFormation custom resource that delivers
// the plans deployed with a Region's stack into that Region's own table:
// one resource per plan, whose properties are the plan's name, version
// fingerprint and canonical JSON. Create and Update store the version
// through the DynamoDB store's own PutPlan (same item layout, same
// idempotency: putting a stored version again only makes it the latest);
// Delete keeps every stored version, since versions are immutable history
// that executions and the audit log refer to.
package plandelivery
