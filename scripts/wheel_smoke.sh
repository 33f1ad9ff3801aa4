#!/usr/bin/env bash
# Builds the wheel with `python -m build`, installs it in a clean venv outside the repo, and runs
# it there: routing with the core install, a clear note for a missing extra, then with the
# `forecast` extra `fwdnet design run` on the bundled default scenario and `fwdnet run` on a
# generated small chain with the bundled rules. Called by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fwdnet-wheel.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

.venv/bin/python -m build --wheel --outdir "$WORK/dist" . >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log"; exit 1; }
WHEEL=$(ls "$WORK"/dist/fwdnet-*.whl)
.venv/bin/python - "$WHEEL" <<'EOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
tops = {n.split("/")[0] for n in names}
assert all(t == "fwdnet" or t.startswith("fwdnet-") for t in tops), f"top-level names: {tops}"
for must in ("fwdnet/scenarios/default.toml", "fwdnet/scenarios/rules/default_contracts.toml",
             "fwdnet/scenarios/data/default/demand_history.csv.gz",
             "fwdnet/logistics/tracking/migrations/script.py.mako"):
    assert must in names, f"{must} missing from the wheel"
print(f"built {sys.argv[1].rsplit('/', 1)[-1]}: {len(names)} files, one top-level name (fwdnet)")
EOF
python3 -m venv "$WORK/venv"
PIP=("$WORK/venv/bin/pip" install --quiet --disable-pip-version-check -c "$REPO/requirements.lock")
quiet() { "$@" 2> >(grep -v "^WARNING: Location" >&2); }   # this machine's pip config is chatty

quiet "${PIP[@]}" "$WHEEL"
cd "$WORK"   # nothing of the repo is importable from here
"$WORK/venv/bin/python" - <<'EOF'
import importlib.util
import fwdnet
assert "site-packages" in fwdnet.__file__, fwdnet.__file__
for name in ("logistics", "simulation", "scenarios", "dashboards"):
    assert importlib.util.find_spec(name) is None, f"a top-level '{name}' is importable"
print("core install: fwdnet imports from site-packages, no top-level rooms")
EOF
"$WORK/venv/bin/fwdnet" route solve "$REPO/tests/data/cvrplib/A-n32-k5.vrp" --time-limit 2 \
    > route.json
"$WORK/venv/bin/python" -c "import json; r = json.load(open('route.json')); \
assert r['status'] in ('feasible', 'optimal') and r['unassigned'] == [], r; print('route solve ok')"
if "$WORK/venv/bin/fwdnet" forecast backtest "$REPO/tests/data/tiny/demand_history.csv" \
        2> extra.err; then
    echo "forecast ran without its extra" >&2; exit 1
fi
grep -q "pip install 'fwdnet\[forecast\]'" extra.err || { cat extra.err; exit 1; }
echo "missing extra: $(cat extra.err)"

quiet "${PIP[@]}" "$WHEEL[forecast]"
# the bundled default scenario (its TOML, CSVs and csv.gz from the wheel) loads and is designed
"$WORK/venv/bin/fwdnet" design run --out "$WORK/design" > design.out
test -s "$WORK/design/default/design.json"
echo "fwdnet design run on the bundled default from the wheel: ok"
# the whole chain on a small chain made by the wheel's own generator, with the bundled rules
# (a default-size run takes minutes: .ci/run must stay under 15)
"$WORK/venv/bin/fwdnet" generate --stores 60 --skus 300 --out "$WORK/small" --name small \
    > /dev/null 2> generate.err || { cat generate.err; exit 1; }
RULES=$("$WORK/venv/bin/python" -c "import pathlib, fwdnet.scenarios as s; \
print(pathlib.Path(s.__file__).parent / 'rules')")
cp -r "$RULES" "$WORK/small/rules"
"$WORK/venv/bin/fwdnet" run "$WORK/small/small.toml" --out "$WORK/results" > run.out 2> run.err \
    || { cat run.err; exit 1; }
test -s "$WORK/results/small/results.json"
test "$(cat run.out)" = "$WORK/results/small/dashboard.html"
test -s "$WORK/results/small/dashboard.html"
test -s "$WORK/results/small/waybill_events.jsonl.gz"
grep -q "chain remedies" run.err   # the remedies ran with the bundled rules
echo "fwdnet run from the wheel: ok ($(cat run.out))"
