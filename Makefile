# Two commands set everything up on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install serve test lint build validate clean bench

$(STAMP): pyproject.toml web/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	cd web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error && npm run --silent vendor
	touch $(STAMP)

install: $(STAMP)

build: $(STAMP)
	$(BIN)/mdkg build

validate: $(STAMP)
	$(BIN)/mdkg validate

serve: build
	$(BIN)/mdkg serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check api tests $(wildcard bench)

test: $(STAMP)
	$(BIN)/ruff check api tests $(wildcard bench)
	$(BIN)/python -m pytest

# The benchmark against raw pyoxigraph, oxigraph serve and rdflib-endpoint (10k, 100k, 1M triples);
# BENCH_ARGS=--quick for a short smoke run. Writes bench/results/<date>.md and the README table.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf dist $(VENV) .pytest_cache
