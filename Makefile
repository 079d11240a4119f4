# rpiq: two-command quick start (`make serve`, `make test`); see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 11112
DEMO_DB ?= sqlite:///rpiq.db

.PHONY: serve test lint typecheck check venv demo clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rpiq demo --db $(DEMO_DB)

serve: demo
	$(BIN)/rpiq serve --port $(PORT) --db $(DEMO_DB) --print-example

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools fuzz
	$(BIN)/ruff format --check src tests bench tools fuzz

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) lint typecheck
	$(BIN)/pytest

clean:
	rm -rf $(VENV) rpiq.db rpiq.db-wal rpiq.db-shm
