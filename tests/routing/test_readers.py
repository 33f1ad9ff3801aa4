"""Readers on the real shared benchmark files and on tiny broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.routing import MaxRuntime, Status, solve
from fwdnet.logistics.routing.checker import assert_valid
from fwdnet.logistics.routing.readers import bks_table, detect_format, read_instance

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="shared benchmarks absent")


def _files(family: str, pattern: str) -> list[Path]:
    return sorted(p for p in (SHARED / family).glob(pattern)
                  if not p.name.endswith(".sintef.txt"))


@needs_shared
@pytest.mark.parametrize(("family", "pattern"), [("cvrp", "*.vrp"), ("vrptw", "*.txt"),
                                            ("mdvrp", "p*.txt")])
def test_every_shared_file_parses_with_its_bks(family, pattern):
    """Client counts match the file names/READMEs and every instance has a BKS."""
    bks = bks_table(SHARED / family / "bks.csv")
    for path in _files(family, pattern):
        inst = read_instance(path)
        assert path.stem in bks
        n = len(inst.problem.clients)
        if family == "cvrp":
            assert n == int(path.stem.split("-")[1][1:]) - 1
        elif family == "vrptw":
            assert n == (200 if "_2_" in path.stem else 100)
        else:
            assert n in (50, 80, 100, 160, 240, 249, 360)


@needs_shared
def test_cvrplib_conventions_on_a_n32():
    """nint distances; ids as in the file (depot 1, customers 2..32); unlimited fleet."""
    inst = read_instance(SHARED / "cvrp" / "A-n32-k5.vrp")
    assert inst.depot_ids == (1,)
    assert inst.client_ids == tuple(range(2, 33))
    # nodes 1 (82,76) and 2 (96,44): sqrt(14^2 + 32^2) = 34.93 -> 35
    assert inst.problem.distance_m[0, 1] == 35
    assert inst.problem.vehicle_types[0].num_available == 31


@needs_shared
def test_solomon_truncates_to_one_decimal_and_scales_times():
    """C101: depot (40,50), customer 1 (45,68): sqrt(349) = 18.68 -> 18.6 (186 tenths)."""
    inst = read_instance(SHARED / "vrptw" / "C101.txt")
    p = inst.problem
    assert p.distance_m[0, 1] == 186
    assert p.clients[0].time_windows[0].open_s == 9120
    assert p.clients[0].service_s == 900
    assert p.vehicle_types[0].num_available == 25


@needs_shared
def test_cordeau_reads_depots_last_and_duration_limits():
    """p08: 2 depots, 14 vehicles each, Q 500, D 310 (scaled by 1e4)."""
    inst = read_instance(SHARED / "mdvrp" / "p08.txt")
    p = inst.problem
    assert len(p.depots) == 2
    assert inst.depot_ids == (250, 251)
    assert [vt.num_available for vt in p.vehicle_types] == [14, 14]
    assert p.vehicle_types[0].max_duration_s == 310 * 10_000


@needs_shared
@pytest.mark.parametrize("name", ["cvrp/A-n32-k5.vrp", "vrptw/C101.txt", "mdvrp/p01.txt"])
def test_tiny_solve_of_real_files_is_checked_feasible(name):
    """A 1-second solve of each format gives a plan the checker accepts."""
    inst = read_instance(SHARED / name)
    res = solve(inst.problem, MaxRuntime(1.0))
    assert res.status == Status.FEASIBLE
    assert_valid(inst.problem, res)
    bks = bks_table(SHARED / name.split("/")[0] / "bks.csv")[Path(name).stem]
    assert inst.cost(res) >= bks - 0.01


def test_tiny_vrp_optimum():
    """(3,4) and (6,8) together (5+5+10), (-3,-4) alone (5+5): 30."""
    inst = read_instance(DATA / "tiny.vrp")
    res = solve(inst.problem, MaxRuntime(0.5))
    assert inst.cost(res) == 30
    assert sorted(sorted(inst.client_ids[c] for c in r.stops) for r in res.routes) == [
        [2, 3], [4]]


def test_tiny_json_serves_the_optional_stop_when_worth_it():
    """Serving both: 4 km x 2 RMB + 50 fixed = 58 RMB < 54 + 100 penalty for skipping."""
    inst = read_instance(DATA / "tiny.json")
    res = solve(inst.problem, MaxRuntime(0.5))
    assert_valid(inst.problem, res)
    assert res.cost == pytest.approx(58.0)
    assert res.unassigned == ()


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("demand_above_capacity.vrp", "exceeds every vehicle's capacity"),
        ("unknown_depot.vrp", "unknown depot node 7"),
        ("not_a_number.vrp", "line 8: number expected"),
        ("window_closes_before_open.txt", "DUE DATE 20 before READY TIME 50"),
        ("short_row.txt", "7 columns expected"),
        ("p98.txt", "non-empty lines expected"),
        ("negative_distance.json", "negative distance at (0, 1)"),
        ("unknown_field.json", "clients[0]: unknown field(s) ['demand']"),
        ("unknown_depot.json", "unknown start_depot 3"),
        ("broken.json", "invalid JSON"),
        ("missing.vrp", "cannot read file"),
    ],
)
def test_bad_files_raise_input_error_naming_file_and_field(name, fragment):
    with pytest.raises(InputError) as err:
        read_instance(DATA / name)
    assert fragment in str(err.value)
    assert name in str(err.value)
    assert "\n" not in str(err.value)


def test_format_detection():
    assert detect_format(Path("X-n101-k25.vrp")) == "vrplib"
    assert detect_format(Path("p01.txt")) == "cordeau"
    assert detect_format(Path("R101.txt")) == "solomon"
    assert detect_format(Path("plan.json")) == "json"
