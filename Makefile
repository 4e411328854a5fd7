# Newsflow's commands. `make run` and `make test` are the two the README promises work on a fresh machine
# with only Python >= 3.11: both create the virtualenv and install the pinned requirements first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-fast lint lock bench clean-data help

help:
	@echo "make run        run the whole pipeline locally (embedded Valkey + PostgreSQL under .newsflow/)"
	@echo "make test       run the whole test suite"
	@echo "make test-fast  unit and integration tiers only"
	@echo "make lint       ruff and mypy"
	@echo "make bench      benchmark report -> bench/results/latest.md (QUICK=1: under 3 minutes)"
	@echo "make lock       regenerate the hash-pinned requirements/*.txt"

$(STAMP): requirements/dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Newsflow needs Python >= 3.11; set PYTHON=python3.x")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/newsflow up $(if $(NLP_WORKERS),--nlp-workers $(NLP_WORKERS))

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "unit or integration" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy shared services newsflow

bench: $(STAMP)
	$(BIN)/python -m bench $(if $(QUICK),--quick) $(BENCH_ARGS)

lock: $(STAMP)
	bash requirements/compile.sh

clean-data:
	rm -rf .newsflow
