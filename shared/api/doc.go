// Package api is Switchyard's HTTP API, versioned under /v1: start, list,
// describe and steer executions (approve, decide, cancel) and read plans and
// their readiness. Handler serves it as a plain http.Handler (for `dev
// serve`) and, through package apigw, from API Gateway events (the api
// Lambda). The work is done by a Backend: the AWS one here (Step Functions +
// the store), the local runtime's for `dev serve`.
package api
