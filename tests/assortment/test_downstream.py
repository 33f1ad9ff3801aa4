"""The resulting assortment reaches stock placement and the SimPy engine."""

from __future__ import annotations

import numpy as np

from fwdnet.logistics.assortment import suggest
from fwdnet.logistics.assortment.model import restrict_placement
from fwdnet.logistics.design.placement import PlacementProblem, solve_placement
from fwdnet.logistics.network import DemandModel
from fwdnet.simulation.assortment import restrict_to_assortment
from fwdnet.simulation.engine import SimulationInput, simulate


def test_placement_never_holds_an_unlisted_sku(scn, resolved):
    """Plenty of room and a high CDC penalty: without the range every SKU is held; with the
    regional range FW-N holds only K0, K1 and FW-S only K2, K3."""
    reg, _, _ = suggest(scn, resolved)
    problem = PlacementProblem(
        daily_mean=np.full((2, 4), 5.0), daily_std=np.full((2, 4), 2.0), cover_days=7,
        horizon_days=365, unit_volume_m3=np.full(4, 0.01), holding_cost_per_day=np.full(4, 0.01),
        cdc_penalty=np.full(4, 10.0), fw_capacity_units=np.full(2, 1e6),
        fw_capacity_m3=np.full(2, 1e6), cdc_stock=np.full(4, 1e6))
    assert solve_placement(problem).held.all()
    held = solve_placement(restrict_placement(problem, reg, scn.network, ("FW-N", "FW-S"))).held
    assert held.tolist() == [[True, True, False, False], [False, False, True, True]]


def test_engine_input_restricted_to_the_range(scn, resolved):
    """Unlisted SKUs get S = 0 and no opening stock: they end the run with nothing on hand,
    and the network sells less than with every SKU stocked."""
    reg, _, _ = suggest(scn, resolved)
    net = scn.network
    inp = SimulationInput(
        start=scn.start, days=28, demand=DemandModel.from_network(net),
        store_node=np.array([0, 1]), node_ids=("FW-N", "FW-S"),
        order_up_to_by_week=np.full((53, 2, 4), 200.0), review_days=7,
        lead_days=np.array([2, 2]), initial_on_hand=np.full((2, 4), 200.0),
        unit_cost=np.ones(4), price=np.ones(4), holding_rate_per_year=0.25,
        replenishment_cost_per_delivery=np.zeros(2), delivery_cost_per_day=0.0)
    only = restrict_to_assortment(inp, reg, net)
    assert inp.order_up_to_by_week[0].tolist() == np.full((2, 4), 200.0).tolist()
    full = simulate(inp, np.random.default_rng(1))
    cut = simulate(only, np.random.default_rng(1))
    assert cut.final_on_hand[0, 2:].tolist() == [0.0, 0.0]
    assert cut.final_on_hand[1, :2].tolist() == [0.0, 0.0]
    assert cut.kpis.sales.sum() < full.kpis.sales.sum()
