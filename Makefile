# Two entry points: `make run` opens the TUI on this workspace, `make test` runs every test.
# Both create (or reuse) a virtual environment in .venv and install what they need.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test bench clean

$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.runtime
	$(PY) -m pip install -q -e '.[test]'
	touch $@

run: $(VENV)/.runtime
	$(VENV)/bin/annotator $(ARGS)

test: $(VENV)/.test
	$(PY) -m pytest -q -n 2 $(PYTEST_ARGS)

bench: $(VENV)/.runtime
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache
