# guomen — two commands: `make run` serves the system, `make test` runs every test.
# Both install what they need (Python packages in .venv, front-end packages from npm,
# and on Debian as root the system packages for PDFs and browser tests).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
PYTEST_ARGS ?=

.PHONY: run test setup system venv node messages lint bench clean-db help

help:
	@echo "make run    — set up and serve guomen at http://$(HOST):$(PORT)/ with demo data (SQLite by default)"
	@echo "make test   — set up and run the whole test suite (DATABASE_URL selects PostgreSQL)"
	@echo "make lint   — ruff, import layers, missing migrations, translations, dependency audit, deploy check"

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py demo_load --if-empty -v0
	@$(PY) manage.py demo_logins
	PORT=$(PORT) HOST=$(HOST) $(PY) manage.py serve

test: setup
	@bash scripts/test.sh $(PYTEST_ARGS)

setup: system venv node messages

system:
	@bash scripts/system-packages.sh

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "guomen needs Python 3.11 or newer; set PYTHON=python3.x")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the front-end libraries (Debian: apt-get install npm)"; exit 1; }
	# devDependencies (the sources of places/data, ~200 MB) are only for scripts/build_places_data.py: `npm ci` to rebuild
	npm ci --omit=dev --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

messages: venv
	@$(PY) scripts/compile_messages.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) scripts/check_translations.py
	$(PY) scripts/audit_dependencies.py
	GUOMEN_ENV=production GUOMEN_SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(50))') \
	  GUOMEN_FIELD_KEYS=$$($(PY) -c 'from cryptography.fernet import Fernet;print(Fernet.generate_key().decode())') \
	  GUOMEN_HASH_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(32))') \
	  GUOMEN_EXCHANGE_KEYS=$$($(PY) -c 'from cryptography.fernet import Fernet;print(Fernet.generate_key().decode())') \
	  GUOMEN_ALLOWED_HOSTS=guomen.example.org $(PY) manage.py check --deploy --fail-level WARNING

bench: setup
	@bash scripts/system-packages.sh bench
	@echo "Benchmarks (each makes and drops its own database; see bench/README.md):"; ls bench/*.py

clean-db:
	rm -f var/guomen.sqlite3 var/guomen.sqlite3-wal var/guomen.sqlite3-shm
