# Everything a fresh machine with Python 3.11 and make needs; the virtualenv is built on first use.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install system-deps demo test unit integration failover lint bench up down clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

system-deps:
	infra/scripts/system-deps.sh

demo: install
	$(BIN)/chargeledger demo

test: install system-deps
	$(BIN)/pytest -q

unit: install
	$(BIN)/pytest -q tests/unit

integration: install system-deps
	$(BIN)/pytest -q tests/integration

failover: install
	$(BIN)/pytest -q -m failover tests/integration/test_failover.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy pipelines infra jobs cli

bench: install
	$(BIN)/python -m bench.run --out bench/report.json
	$(BIN)/python -m bench.scaling --out bench/scaling.json

up: install
	$(BIN)/chargeledger up

down: install
	$(BIN)/chargeledger down

clean:
	rm -rf .state bench/report.json .pytest_cache .ruff_cache .mypy_cache
