"""`fwdnet route solve` through the real CLI app, and same-seed determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import vrplib
from typer.testing import CliRunner

from fwdnet.logistics.routing import AnyOf, MaxRuntime, NoImprovement, default_stop, solve
from fwdnet.logistics.routing.checker import assert_valid
from fwdnet.logistics.routing.readers import read_instance
from fwdnet.scenarios.cli import app

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def test_cli_solves_tiny_vrp_with_file_ids():
    res = runner.invoke(app, ["route", "solve", str(DATA / "tiny.vrp"), "--time-limit", "0.5"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["status"] == "feasible"
    assert out["cost"] == 30
    assert sorted(sorted(r["stops"]) for r in out["routes"]) == [[2, 3], [4]]
    assert all(r["depot"] == 1 for r in out["routes"])
    assert out["unassigned"] == []


def test_cli_json_format_option():
    res = runner.invoke(app, ["route", "solve", str(DATA / "tiny.json"), "--format", "json",
                              "--time-limit", "0.5", "--seed", "3"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["cost"] == 58.0


def test_cli_bad_input_exits_2_with_one_line():
    res = runner.invoke(app, ["route", "solve", str(DATA / "demand_above_capacity.vrp")])
    assert res.exit_code == 2
    assert res.stderr.startswith("error: ")
    assert res.stderr.count("\n") == 1


def test_cli_rejects_unknown_format():
    res = runner.invoke(app, ["route", "solve", str(DATA / "tiny.vrp"), "--format", "csv"])
    assert res.exit_code == 2
    assert "unknown format" in res.stderr


CVRPLIB = Path(__file__).resolve().parents[1] / "data" / "cvrplib"


def test_same_seed_same_routes():
    """With an iteration-based stop the search is deterministic for a given seed, and it finds
    A-n32-k5's proven optimum (784, CVRPLIB; a copy lives in tests/data so a clone needs no
    ../shared)."""
    inst = read_instance(CVRPLIB / "A-n32-k5.vrp")
    stop = AnyOf(NoImprovement(2000), MaxRuntime(20))
    a, b = (solve(inst.problem, stop, seed=7) for _ in range(2))
    assert [r.stops for r in a.routes] == [r.stops for r in b.routes]
    assert a.cost == b.cost
    bks = vrplib.read_solution(CVRPLIB / "A-n32-k5.sol")["cost"]
    assert bks == 784
    assert inst.cost(a) <= bks * 1.01


R201 = Path(__file__).resolve().parents[1] / "data" / "solomon" / "R201.txt"


@pytest.mark.parametrize("backend", ["auto", "pyvrp", "ortools", "hgs"])
def test_default_stop_is_deterministic_on_every_backend(backend):
    """R201's first 40 customers with time windows (a race of two PyVRP seeds under `auto`;
    `hgs` hands over to PyVRP): the converged stop gives the same plan twice."""
    inst = read_instance(R201)
    p = inst.problem.replace(clients=inst.problem.clients[:40])
    stop = default_stop(len(p.clients), 60)
    a, b = (solve(p, stop, seed=5, backend=backend) for _ in range(2))
    assert_valid(p, a)
    assert [r.stops for r in a.routes] == [r.stops for r in b.routes]
    assert (a.cost, a.backend) == (b.cost, b.backend)


def test_cli_stops_once_converged():
    """The CLI's --time-limit is a cap: HGS answers tiny.vrp long before 30 s."""
    res = runner.invoke(app, ["route", "solve", str(DATA / "tiny.vrp"), "--time-limit", "30",
                              "--backend", "hgs"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert (out["cost"], out["backend"]) == (30, "hgs")
    assert out["runtime_s"] < 30
    assert "note" not in out
