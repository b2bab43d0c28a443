# The project's entry points. CI runs `make lint` and `make test` (see .ci/run).
SHELL := /bin/bash
VENV := .venv
PYTHON := $(VENV)/bin/python
GUICHET := $(VENV)/bin/guichet
STAMP := $(VENV)/.installed
DEMO_ENV := GUICHET_DEBUG=1 DATABASE_URL=sqlite:///var/demo.sqlite3
DEMO_CUSTOMERS ?= 200
DEMO_SEED ?= 2026

.PHONY: install demo test test-sqlite test-postgres bench lint makemessages

# Compiled translations (.mo) are build output, made from the committed .po files.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard src/guichet/locale/*/LC_MESSAGES/django.po))

install: $(STAMP) $(MO_FILES)

# Reinstalls only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

%.mo: %.po
	msgfmt --check-format -o $@ $<

# After adding translatable strings: refresh the catalogs, then translate the new msgids.
makemessages:
	@cd src/guichet && GUICHET_DEBUG=1 ../../$(GUICHET) makemessages -l fr -l en --no-wrap --ignore "*/tests/*"

demo: install
	@mkdir -p var
	$(DEMO_ENV) $(GUICHET) migrate --noinput
	$(DEMO_ENV) $(GUICHET) catalog load
	$(DEMO_ENV) $(GUICHET) demo-data --customers $(DEMO_CUSTOMERS) --seed $(DEMO_SEED)
	@echo "Guichet is serving on http://127.0.0.1:8000 (Ctrl-C to stop)"
	$(DEMO_ENV) $(GUICHET) runserver 127.0.0.1:8000

test: install test-sqlite test-postgres

test-sqlite:
	@echo "== test suite on SQLite"
	env -u DATABASE_URL $(PYTHON) -m pytest -q

# PostgreSQL is the production database: the suite must pass there too.
test-postgres:
	@echo "== test suite on PostgreSQL"
	@PYTHON=$(PYTHON) scripts/test-postgres

bench: install
	$(PYTHON) benchmarks/run.py

lint: install
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy src/guichet/rating src/guichet/catalog/schema.py src/guichet/billing/rules.py \
		src/guichet/usage/routing.py
	env -u DATABASE_URL GUICHET_DEBUG=1 $(GUICHET) makemigrations --check --dry-run
	@# The production configuration (debug off) must pass Django's deployment checks.
	env -u DATABASE_URL -u GUICHET_DEBUG GUICHET_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
		GUICHET_ALLOWED_HOSTS=guichet.example.fr $(GUICHET) check --deploy --fail-level WARNING
