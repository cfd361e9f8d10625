# Rapport: `make run` runs everything, `make test` tests everything. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install run test test-sqlite lint format migrations-check bench load clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo ""
	@echo "  Rapport is starting on http://127.0.0.1:$(PORT)/"
	@echo "  Log in as manager / rapport-demo or staff / rapport-demo"
	@echo "  Emails land in var/mail/. Ctrl-C stops the web server, worker and beat."
	@echo ""
	$(BIN)/honcho start --procfile Procfile --port $(PORT)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# The suite again on SQLite, make run's zero-setup database, where PostgreSQL's own SQL does not
# run: the tests that need PostgreSQL skip, everything else must pass. CI runs it after make test.
test-sqlite: install
	DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 REQUIRE_SERVICES= $(BIN)/pytest --ignore=tests/e2e $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
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
