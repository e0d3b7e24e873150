package blocks

import "github.com/switchyard-dev/switchyard/shared/awsapi"

// SSM and DynamoDB complete simClients (helpers_test.go) as an
// awsapi.Clients: the world's clients, counted per Region.

func (c *simClients) SSM(r string) awsapi.SSM {
	c.note(r)
	return c.w.SSM(r)
}

func (c *simClients) DynamoDB(r string) awsapi.DynamoDB {
	c.note(r)
	return c.w.DynamoDB(r)
}
