// Package awsapi is the provider layer between Switchyard's handlers and AWS:
// one narrow interface per service listing only the SDK methods Switchyard
// calls (exact aws-sdk-go-v2 signatures, so a real client and the simulator
// are interchangeable), and a client factory keyed by Region that makes
// multi-Region calls explicit.
package awsapi
