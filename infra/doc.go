// Command infra is Switchyard's CDK app: one independent control-plane stack
// per Region named in context. Run it through the CDK CLI from the
// repository root (cdk.json points here), or use infra/synth.sh, which builds
// the function binaries and synthesizes cdk.out/ offline:
//
//	node_modules/.bin/cdk synth -c account=123456789012 -c regions=us-east-1,us-west-2
//
// Synthesis fails, listing every problem, when a plan under the plans
// directory (-c plans=DIR, default examples/plans) is invalid (the
// validator's FILE:LINE:COL messages), when the repository's functions,
// state machines or rules are inconsistent, when a function binary is
// missing, or when cdk-nag reports an unsuppressed AwsSolutions error.
//
// jsii starts its Node process while the Go packages initialize, before
// main runs, so Node is chosen by the environment: JSII_NODE, else `node` on
// PATH. infra/synth.sh sets JSII_NODE to the pinned node 22
// (node_modules/.bin/node); the system node 20 also works but prints an
// end-of-life banner.
package main
