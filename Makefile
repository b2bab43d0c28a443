# The project's entry points. CI runs `make lint` and `make test` (see .ci/run).
SHELL := /bin/bash
VENV := .venv
PYTHON := $(VENV)/bin/python
GUICHET := $(VENV)/bin/guichet
STAMP := $(VENV)/.installed
DEMO_PORT ?= 8000
# Card payments in the demo go to localstripe, a Stripe-compatible server on 127.0.0.1, which
# `make demo` starts next to Guichet (scripts/localstripe-serve) with these test keys.
DEMO_PSP_PORT ?= 8420
DEMO_PSP := http://127.0.0.1:$(DEMO_PSP_PORT)
DEMO_ENV := GUICHET_DEBUG=1 DATABASE_URL=sqlite:///var/demo.sqlite3 \
	GUICHET_STRIPE_API_BASE=$(DEMO_PSP) GUICHET_STRIPE_JS_URL=$(DEMO_PSP)/js.stripe.com/v3/ \
	GUICHET_STRIPE_SECRET_KEY=sk_test_guichet_demo GUICHET_STRIPE_PUBLISHABLE_KEY=pk_test_guichet_demo \
	GUICHET_STRIPE_WEBHOOK_SECRET=whsec_guichet_demo
DEMO_CUSTOMERS ?= 200
DEMO_SEED ?= 2026

.PHONY: install system-packages demo test test-sqlite test-postgres bench lint makemessages

# Compiled translations (.mo) are build output, made from the committed .po files.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard src/guichet/locale/*/LC_MESSAGES/django.po))

install: system-packages $(STAMP) $(MO_FILES)

# The Debian packages outside the virtualenv (Pango and fonts for the invoice PDFs); a
# dpkg-query when they are all there, which is every run but the first.
system-packages:
	@scripts/system-packages

# Reinstalls only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml | system-packages
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[test,demo]'
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
	@# localstripe runs in the background, posting its webhooks to Guichet, and stops with it.
	@$(DEMO_ENV) $(PYTHON) scripts/localstripe-serve --port $(DEMO_PSP_PORT) \
		--webhook http://127.0.0.1:$(DEMO_PORT)/psp/stripe/webhook > var/localstripe.log 2>&1 & \
	psp=$$!; trap 'kill $$psp 2>/dev/null' EXIT INT TERM; \
	echo "Card payments go to localstripe on $(DEMO_PSP) (log: var/localstripe.log)"; \
	echo "Guichet is serving on http://127.0.0.1:$(DEMO_PORT) (Ctrl-C to stop)"; \
	$(DEMO_ENV) $(GUICHET) runserver 127.0.0.1:$(DEMO_PORT)

# The two databases' runs at once, one per core; each prints its output when it ends.
test: install
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

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
		src/guichet/payments/sepa_rules.py src/guichet/payments/dunning_rules.py \
		src/guichet/billing/advance_rules.py src/guichet/payments/instalment_rules.py \
		src/guichet/payments/card_rules.py src/guichet/usage/routing.py \
		src/guichet/billing/cycle_rules.py src/guichet/billing/preference_rules.py
	env -u DATABASE_URL GUICHET_DEBUG=1 $(GUICHET) makemigrations --check --dry-run
	@# The production configuration (debug off) must pass Django's deployment checks.
	env -u DATABASE_URL -u GUICHET_DEBUG GUICHET_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
		GUICHET_ALLOWED_HOSTS=guichet.example.fr $(GUICHET) check --deploy --fail-level WARNING
