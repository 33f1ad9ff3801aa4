#!/usr/bin/env bash
# The whole test suite: lint, types, tests with coverage, then the wheel in a clean venv.
# Called by `make test` and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
echo "== ruff"; $BIN/ruff check .
echo "== mypy"; $BIN/mypy
# two processes (one per core on CI), a test file per process so module fixtures run once
echo "== pytest"; $BIN/pytest -q -n auto --dist loadfile --cov --cov-report=term:skip-covered "$@"
echo "== wheel"; bash scripts/wheel_smoke.sh
