#!/usr/bin/env bash
# Runs every benchmark in benchmarks/ and writes benchmarks/results/*.json.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in benchmarks/*.py; do
    [ "$b" = benchmarks/scale.py ] && continue  # the longest: last
    echo "== $b"; .venv/bin/python "$b"
done
# fwdnet run/simulate at 300, 1,000 and 3,000 stores, and 3,000 × 20,000 on a Dask LocalCluster
echo "== benchmarks/scale.py"; .venv/bin/python benchmarks/scale.py
