# flowctl — the two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TOOLS  := .tools/sam
TOOLS_STAMP := $(TOOLS)/.installed

.PHONY: setup tools browser run test fuzz lint typecheck bench generate clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (flowctl needs Python 3.11+; set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

## make tools: the SAM CLI (pinned in requirements-tools.lock) in its own venv, .tools/sam/
tools: $(TOOLS_STAMP)

$(TOOLS_STAMP): requirements-tools.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (the SAM CLI venv needs Python 3.11+; set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS)/bin/python -m pip install --quiet -r requirements-tools.lock
	@touch $(TOOLS_STAMP)

## make browser: the headless Chromium the browser tests drive (Debian's package; Playwright's
## Python package, pinned in requirements.lock, is pointed at it: `playwright install` is not used)
CHROMIUM ?= chromium
browser:
	@command -v $(CHROMIUM) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "error: install Debian's chromium package (apt-get install chromium) for the browser tests"; exit 1; fi; }
	@command -v $(CHROMIUM) >/dev/null 2>&1 && echo "chromium: $$(command -v $(CHROMIUM))"

## make run: set up, then run the demo flow on the local engine
run: setup
	$(BIN)/flowctl run flows/reconciliation.json --table

## make test: set up, then run every test
test: setup
	$(BIN)/python -m pytest

## make fuzz: the nightly-sized fuzz run (FUZZ_EXAMPLES cases per fuzzer; prints the tally)
FUZZ_EXAMPLES ?= 5000
fuzz: setup
	FLOWCTL_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -p no:cacheprovider tests/fuzz tests/functional/platform/test_fuzz_api.py

lint: setup
	$(BIN)/ruff check orchestrator tests functions bench
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m bench

## regenerate every generated file (schema, compiled ASL, template)
generate: setup
	$(BIN)/flowctl generate

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache .aws-sam
