# Two commands matter: `make demo` and `make test`. Everything else is a step
# they depend on. Go comes from the machine; Node tools come from package.json.
SHELL := /bin/bash
GO ?= go
# jsii (the CDK's Go bindings) starts Node while Go packages initialise, so
# the Node it uses must be chosen here: the pinned Node 22 from package.json.
export JSII_NODE := $(CURDIR)/node_modules/.bin/node

.PHONY: demo test deps vet fmt-check synth

# The main job: validate the example plans, then drill a full failover of
# payments.yaml (alarm → trigger → approval → Aurora switchover, ECS scale-up,
# STOP-pattern traffic shift) through the real state machines and handlers on
# the simulated two-Region AWS, with a report in build/drill/.
demo:
	$(GO) run ./cmd/switchyard plan validate examples/plans/*.yaml
	$(GO) run ./cmd/switchyard drill examples/plans/payments.yaml --report build/drill

# Every test: formatting, vet, and the whole Go suite (which drives the Node
# tools installed by `deps`).
test: deps fmt-check vet
	$(GO) test ./...

deps: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@# node_modules ships Go templates (aws-cdk's init templates); a go.mod
	@# makes it a module of its own, so ./... in this module skips it.
	printf 'module switchyard.invalid/node_modules\n' > node_modules/go.mod
	touch $@

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Build every function for Lambda (linux/arm64) and synthesize one
# CloudFormation template per Region into cdk.out/, offline, no credentials.
synth: deps
	infra/synth.sh
