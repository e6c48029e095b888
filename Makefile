# Quota — every step a user or CI needs. `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := quota_app:create_app
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL

.PHONY: run test scan test-sqlite test-postgres bench install translations messages browser migrate seed clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d quota_app/translations

# The catalogue brought up to date with the sources, then compiled: every _(), _l() and N_() (the
# labels kept in dicts, translated where they are shown); new strings come in untranslated (-N:
# no fuzzy guesses), strings gone from the code are dropped. Translate the empty msgstr, then
# `make translations`; tests/foundation/test_translations.py fails while one is missing.
messages: $(STAMP)
	@pot=$$(mktemp --suffix=.pot) && trap 'rm -f "$$pot"' EXIT && \
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o "$$pot" . && \
	$(BIN)/pybabel update -N --ignore-obsolete -w 100 -i "$$pot" -d quota_app/translations && \
	$(BIN)/pybabel compile --statistics -d quota_app/translations

migrate: install
	mkdir -p instance
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

run: seed
	@echo "Quota : http://127.0.0.1:5000 (Ctrl+C pour arrêter)"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Debian's Chromium for the browser tests; never a browser downloaded by a test tool.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "Chromium n'a pas pu être installé : les tests navigateur seront ignorés (échec en CI)."; \
	  else echo "Installez Chromium (apt-get install -y chromium) pour les tests navigateur."; fi; \
	fi

test: install browser
	$(MAKE) --no-print-directory scan
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# The security scan: any finding of medium or high severity fails (an accepted one carries
# `# nosec <id>` with its reason on the line above).
scan: install
	$(BIN)/bandit -q -r quota_app -ll

# Two workers (pytest-xdist): each has its own database (a SQLite file, a PostgreSQL schema).
PYTEST := $(BIN)/pytest -q -p no:cacheprovider -n 2

test-sqlite: install
	QUOTA_TEST_DB=sqlite $(PYTEST)

# On PostgreSQL whenever it answers; with CI=true an unreachable server is a failure.
test-postgres: install
	@if $(BIN)/python -c "import psycopg,os,sys; psycopg.connect(os.environ['TEST_DATABASE_URL'], connect_timeout=3).close()" 2>/dev/null; then \
	  QUOTA_TEST_DB=postgresql $(PYTEST); \
	elif [ "$$CI" = "true" ]; then echo "PostgreSQL injoignable ($(TEST_DATABASE_URL)) alors que CI=true."; exit 1; \
	else echo "PostgreSQL injoignable : passe PostgreSQL ignorée."; fi

# pandas is the import benchmark's reference only: installed here, never by `make test`.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP) requirements-bench.txt
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $(BENCH_STAMP)

# Debian's wrk drives the HTTP load benchmark.
bench: install $(BENCH_STAMP)
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
	      || echo "wrk n'a pas pu être installé : le banc HTTP échouera."; \
	  else echo "Installez wrk (apt-get install -y wrk) pour le banc HTTP."; fi; \
	fi
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) instance .pytest_cache
