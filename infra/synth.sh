#!/usr/bin/env bash
# Builds every function under functions/ for Lambda and synthesizes cdk.out/
# offline: no AWS credentials, no context lookups, no network.
#
#   infra/synth.sh [extra `cdk synth` arguments]
#
# Environment: ACCOUNT (default 123456789012, a placeholder good for offline
# synth only; deploy with your own), REGIONS (default us-east-1,us-west-2),
# PLANS (default examples/plans: the plans validated and delivered to every
# Region; a bad plan fails synth with the validator's messages).
# Needs Go and the pinned Node tools (`make deps`, i.e. npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

ACCOUNT="${ACCOUNT:-123456789012}"
REGIONS="${REGIONS:-us-east-1,us-west-2}"
PLANS="${PLANS:-examples/plans}"
BIN=build/functions
NODE=node_modules/.bin/node
CDK=node_modules/aws-cdk/bin/cdk

[ -x "$NODE" ] && [ -f "$CDK" ] || {
	echo "infra/synth.sh: $NODE or $CDK is missing: run 'make deps' (npm ci) first" >&2
	exit 1
}

# Lambda binaries: provided.al2023 on arm64, static, no RPC shim, reproducible.
# Every functions/<name> and the plan delivery function (the custom resource
# that stores the plans in each Region's table).
rm -rf "$BIN"
mkdir -p "$BIN"
build() { # build NAME PACKAGE
	echo "building $2 -> $BIN/$1/bootstrap"
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags "-s -w" \
		-o "$BIN/$1/bootstrap" "$2"
}
for main in functions/*/main.go; do
	[ -e "$main" ] || continue
	name="$(basename "$(dirname "$main")")"
	build "$name" "./functions/$name"
done
build plan-delivery ./infra/cmd/plandelivery

# jsii runs on the pinned node 22 (the system node 20 works too, with an
# end-of-life banner). No instance-metadata credential probing, no telemetry.
export JSII_NODE="$PWD/$NODE"
export AWS_EC2_METADATA_DISABLED=true
export CDK_DISABLE_CLI_TELEMETRY=true

rm -rf cdk.out
"$NODE" "$CDK" synth --quiet --no-notices --no-version-reporting --no-lookups \
	-c "account=$ACCOUNT" -c "regions=$REGIONS" -c "plans=$PLANS" -o cdk.out "$@"

IFS=, read -ra regions <<<"$REGIONS"
for r in "${regions[@]}"; do
	r="${r// /}"
	tmpl="$(ls cdk.out/*-"$r".template.json 2>/dev/null | head -1)"
	[ -s "$tmpl" ] || { echo "infra/synth.sh: no template for $r in cdk.out/" >&2; exit 1; }
	echo "wrote $tmpl"
done
