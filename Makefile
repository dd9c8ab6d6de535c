# persondata — the two commands a fresh machine needs:
#   make run    set up, migrate, load the demo company, print a login, serve on http://127.0.0.1:8000/
#   make test   set up and run the whole suite: lint, types, migrations drift, tests on SQLite and PostgreSQL
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
CHROMIUM ?= /usr/bin/chromium
export PERSONDATA_HOME ?= $(CURDIR)/var

.PHONY: run test lint typecheck migrations-check test-sqlite test-postgres bench bench-small messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	 else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi

run: $(STAMP)
	$(BIN)/persondata init --demo 500
	$(BIN)/persondata serve

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy src

migrations-check: $(STAMP)
	PERSONDATA_HOME=$$(mktemp -d) $(BIN)/python -m django makemigrations --check --dry-run --settings=tests.settings

test-sqlite: $(STAMP) $(CHROMIUM)
	$(BIN)/pytest -q

# PostgreSQL is mandatory in CI (CI=true); on a developer machine without it the run is skipped with a notice.
test-postgres: $(STAMP) $(CHROMIUM)
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  PERSONDATA_DATABASE_URL=$(PG_URL) $(BIN)/pytest -q; \
	elif [ "$${CI:-}" = "true" ]; then echo "PostgreSQL at $(PG_URL) is required in CI"; exit 1; \
	else echo "NOTICE: PostgreSQL at $(PG_URL) not reachable: PostgreSQL tests skipped"; fi

test: lint typecheck migrations-check test-sqlite test-postgres

bench: $(STAMP)
	$(BIN)/persondata bench --customers 1000000

bench-small: $(STAMP)
	$(BIN)/persondata bench --customers 20000 --audit-entries 100000

messages: $(STAMP)
	cd src/persondata && PYTHONPATH=$(CURDIR) ../../$(BIN)/django-admin compilemessages --settings=tests.settings

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
