// Package apigw serves an http.Handler from API Gateway Lambda proxy events
// (REST API payload 1.0 and HTTP API payload 2.0), so a Lambda and `dev
// serve` run exactly the same handler. The IAM caller API Gateway
// authenticated is put in the request's context (see Caller).
package apigw
