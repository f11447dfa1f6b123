# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT := $(or $(STREAMLIT_SERVER_PORT),8501)

.PHONY: run test test-repeat bench audit init messages clean-venv serve status bench-join

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

init: $(VENV)/.installed
	$(BIN)/python -m components.cli init

run: init
	@echo ""
	@echo "Hub Workshop is starting on http://localhost:$(PORT)"
	@echo "  participants: open it and type the join code"
	@echo "  staff: open http://localhost:$(PORT)/login"
	@echo ""
	$(BIN)/streamlit run app.py --server.port $(PORT)

# A live event: Caddy in front of PROCESSES Streamlit processes (default: one per core), backups every
# 5 minutes. ADDRESS=hub.example.org gets HTTPS from Caddy; the default is http://127.0.0.1:8080.
serve: $(VENV)/.installed
	$(BIN)/python -m components.serve serve $(if $(PROCESSES),--processes $(PROCESSES)) $(if $(ADDRESS),--address $(ADDRESS))

status: $(VENV)/.installed
	$(BIN)/python -m components.cli status

test: $(VENV)/.dev-installed node_modules/.package-lock.json
	$(BIN)/python -m pytest

# Find flaky tests: N runs in a row beside a busy CPU, each `make test` on a fresh clone of HEAD
# (commit first), or TESTS="tests/browser ..." repeated in this checkout. No retries, ever.
N ?= 10
test-repeat: $(VENV)/.dev-installed node_modules/.package-lock.json
	$(BIN)/python .ci/test_repeat.py --runs $(N) $(if $(TESTS),--tests "$(TESTS)")

# axe-core (accessibility checks in the browser tests), pinned in package-lock.json.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench.run

# The burst-join table of the layouts (direct, make serve with 1 and 2 processes, at 300 and 500
# phones), written into the README. Run it on an otherwise idle machine.
bench-join: $(VENV)/.dev-installed
	$(BIN)/python -m bench.run --burst-join

# Known vulnerabilities in the pinned dependencies (asks pypi.org; see .ci/audit_pins.py).
audit: | $(BIN)/python
	$(BIN)/python .ci/audit_pins.py requirements.txt requirements-dev.txt

messages: $(VENV)/.installed
	$(BIN)/python -m components.i18n_catalog

clean-venv:
	rm -rf $(VENV)
