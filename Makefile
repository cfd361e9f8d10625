# Rapport: `make run` runs everything, `make test` tests everything. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install run serve test lint format migrations-check bench load clean schema

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Without DATABASE_URL, config.local_postgres starts PostgreSQL from var/postgres/ for the run and
# stops it afterwards; make test uses a server of its own in var/test-postgres/.
run: install
	@mkdir -p var
	$(BIN)/python -m config.local_postgres var/postgres -- $(MAKE) --no-print-directory serve

serve:
	$(BIN)/python -m config.messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo ""
	@echo "  Rapport is starting on http://127.0.0.1:$(PORT)/"
	@echo "  Log in as manager / rapport-demo or staff / rapport-demo"
	@echo "  Emails land in var/mail/. Ctrl-C stops the web server, worker, beat and database."
	@echo ""
	$(BIN)/honcho start --procfile Procfile --port $(PORT)

test: install
	@mkdir -p var
	$(BIN)/python -m config.local_postgres --for-tests var/test-postgres -- $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

# The benchmark: seeds BENCH_DATABASE_URL (created if missing; everything in it is replaced),
# loads the pages through gunicorn, times the jobs, writes bench/results/ and the README table.
SCALE ?= 1
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rapport_bench
bench: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	SCALE=$(SCALE) BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/run.py

# The load test: USERS people logging in and working at once for DURATION seconds against
# gunicorn, on LOAD_DATABASE_URL (seeded small; its bench data is replaced), then a count that
# every write they were told succeeded is in the database once. Fails on any error.
USERS ?= 50
DURATION ?= 60
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rapport_load
load: install
	USERS=$(USERS) DURATION=$(DURATION) LOAD_DATABASE_URL=$(LOAD_DATABASE_URL) \
		$(BIN)/python bench/soak.py

clean:
	rm -rf $(VENV) var

# The API's OpenAPI schema, committed as api/openapi.yaml: a test fails when the code's differs.
schema: install
	$(BIN)/python manage.py spectacular --validate --file api/openapi.yaml
