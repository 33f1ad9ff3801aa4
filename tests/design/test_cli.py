"""`fwdnet design …` via typer's CliRunner on scenarios.cli.app: JSON out, exit 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fwdnet.scenarios.cli import app

SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="shared benchmarks not present")
runner = CliRunner()


@needs_shared
def test_cfl_prints_the_proven_optimum_with_one_based_warehouses() -> None:
    """cap41 is solved to its published optimum; every customer is fully assigned."""
    r = runner.invoke(app, ["design", "cfl", str(SHARED / "cfl" / "cap41.txt")])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["status"] == "optimal"
    assert out["objective"] == pytest.approx(1040444.375, rel=1e-6)
    assert out["bound"] == pytest.approx(out["objective"], rel=1e-9)
    assert min(out["open"]) >= 1
    assert max(out["open"]) <= 16
    assert len(out["assignment"]) == 50
    for pairs in out["assignment"]:
        assert sum(frac for _, frac in pairs) == pytest.approx(1.0)
        assert all(w in out["open"] for w, _ in pairs)


@needs_shared
def test_cfl_single_source_infeasibility_is_explained() -> None:
    """cap41 has customers larger than any warehouse: single-source is infeasible, with why."""
    r = runner.invoke(app, ["design", "cfl", str(SHARED / "cfl" / "cap41.txt"), "--single-source"])
    assert r.exit_code == 0
    out = json.loads(r.stdout)
    assert out["status"] == "infeasible"
    assert "customer 11" in out["reason"]


@pytest.mark.parametrize(
    "args",
    [
        ["design", "cfl", "/nonexistent/cap.txt"],
        ["design", "cfl", str(SHARED / "cfl" / "capa.txt")],  # needs --capacity
        ["design", "cfl", str(SHARED / "cfl" / "cap41.txt"), "--time-limit", "0"],
        ["design", "two-echelon", "/nonexistent/x.dat"],
        ["design", "run", "/nonexistent/scenario.toml"],
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str]) -> None:
    """Bad files and options end in exit code 2 and a single `error: …` line, no traceback."""
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error: ")


def test_broken_cfl_file_names_the_line(tmp_path: Path) -> None:
    f = tmp_path / "cap.txt"
    f.write_text("1 1\n10 5\n4 oops\n")
    r = runner.invoke(app, ["design", "cfl", str(f)])
    assert r.exit_code == 2
    assert "line 3" in r.stderr
    assert "oops" in r.stderr


@needs_shared
def test_two_echelon_plan_is_a_valid_plan() -> None:
    """Every customer served once by a van within capacity; trucks deliver every satellite load."""
    f = SHARED / "2evrp" / "E-n22-k4-s10-14.dat"
    r = runner.invoke(app, ["design", "two-echelon", str(f), "--time-limit", "3"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    served = sorted(c for v in out["vans"] for c in v["customers"])
    assert served == list(range(1, 22))
    assert all(v["load"] <= 6000 for v in out["vans"])
    assert len(out["vans"]) <= 4
    assert len(out["trucks"]) <= 3
    delivered = [0, 0]
    for t in out["trucks"]:
        assert sum(t["loads"]) <= 15000
        for s, q in zip(t["satellites"], t["loads"], strict=True):
            delivered[s - 1] += q
    assert delivered == out["satellite_load"]
    assert out["cost"] == pytest.approx(out["l1_cost"] + out["l2_cost"])
    assert out["cost"] >= 371.49  # the proven optimum is a lower bound on any valid plan


@pytest.mark.slow
def test_design_run_writes_the_design_of_the_default_scenario(tmp_path: Path) -> None:
    """`design run` writes results/<name>/design.json: every store assigned, SKUs placed only at
    open FWs, the optimal design no dearer than opening every candidate."""
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "default.toml"
    r = runner.invoke(app, ["design", "run", str(scenario), "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    out = json.loads((tmp_path / "default" / "design.json").read_text(encoding="utf-8"))
    loc = out["location"]
    assert loc["status"] in ("optimal", "feasible", "timed_out")
    assert len(loc["assignment"]) == 300
    assert set(loc["assignment"].values()) <= {*loc["open_fw"], "CDC-CD"}
    assert all(loc["assignment"][s] == "CDC-CD" for s in loc["unreachable_stores"])
    assert set(out["placement"]["target_units"]) <= set(loc["open_fw"])
    rows = {row["design"]: row for row in out["compare"]}
    assert rows["optimal"]["fixed_rmb"] <= rows["all-open"]["fixed_rmb"]
    assert not list(tmp_path.rglob("*.tmp"))  # atomic write left nothing behind
