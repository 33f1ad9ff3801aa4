# Two entry points (see README "Quick start"): `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test bench lint install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e . || $(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

## make run: install, then run the bundled default scenario end to end
run: install
	$(BIN)/fwdnet run

## make test: install test tools (and headless chromium), then ruff, mypy, pytest with coverage
install-dev: install
	bash scripts/install_test_deps.sh

test: install-dev
	bash scripts/test.sh

## make bench: all benchmarks, figures to benchmarks/results/*.json
bench: install
	bash scripts/bench.sh

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
