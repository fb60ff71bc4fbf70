# Smile Appraisal: `make run` to try it, `make test` to test it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Convenient development defaults; production sets DEBUG=false and its own secrets.
PYTEST_ARGS ?= -n auto
DEV_ENV := DEBUG=$${DEBUG:-true}

.PHONY: run test install install-dev migrate demo lint format messages check-deploy clean backup restore bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

# A development .env, so that plain `manage.py` commands work in a checkout.
# Production writes its own from .env.example; an existing .env is never touched.
.env:
	printf '# Development settings written by make (see .env.example for production).\nDEBUG=true\n' > $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install | .env
	$(DEV_ENV) $(PY) manage.py migrate --no-input

demo: migrate
	$(DEV_ENV) $(PY) manage.py load_demo

# The upload worker runs beside the development server and stops with it.
run: demo
	$(DEV_ENV) $(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev | .env
	$(DEV_ENV) $(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djlint templates --reformat --quiet || true

# The database DATABASE_URL names (default db.sqlite3): pg_dump -Fc, or SQLite's backup API.
# BACKUP_FILE=... names the file (default backups/smile-<date>-<time>.dump or .sqlite3).
backup: install | .env
	$(DEV_ENV) $(PY) scripts/backup.py backup $(BACKUP_FILE)

# Into a fresh database (created if missing); DATA_ONLY=1 loads rows into a migrated one.
restore: install | .env
	@test -n "$(BACKUP_FILE)" || { echo "Say which backup: make restore BACKUP_FILE=backups/..."; exit 2; }
	$(DEV_ENV) $(PY) scripts/backup.py restore $(BACKUP_FILE) $(if $(DATA_ONLY),--data-only)

# Regenerates the Chinese catalogue from the code (needs GNU gettext) and compiles it.
messages: install-dev
	$(DEV_ENV) $(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles
	$(PY) scripts/compile_messages.py

check-deploy: install
	DEBUG=false SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=smile.example.com \
		$(PY) manage.py check --deploy --fail-level WARNING

# Every bench/*.py script, one table of figures against their floors (takes a while:
# the close builds companies of 10,000 and 100,000 employees). PostgreSQL at
# BENCH_POSTGRES_URL: a database of the bench's own, dropped and created again.
BENCH_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/smile_bench
bench: install-dev
	$(DEV_ENV) BENCH_POSTGRES_URL=$(BENCH_POSTGRES_URL) $(PY) bench/run_all.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
