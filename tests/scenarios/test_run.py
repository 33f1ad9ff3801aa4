"""`fwdnet run` end to end: real design, routes and SimPy replay; byte-identical per seed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from fwdnet.dashboards.page import network_map
from fwdnet.scenarios.pipeline import run_scenario
from fwdnet.simulation.results import read_results

ROOT = Path(__file__).resolve().parents[2]


def _quiet() -> Console:
    return Console(file=open("/dev/null", "w"), force_terminal=False)


def test_tiny_run_writes_valid_results_and_dashboard(tiny_toml: Path, tmp_path: Path) -> None:
    out = run_scenario(tiny_toml, tmp_path, console=_quiet())
    assert out.results_json == tmp_path / "tiny" / "results.json"
    res = read_results(out.results_json)
    assert res.scenario.horizon_days == 28
    assert len(res.daily.date) == 28
    k = res.kpis
    assert 0.0 < k.fill_rate <= 1.0
    assert k.demand_units == pytest.approx(sum(res.daily.demand))
    assert k.demand_units == pytest.approx(k.sales_units + k.lost_sales_units)
    # one cost model: every term the replay prices adds up to the total
    assert k.total_cost_rmb == pytest.approx(
        k.fixed_cost_rmb + k.transport_cost_rmb + k.handling_cost_rmb + k.holding_cost_rmb
        + k.lost_sales_cost_rmb + k.late_sales_cost_rmb)
    assert k.lost_sales_cost_rmb >= 0.0
    # `fwdnet run` fills the design comparison: the default designs, each with the design
    # model's estimate next to the replay's mean
    assert res.comparison is not None
    assert [r.design for r in res.comparison.designs] == ["optimal", "all-open", "cdc-only"]
    assert all(r.model_cost_rmb is not None and r.model_cost_rmb > 0
               for r in res.comparison.designs)
    # every store is on exactly one typical-day van route of its own node
    visited = [s for r in res.routing if r.echelon == "fw_store" for rt in r.routes
               for s in rt.stops]
    assert sorted(set(visited)) == ["S1", "S2", "S3", "S4"]
    assert all(r.unassigned == [] for r in res.routing)
    for r in res.routing:
        for rt in r.routes:
            assert rt.path[0] == rt.path[-1]  # closed tours from the depot
    page = out.dashboard_html.read_text()
    assert "Plotly.newPlot" in page
    assert "tiny" in page
    # plotly.js is inlined and no trace needs the CDN's geo topojson: the page opens offline
    assert re.search(r"<script[^>]*\bsrc=", page) is None
    assert {t.type for t in network_map(res).data} == {"scatter"}  # no CDN geo base map


def test_same_seed_gives_byte_identical_results(small_toml: Path, tmp_path: Path) -> None:
    a = run_scenario(small_toml, tmp_path / "a", console=_quiet()).results_json.read_bytes()
    b = run_scenario(small_toml, tmp_path / "b", console=_quiet()).results_json.read_bytes()
    assert a == b
    res = read_results(tmp_path / "a" / "small" / "results.json")
    assert res.scenario.stores == 30
    assert res.scenario.skus == 60
    assert len(res.design.open_fw) >= 1
    assert set(res.design.assignment) == {s.id for s in res.sites if s.kind == "store"}


def test_cli_bad_scenario_exits_2_with_one_line(tmp_path: Path) -> None:
    """A broken scenario: exit code 2, one 'error:' line naming the file and row, no traceback."""
    broken = ROOT / "tests" / "data" / "broken" / "negative_demand.toml"
    proc = subprocess.run([sys.executable, "-m", "fwdnet", "run", str(broken), "--out",
                           str(tmp_path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "history_negative_demand.csv: row 5" in errors[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "tiny").exists()


def test_cli_run_prints_dashboard_path(tiny_toml: Path, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "fwdnet", "run", str(tiny_toml),
                           "--out", str(tmp_path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(tmp_path / "tiny" / "dashboard.html")
    # tiny ships no rules/: the run says which chain remedies it skipped
    notes = [line.strip() for line in proc.stderr.splitlines() if "note:" in line]
    assert [n.split(": no rules file")[0] for n in notes] == [
        "note: regional vs national assortment skipped",
        "note: fixed vs flexible supplier contracts skipped"]
    assert notes[0].endswith(str(tiny_toml.parent / "rules" / "default_assortment.toml"))
    assert re.search(r"\[3/\d+\] design", proc.stderr)  # progress per stage
    assert (tmp_path / "tiny" / "waybill_events.jsonl.gz").stat().st_size > 0
    assert not (tmp_path / "tiny" / "waybill_events.jsonl").exists()


def test_chain_remedies_name_every_skipped_remedy(tiny_toml: Path) -> None:
    """Without rules/ beside the scenario nothing is computed and each skip is told."""
    from fwdnet.logistics.network import load_scenario
    from fwdnet.scenarios.pipeline import chain_remedies

    told: list[str] = []
    assert chain_remedies(load_scenario(tiny_toml), told.append) == {}
    assert len(told) == 2
    assert "assortment skipped" in told[0]
    assert "default_assortment.toml" in told[0]
    assert "contracts skipped" in told[1]
    assert "default_contracts.toml" in told[1]
