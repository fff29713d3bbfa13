# budgetlib — common tasks. `make help` lists them.
# Everything runs in a project-local virtual environment (.venv) built from pinned versions
# (requirements/constraints.txt), so a fresh clone needs only Python 3.11, pip, make and git.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONSTRAINTS := requirements/constraints.txt
DATA ?= data/raw
REPORTS ?= reports
JOBS ?= 2

.DEFAULT_GOAL := help
.PHONY: help reports screenshots test test-extended lint lab lock dictionary benchmark clean

help:  ## list the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

$(VENV)/.installed-core: $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name budgetlib --display-name "budgetlib (Python 3)" >/dev/null
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-core
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e ".[test,dask]"
	touch $@

# JupyterLab lives in its own environment: installed beside the report code it would add 1-2 s to every
# process that imports nbformat (jupyter-events pulls in a slow import). Its kernel is the project's.
LAB_VENV ?= .venv-lab

$(LAB_VENV)/.installed: $(VENV)/.installed-core
	$(PYTHON) -m venv $(LAB_VENV)
	$(LAB_VENV)/bin/pip install --quiet -c $(CONSTRAINTS) jupyterlab ipywidgets
	$(BIN)/python -m ipykernel install --prefix $(LAB_VENV) --name budgetlib --display-name "budgetlib (Python 3)" >/dev/null
	touch $@

reports: $(VENV)/.installed-core  ## set up, then build every report from data/ into reports/
	$(BIN)/budgetlib report $(DATA) --out $(REPORTS) --jobs $(JOBS)

screenshots: $(VENV)/.installed-core  ## screenshots of reports/ (index, annual, attainment) in headless Chromium → docs/
	$(BIN)/python scripts/screenshots.py $(REPORTS) docs

test: $(VENV)/.installed-test  ## set up, then run every test (unit, notebooks via nbval, lint, types)
	$(BIN)/ruff check src tests benchmarks notebooks scripts
	$(BIN)/mypy
	$(BIN)/pytest

test-extended: $(VENV)/.installed-test  ## the long fuzz/property run (10,000 cases) and 100 kills of each kind of run
	BUDGETLIB_FUZZ_CASES=10000 $(BIN)/pytest tests/invariants/test_robustness.py tests/invariants/test_fuzz.py -q
	BUDGETLIB_KILL_POINTS=100 $(BIN)/pytest tests/test_interruptions.py -q

lint: $(VENV)/.installed-test  ## ruff, and mypy over src/budgetlib (pyproject.toml's [tool.mypy])
	$(BIN)/ruff check src tests benchmarks notebooks scripts
	$(BIN)/mypy

lab: $(LAB_VENV)/.installed  ## open JupyterLab on notebooks/ with the project's kernel
	$(LAB_VENV)/bin/jupyter lab notebooks/

benchmark: $(VENV)/.installed-test  ## run the benchmarks, print a table, write benchmarks/results.md
	$(BIN)/python -m benchmarks.run

dictionary: $(VENV)/.installed-core  ## regenerate docs/data-dictionary.md from the schema
	$(BIN)/budgetlib dictionary > docs/data-dictionary.md

lock: $(BIN)/python  ## re-resolve the newest versions and rewrite the constraints file
	rm -rf $(VENV)/lock && $(PYTHON) -m venv $(VENV)/lock
	$(VENV)/lock/bin/pip install --quiet -e ".[test,dask,lab]"
	$(VENV)/lock/bin/pip freeze --exclude-editable | grep -v '^budgetlib' > $(CONSTRAINTS)
	rm -rf $(VENV)/lock

clean:  ## remove the environment and generated reports
	rm -rf $(VENV) $(LAB_VENV) $(REPORTS)/*.html $(REPORTS)/*/ .pytest_cache
