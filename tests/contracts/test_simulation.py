"""Fixed versus flexible contracts on the supplier side of the network replay (tiny scenario):
common random numbers, premiums and fees priced as the contract says, flexibility 0 = fixed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from fwdnet.logistics.design.matrices import network_matrices
from fwdnet.logistics.design.network_design import plan_network
from fwdnet.logistics.inventory.contracts import Contract, LeadTime
from fwdnet.logistics.network import load_scenario
from fwdnet.scenarios.pipeline import with_routes
from fwdnet.simulation.contracts import contract_cases, contracts_view, with_contract
from fwdnet.simulation.engine import SimulationInput, simulate
from fwdnet.simulation.inputs import replay_input
from fwdnet.simulation.streams import Streams

LEAD = LeadTime((4, 6), (0.5, 0.5))
FIXED = Contract(name="fixed", lead_time=LEAD, review_days=7)
FLEX = Contract(name="flex", lead_time=LEAD, review_days=7, flex_pct=0.5, cutoff_days=2,
                premium_rmb_per_unit=2.0, revision_fee_rmb_per_unit=0.5)


@pytest.fixture(scope="module")
def tiny_inp(tiny_toml: Path) -> SimulationInput:
    scn = load_scenario(tiny_toml)
    mats = network_matrices(scn)
    return replay_input(scn, with_routes(scn, mats, plan_network(scn, "all-open")), mats)


def test_same_contract_twice_gives_zero_paired_difference(tiny_inp: SimulationInput) -> None:
    twin = dataclasses.replace(FLEX, name="flex again")
    cases = contract_cases(tiny_inp, [FLEX, twin], 0.0)
    view = contracts_view([FLEX, twin], cases, seed=3, replications=2)
    assert {p.metric for p in view.paired} == {"fill_rate", "lost_sales_units",
                                               "average_stock_units", "premium_rmb",
                                               "total_cost_rmb"}
    for p in view.paired:
        assert p.difference.mean == 0.0
        assert p.difference.low == p.difference.high == 0.0


def test_zero_band_is_the_fixed_contract(tiny_inp: SimulationInput) -> None:
    """flex_pct 0 with a premium: not flexible, so no premium and the same replay as fixed."""
    nil = dataclasses.replace(FIXED, name="nil band", premium_rmb_per_unit=9.0)
    a = simulate(with_contract(tiny_inp, FIXED), Streams.of(5, 0)).summary()
    b = simulate(with_contract(tiny_inp, nil), Streams.of(5, 0)).summary()
    assert a == b
    assert a["supplier_premium_rmb"] == 0.0
    assert a["supplier_units"] > 0


def test_flexible_contract_pays_premium_per_unit_and_fee_per_revised_unit(
        tiny_inp: SimulationInput) -> None:
    """Premium = 2 RMB × units delivered + 0.5 RMB × units revised, over the whole run."""
    m = simulate(with_contract(tiny_inp, FLEX), Streams.of(5, 0)).summary()
    assert m["supplier_premium_rmb"] == pytest.approx(
        2.0 * m["supplier_units"] + 0.5 * m["revised_units"])


def test_contract_lead_times_follow_the_contract(tiny_inp: SimulationInput) -> None:
    """Supplier receipts land on the morning 4 or 6 days after the order's day (no supplier
    delay drawn here)."""
    inp = dataclasses.replace(with_contract(tiny_inp, FIXED), random_disruptions=False)
    res = simulate(inp, Streams.of(5, 0))
    waits = {int(s.arrived) - int(s.ordered) for s in res.shipments if s.kind == "supplier"}
    assert waits
    assert waits <= {4, 6}
