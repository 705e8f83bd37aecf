# Two commands: `make demo` runs Gapwise with a seeded demo project; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# Test processes: each has its own PostgreSQL database (test_gw0, …) and browser.
PYTEST_WORKERS ?= 2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
NPM_STAMP := sdk_js/node_modules/.installed
WIDGETS_STAMP := widgets/node_modules/.installed

.PHONY: demo test lint js-test bench chromium clean

# The demo project holds 60 days of 300 simulated people (server/demo/) and prints its gap report.
# Its secret key is made once, at random, into instance/secret_key (gapwise serve refuses the built-in one).
demo: $(VENV)/.installed instance/secret_key
	$(BIN)/gapwise db upgrade
	$(BIN)/gapwise demo
	@echo "Dashboard: http://$(HOST):$(PORT)/app/   Example app sending to the demo project: http://$(HOST):$(PORT)/example/"
	GAPWISE_SECRET_KEY="$$(cat instance/secret_key)" GAPWISE_SERVE_EXAMPLE=1 \
	  GAPWISE_SESSION_COOKIE_SECURE=false GAPWISE_REMEMBER_COOKIE_SECURE=false \
	  $(BIN)/gapwise serve --host $(HOST) --port $(PORT)

instance/secret_key:
	@mkdir -p instance
	@umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(32))" > $@

test: lint js-test chromium
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# ruff (lint and format) and mypy; mypy reads the package as `gapwise` through a link to server/.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@mkdir -p $(VENV)/typecheck && ln -sfn ../../server $(VENV)/typecheck/gapwise
	$(BIN)/mypy --python-executable $(BIN)/python

# Rebuild the browser files, fail if the committed ones are stale or over budget, run the JS unit tests
# (and tsc over the tracker's types), list what `npm publish` would upload of @gapwise/tracker and check it.
js-test: $(NPM_STAMP) $(WIDGETS_STAMP)
	cd sdk_js && npm run --silent check
	cd sdk_js && npm test --silent
	cd sdk_js && npm run --silent check-pack
	cd widgets && npm run --silent check
	cd widgets && npm test --silent

bench: $(VENV)/.installed-test
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/config.py
	$(BIN)/python bench/gaps.py
	$(BIN)/python bench/export.py

# Browser tests drive Debian's Chromium; nothing downloads a browser at run time.
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

$(NPM_STAMP): sdk_js/package.json sdk_js/package-lock.json
	cd sdk_js && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WIDGETS_STAMP): widgets/package.json widgets/package-lock.json
	cd widgets && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.created
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[parquet]'
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.created
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,examples]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) instance build .pytest_cache .mypy_cache .ruff_cache .hypothesis sdk_js/node_modules widgets/node_modules
