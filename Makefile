# Two commands matter (see README): `make synth` and `make test`.
# Everything else is a building block. A fresh clone needs only Python 3.11+, Node and
# access to the package registries: the targets create .venv and node_modules themselves.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := .make
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
# jsii prints a Node end-of-life banner on Node 20; that banner (for Node 20 only) is the
# only thing silenced.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# Nothing here talks to AWS or npm at synth time: no CLI version check, no CLI telemetry.
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: all install checkov synth synth-nag test bench snapshot-update clean

all: test

$(STAMP)/python: requirements.txt pyproject.toml
	@mkdir -p $(STAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(STAMP)/node: package.json package-lock.json
	@mkdir -p $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(STAMP)/python $(STAMP)/node

# Variants of `make synth` (no activated venv needed: PATH above finds the venv and the CDK CLI):
#   make synth CONFIG=examples/environments.yaml   one stack per account/region of that config
#   make synth-nag [CONFIG=...]                     also run cdk-nag's AwsSolutions checks
#   make synth ARGS="AutopilotInference-dev"        any other `cdk synth` arguments
#   make synth OUTDIR=/tmp/cdk.out                  where the cloud assembly goes (default cdk.out)
CONFIG ?=
ARGS ?=
OUTDIR ?= cdk.out
SYNTH_CONTEXT := $(if $(CONFIG),-c config=$(CONFIG))

# checkov pins its own boto3 (conflicting with requirements.txt): it lives in a virtual
# environment of its own, which tests/review/test_checkov.py calls by path.
CHECKOV_VENV := .venv-checkov
$(STAMP)/checkov: requirements-checkov.txt
	@mkdir -p $(STAMP)
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	@touch $@

checkov: $(STAMP)/checkov

## Synthesize the example app into cdk.out/ and summarise what it will deploy.
synth: install
	cdk synth --quiet --output $(OUTDIR) $(SYNTH_CONTEXT) $(ARGS)
	$(BIN)/python -m autopilot_inference summary $(OUTDIR)

## The same, with cdk-nag's AwsSolutions checks (fails on an unacknowledged finding).
synth-nag: install
	cdk synth --quiet --output $(OUTDIR) -c nag=true $(SYNTH_CONTEXT) $(ARGS)
	$(BIN)/python -m autopilot_inference summary $(OUTDIR)

## Run the whole test suite (lint and mypy --strict first, see [tool.mypy]; cdk-nag and cfn-lint run inside pytest).
test: install checkov
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

## Print the benchmark table and write BENCHMARKS.md.
bench: install
	$(BIN)/python -m benchmarks.run

## Rewrite the snapshot of the example stack after an intended change.
snapshot-update: install
	UPDATE_SNAPSHOTS=1 $(BIN)/python -m pytest tests/example_app/test_snapshot.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) node_modules $(STAMP) cdk.out build dist *.egg-info .mypy_cache
