#!/usr/bin/env bash
# Runs every benchmark in benchmarks/ and writes benchmarks/results/*.json.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in benchmarks/*.py; do
    echo "== $b"; .venv/bin/python "$b"
done
