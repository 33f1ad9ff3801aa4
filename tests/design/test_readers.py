"""OR-Library cap and Perboli 2ECVRP readers: real files parse to the documented numbers, broken
files stop with one line naming the line/field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fwdnet.logistics.design.orlib import read_cap
from fwdnet.logistics.design.two_echelon import read_perboli
from fwdnet.logistics.errors import InputError

SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"
CFL = SHARED / "cfl"
E2 = SHARED / "2evrp"
needs_shared = pytest.mark.skipif(not CFL.exists(), reason="shared benchmarks not present")


@needs_shared
def test_cap41_reads_as_documented() -> None:
    """cap41: 16 warehouses of capacity 5000 (fixed 7500, warehouse 11 free), 50 customers."""
    p = read_cap(CFL / "cap41.txt")
    assert (p.n_candidates, p.n_customers) == (16, 50)
    assert set(p.capacity) == {5000.0}
    assert p.fixed_cost[10] == 0.0
    assert set(np.delete(p.fixed_cost, 10)) == {7500.0}
    assert p.demand[0] == 146.0
    assert p.assign_cost[0, 0] == pytest.approx(6739.725)
    assert p.assign_cost[15, 0] == pytest.approx(6051.7)
    assert not p.single_source  # Beasley's optima allow split demand


@needs_shared
def test_capa_needs_and_takes_a_capacity() -> None:
    """capa's capacities are the word 'capacity': refused without --capacity, set with it."""
    with pytest.raises(InputError, match="pass --capacity"):
        read_cap(CFL / "capa.txt")
    p = read_cap(CFL / "capa.txt", capacity=8000)
    assert (p.n_candidates, p.n_customers) == (100, 1000)
    assert set(p.capacity) == {8000.0}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file ends early: expected number of warehouses"),
        ("2 1\n10 5\n10 x\n", "line 3: fixed cost of warehouse 2 should be a number, got 'x'"),
        ("2 1\n10 5\n10 5\n4 1.0\n", "file ends early: expected cost of customer 1 at warehouse 2"),
        ("2 1\n10 5\n10 5\n4 1 2 3\n", "line 4: unexpected '3' after the 1 customers"),
        ("1 1\n10 -5\n4 1\n", "line 2: fixed cost of warehouse 1 should be finite and >= 0"),
        ("0 1\n", "m and n must be >= 1"),
        ("1.5 1\n", "number of warehouses m should be an integer"),
    ],
)
def test_broken_cap_files_fail_with_one_line(tmp_path: Path, text: str, message: str) -> None:
    """Each malformed file raises InputError naming the file and what was expected, in one line."""
    f = tmp_path / "bad.txt"
    f.write_text(text)
    with pytest.raises(InputError) as info:
        read_cap(f)
    assert message in str(info.value)
    assert str(f) in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_cap_file() -> None:
    with pytest.raises(InputError, match="file not found"):
        read_cap("/nonexistent/cap00.txt")


@needs_shared
def test_perboli_file_reads_as_documented() -> None:
    """E-n22-k4-s6-17: satellites at customers 6 and 17, 21 customers, fleets 3×15000 / 4×6000."""
    inst = read_perboli(E2 / "E-n22-k4-s6-17.dat")
    assert inst.name == "E-n22-k4-s6-17"
    assert inst.demand.size == 21
    assert inst.demand[0] == 1100
    assert int(inst.demand.sum()) == 22500
    np.testing.assert_array_equal(inst.depot_xy, [145, 215])
    np.testing.assert_array_equal(inst.satellite_xy, [[146, 246], [147, 193]])
    np.testing.assert_array_equal(inst.satellite_xy[0], inst.customer_xy[5])
    assert (inst.l1_capacity, inst.l2_capacity, inst.l1_fleet, inst.l2_fleet) == (15000, 6000, 3, 4)


GOOD = """NAME : tiny
TYPE : 2ECVRP
SATELLITES : 1
CUSTOMERS : 2
L1CAPACITY : 100
L2CAPACITY : 50
L1FLEET: 1
L2FLEET: 1
NODE_COORD_SECTION
0 0 0
1 10 1
2 10 -1
SATELLITE_SECTION
1 10 0
DEMAND_SECTION
0 0
1 20
2 20
DEPOT_SECTION
0
-1
EOF
"""


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("TYPE : 2ECVRP", "TYPE : CVRP", "TYPE should be 2ECVRP, got 'CVRP'"),
        ("L2CAPACITY : 50", "L2CAPACITY : lots", "L2CAPACITY should be an integer, got 'lots'"),
        ("L1FLEET: 1\n", "", "missing field L1FLEET"),
        ("2 10 -1\n", "2 10\n", "NODE_COORD_SECTION row should have 3 numbers, got 2"),
        ("1 20\n2 20", "1 20\n2 60", "customer 2: demand 60 exceeds L2CAPACITY 50"),
        ("DEMAND_SECTION\n0 0\n1 20\n2 20\n", "", "missing DEMAND_SECTION"),
    ],
)
def test_broken_perboli_files_fail_with_one_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    """Each malformed 2ECVRP file raises InputError with the line or field, in one line."""
    assert old in GOOD
    f = tmp_path / "bad.dat"
    f.write_text(GOOD.replace(old, new))
    with pytest.raises(InputError) as info:
        read_perboli(f)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_good_tiny_perboli_file(tmp_path: Path) -> None:
    """The template the broken variants start from parses."""
    f = tmp_path / "ok.dat"
    f.write_text(GOOD)
    inst = read_perboli(f)
    assert inst.demand.tolist() == [20, 20]
