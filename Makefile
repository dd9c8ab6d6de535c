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
# Python keeps its compiled modules (__pycache__): with PYTHONDONTWRITEBYTECODE set (some shells and CI images set
# it), every `persondata` process — and the test suite starts hundreds — compiled ~200 modules anew (~0.9 s each).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-full lint lock typecheck migrations-check test-sqlite test-postgres bench bench-small messages clean

# Installs exactly what the lock pins, checked against its hashes (requirements-dev.txt: the product's packages and
# the tools of development and tests), then persondata itself without touching them. `make lock` rewrites the lock.
$(STAMP): pyproject.toml requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# After a change to the dependencies in pyproject.toml: pin them again (the newest versions the specifiers allow)
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	  --no-emit-find-links --output-file=requirements.txt pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	  --no-emit-find-links --extra=dev --output-file=requirements-dev.txt pyproject.toml

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	 else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi

run: $(STAMP)
	$(BIN)/persondata init --demo 500
	$(BIN)/persondata serve

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_lock.py

typecheck: $(STAMP)
	$(BIN)/mypy src

migrations-check: $(STAMP)
	PERSONDATA_HOME=$$(mktemp -d) $(BIN)/python -m django makemigrations --check --dry-run --settings=tests.settings

# Each run in a throw-away home of its own (tests/settings.py makes one when PERSONDATA_HOME is unset).
# The tests marked `second_job` use no database: the PostgreSQL run takes them (below), so the two runs end together.
test-sqlite: $(STAMP) $(CHROMIUM)
	env -u PERSONDATA_HOME $(BIN)/pytest -q -m "not second_job"

# PostgreSQL is mandatory in CI (CI=true); on a developer machine without it the run is skipped with a notice.
# It runs the tests that use the database (--database-only) and those marked `second_job`; the others ran in the
# SQLite run, alike on both. Without PostgreSQL (outside CI) it runs the `second_job` ones alone.
test-postgres: $(STAMP) $(CHROMIUM)
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  env -u PERSONDATA_HOME PERSONDATA_DATABASE_URL=$(PG_URL) $(BIN)/pytest -q --database-only; \
	elif [ "$${CI:-}" = "true" ]; then echo "PostgreSQL at $(PG_URL) is required in CI"; exit 1; \
	else echo "NOTICE: PostgreSQL at $(PG_URL) not reachable: PostgreSQL tests skipped"; \
	  env -u PERSONDATA_HOME $(BIN)/pytest -q -m second_job; fi

# The SQLite and PostgreSQL runs go side by side: much of a run waits (on the processes, servers and browser its
# tests start), so on two cores the pair takes little more than the longer one. Each run's output is printed
# whole when it ends (--output-sync), and either failing fails `make test`.
test: lint typecheck migrations-check $(CHROMIUM)
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# The long load, crash and fuzzing runs (marker `full`) on both databases; `make test` runs their short versions.
test-full: $(STAMP) $(CHROMIUM)
	$(BIN)/pytest -q -m full --full
	PERSONDATA_DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -m full --full --database-only

bench: $(STAMP)
	$(BIN)/persondata bench --customers 1000000

bench-small: $(STAMP)
	$(BIN)/persondata bench --customers 20000 --audit-entries 100000

# extract every marked string into the Danish catalogues (each app's own locale/, else the project's), then
# compile; tests/test_messages.py fails while an entry is untranslated or fuzzy
messages: $(STAMP)
	cd src/persondata && PYTHONPATH=$(CURDIR) ../../$(BIN)/django-admin makemessages -l da --no-location --no-obsolete --settings=tests.settings
	cd src/persondata && PYTHONPATH=$(CURDIR) ../../$(BIN)/django-admin compilemessages --settings=tests.settings

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
