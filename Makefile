# The two commands of the README: `make run` (the whole system with demo data) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help venv run stop status test unit integration e2e chaos bench fuzz lint format docs demo-data clean

help:
	@echo "make run    - start Kafka, PostgreSQL, the mail server, the four services and demo data"
	@echo "make stop   - stop everything 'make run' started"
	@echo "make test   - start test servers on their own ports and run the whole test suite"
	@echo "make unit | integration | e2e - one layer of the tests"
	@echo "make chaos  - faults one at a time under a claim load, then exact counts (< 22 min; RATE=R, ONLY=PHASE|PHASE)"
	@echo "make bench  - the claim pipeline under load beside raw baselines (.run/bench/); BENCH_ARGS=--help"
	@echo "make fuzz   - schemathesis against the four APIs"
	@echo "make lint   - ruff, mypy and docker-compose.yml as compose reads it"
	@echo "make docs   - write the AsyncAPI documents of the services to docs/asyncapi/"

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "venv: cannot create $(VENV) with $(PYTHON)"; exit 1; }
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	@touch $@

venv: $(STAMP)

run: venv
	@bash deploy/scripts/run.sh up

stop:
	@bash deploy/scripts/run.sh down

status:
	@bash deploy/scripts/run.sh status

test: venv
	@bash deploy/scripts/test.sh

unit: venv
	$(BIN)/python -m pytest tests/unit -q

integration: venv
	@bash deploy/scripts/test.sh tests/integration

e2e: venv
	@bash deploy/scripts/test.sh tests/e2e

# Not part of `make test`: the servers of the test slot (RMA_TEST_SLOT), on 127.0.0.1 only.
chaos: venv
	RMA_TEST_KAFKA_NODES=$(or $(KAFKA_NODES),1) \
	RMA_TEST_STATE_DIR=$(CURDIR)/.run/chaos/servers-$(or $(KAFKA_NODES),1) \
	$(BIN)/python -m tools.chaos $(if $(RATE),--rate $(RATE)) $(if $(ONLY),--only "$(ONLY)")
# Its own servers on slot 8's ports (as RMA_TEST_SLOT=8), never those of make run or make test.
bench: venv
	$(BIN)/python -m tools.bench $(BENCH_ARGS)
# Schemathesis against the four APIs as real processes (also part of `make test`).
fuzz: venv
	@bash deploy/scripts/test.sh tests/e2e/test_fuzz.py

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services tools
	bash deploy/scripts/compose-check.sh

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

docs: venv
	@mkdir -p docs/asyncapi
	@for service in accounts claims warranty notifications; do \
	  $(BIN)/python -m shared.asyncapi $$service > docs/asyncapi/$$service.json || exit 1; \
	  echo "docs/asyncapi/$$service.json"; \
	done

clean: stop
	rm -rf .run
