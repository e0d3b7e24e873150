// Package eventbus is Switchyard's local EventBridge: it loads the rule
// patterns in events/rules (the same files the CDK app deploys), matches
// events against them with EventBridge semantics, and delivers matched events
// to Go targets on a clock.Clock.
//
// Matching uses quamina (quamina.net/go/quamina, pinned to v1.5.1) for the
// operators quamina supports: exact values, prefix, exists, anything-but (a
// list of strings), wildcard and equals-ignore-case. The EventBridge operators
// quamina v1.5.1 lacks — numeric, suffix, $or, prefix/suffix with
// equals-ignore-case, and the other anything-but forms — are implemented here
// (see events/README.md). A rule using any other operator (cidr, for one) is
// refused when it is loaded.
package eventbus
