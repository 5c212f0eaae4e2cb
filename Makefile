# frontdesk — the two commands a newcomer needs: `make run` and `make test`.
# Every step is guarded by a stamp file so the second run reinstalls nothing that did not change.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FRONTENDS := $(wildcard web/*/package.json)
BUILDS := $(patsubst web/%/package.json,web/%/dist/.built,$(FRONTENDS))
WEBLINTS := $(patsubst web/%/package.json,web/%/node_modules/.linted,$(FRONTENDS))

.PHONY: run test lint lint-web typecheck jstest pytest frontends chromium dovecot locks clean bench fuzz wheel

run: $(VENV)/.run-installed frontends
	$(BIN)/frontdesk run --demo

test: $(VENV)/.dev-installed frontends chromium dovecot lint lint-web typecheck jstest pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

# The messenger's DOM-free modules and the desk's chat store against a server in memory, with
# Node's own test runner (web/messenger/tests, web/desk/tests).
jstest: web/messenger/node_modules/.installed web/desk/node_modules/.installed
	cd web/messenger && npm run --silent test
	cd web/desk && npm run --silent test

# ESLint and the TypeScript check (vue-tsc for the desk, tsc for the messenger) of both front ends.
lint-web: $(WEBLINTS)

# --durations: the CI log names the 30 slowest set-ups and tests (docs/performance.md, "The test
# suite's time").
pytest: $(VENV)/.dev-installed
	$(BIN)/pytest -n 2 --dist loadgroup --durations=30 $(PYTEST_ARGS)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

# The run lock is a subset of the dev lock, so a dev install satisfies `make run` as well.
$(VENV)/.run-installed: requirements.lock pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.dev-installed: requirements-dev.lock pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.run-installed

frontends: $(BUILDS)

# Stamps, not intermediates: without this make deletes them and reinstalls every time.
.PRECIOUS: web/%/node_modules/.installed web/%/dist/.built web/%/node_modules/.linted

web/%/node_modules/.installed: web/%/package.json web/%/package-lock.json
	cd web/$* && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# A front end is rebuilt only when one of its sources changed since the last build.
# A front end's sources: what git tracks or would track, as they are now. Not `find`: a file the
# build generates (the desk's API types) would be listed, and make, which read the folder before
# the build wrote it, would know no way to make it.
web_sources = $(wildcard $(shell git ls-files --cached --others --exclude-standard web/$(1)))

.SECONDEXPANSION:
web/%/dist/.built: web/%/node_modules/.installed $$(call web_sources,$$*)
	cd web/$* && npm run --silent build
	touch $@

# After the build, which generates the desk's API types; again only when a source changed.
web/%/node_modules/.linted: web/%/dist/.built $$(call web_sources,$$*)
	cd web/$* && npm run --silent lint -- --max-warnings 0 && npm run --silent typecheck
	touch $@

# The browser tests drive Debian's Chromium; install it once when it is missing (root only).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium (browser tests will skip)"; fi; }

# The IMAP tests start Debian's Dovecot themselves (own config, loopback, temp dir); install it
# once when it is missing (root only). Its system service is never started or used.
dovecot:
	@test -x /usr/sbin/dovecot || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd) >/dev/null; \
	  else echo "dovecot is missing: sudo apt-get install dovecot-imapd (IMAP tests will skip)"; fi; }

# Recompile the hash-pinned locks after changing dependencies in pyproject.toml.
locks:
	uv pip compile pyproject.toml requirements-build.in --generate-hashes --python-version 3.11 \
	  --universal -q -o requirements.lock
	uv pip compile pyproject.toml requirements-build.in --extra dev --generate-hashes \
	  --python-version 3.11 --universal -q -o requirements-dev.lock

# Schemathesis over the whole API, longer than the suite's run: every phase, more examples, on
# PostgreSQL as well as SQLite, a new
# seed each time unless FUZZ_SEED is given (a failure prints the seed that replays it).
FUZZ_EXAMPLES ?= 50
FUZZ_SEED ?=
fuzz: $(VENV)/.dev-installed
	FRONTDESK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FRONTDESK_FUZZ_SEED=$(FUZZ_SEED) \
	  FRONTDESK_FUZZ_PHASES=examples,coverage,fuzzing,stateful FRONTDESK_FUZZ_POSTGRES=1 \
	  $(BIN)/pytest tests/unit/test_api_fuzz.py -m fuzz -p no:randomly $(PYTEST_ARGS)

# A wheel with the built front ends inside (setup.py copies web/*/dist into it), so that
# `pip install` of it serves the desk on a machine without Node (docs/deploy.md "Releases").
wheel: $(VENV)/.dev-installed frontends
	rm -rf build
	$(BIN)/pip wheel --no-deps --no-build-isolation -w dist .

bench: $(VENV)/.dev-installed
	$(BIN)/python bench/tickets.py

clean:
	rm -rf $(VENV) web/*/node_modules web/*/dist
