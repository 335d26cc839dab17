# Two entry points: `make run` opens the TUI on this workspace, `make test` runs every test.
# Both create (or reuse) a virtual environment in .venv and install what they need. The
# installs go through uv, itself pip-installed from PyPI into the venv: it resolves and
# downloads in parallel, so a cold `make test` spends seconds, not a minute, installing.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
# copy: the uv cache and the venv are often on different file systems (no hard links there).
export UV_LINK_MODE ?= copy
# Trust the system's certificate store, as pip does here (a proxy's own CA lives there).
export UV_SYSTEM_CERTS ?= 1
INSTALL := $(UV) pip install --quiet --python $(PY)
PYTEST_ARGS ?=
ONE_TEST_HINT := One file or test: make test PYTEST_ARGS="tests/test_cli.py -k render"   (add -n 0 to run it in one process)

.PHONY: run test reliability lint wheel-smoke bench clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet 'uv>=0.13.9,<0.14'

$(VENV)/.runtime: pyproject.toml | $(UV)
	$(INSTALL) -e .
	touch $@

# The test runner and its plugins (test) and the reference libraries the agreement and export
# tests compare against (oracles): every test runs.
$(VENV)/.test: pyproject.toml | $(UV)
	$(INSTALL) -e '.[test,oracles]'
	touch $@

$(VENV)/.lint: pyproject.toml | $(UV)
	$(INSTALL) -e '.[lint]'
	touch $@

run: $(VENV)/.runtime
	$(VENV)/bin/annotator $(ARGS)

test: $(VENV)/.test
	@$(PY) -m pytest -q -n 2 $(PYTEST_ARGS); status=$$?; echo '$(ONE_TEST_HINT)'; exit $$status

# The fault-injection suite of issue 10 (tests/reliability/, minutes, not in `make test`): kills,
# full disks, races, external edits, hostile inputs. Writes RELIABILITY.md with this run's figures.
reliability: $(VENV)/.test
	ANNOTATOR_RELIABILITY=1 ANNOTATOR_RELIABILITY_REPORT=RELIABILITY.md $(PY) -m pytest -q -p no:cacheprovider tests/reliability $(PYTEST_ARGS)

# All three run, so one pass shows every finding; any finding fails the target.
lint: $(VENV)/.lint
	@status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/ruff format --check --output-format concise . || status=1; \
	$(VENV)/bin/mypy annotator || status=1; \
	exit $$status

# Build the wheel, install it in a fresh venv in a temporary folder, run the CLI from there.
wheel-smoke: | $(UV)
	PYTHON=$(PYTHON) UV=$(abspath $(UV)) tests/wheel_smoke.sh

# Issue 12's budgets table (minutes; not in `make test`): every row as a user runs it, on synthetic
# corpora of 1,000 to 100,000 documents cached in $$ANNOTATOR_BENCH_DIR (default ~/.cache/annotator-bench).
# Writes benchmarks/results.json and BENCHMARKS.md. Some rows, some sizes: make bench ROWS="agreement help" SIZES=10000
# (nltk, for the agreement-nltk row, and spaCy, for export-spacy, come with the oracles extra).
bench: $(VENV)/.test
	$(PY) benchmarks/bench.py $(ROWS) $(if $(SIZES),--sizes $(SIZES))

clean:
	rm -rf $(VENV) .pytest_cache build annotator.egg-info
