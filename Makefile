# Each target wraps one step; `make run` and `make test` do all the set-up themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app app
# The browser tests use the system's Chromium (.ci/run installs it): never download one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test test-all lint fmt migrate bench load translations worker setup clean messages services

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile -d translations >/dev/null

setup: $(STAMP) translations

## Serve the site on http://127.0.0.1:5000 with SQLite and an in-process-free worker.
run: setup
	$(FLASK) db upgrade
	$(FLASK) demo load
	@echo "Starting the background worker (filesystem broker under instance/) and the web server"
	trap 'kill 0' EXIT INT TERM; \
	$(BIN)/celery -A tasks.worker worker --beat --pool=solo --loglevel=warning \
		--schedule instance/celerybeat-schedule & \
	$(FLASK) run --host 127.0.0.1 --port 5000

## The test suite on SQLite (no servers needed).
test: setup
	$(BIN)/pytest -q -m "not integration"

## Everything, including PostgreSQL, Redis and real-worker suites (see .ci/run).
test-all: setup
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format .

migrate: setup
	$(FLASK) db upgrade

bench: setup
	$(BIN)/python -m bench

## Load test: gunicorn on PostgreSQL with 100,000 children, 50 locust users (bench/load).
load: setup
	$(BIN)/pip install --quiet -r requirements-load.txt
	$(BIN)/python -m bench.load

worker: setup
	$(BIN)/celery -A tasks.worker worker --loglevel=info

clean:
	rm -rf $(VENV) instance

## Re-extract translatable strings and merge them into the catalogs.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k fail:2 -k DomainError:1 \
		-k ImportFailed:1 -k RowProblem:3 --no-location --sort-output \
		--ignore-dirs=".venv tests bench migrations .git instance" \
		-o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

## The production stack on this machine: gunicorn, a worker and beat, on PostgreSQL
## and Redis (DATABASE_URL and REDIS_URL; defaults are the local servers).
services: setup
	DATABASE_URL=$${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/qianshou} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} $(BIN)/python -m scripts.services
