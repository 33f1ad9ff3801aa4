"""Ranges and approved local promotions flow through placement, stock targets and the replay;
known answers on the tiny scenario (exact demand, no disruptions)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from fwdnet.logistics.assortment.model import Assortment, RangePlan
from fwdnet.logistics.design.matrices import network_matrices
from fwdnet.logistics.design.network_design import plan_network, with_ranges
from fwdnet.logistics.network import load_scenario
from fwdnet.logistics.network.model import Promotion
from fwdnet.scenarios.pipeline import with_routes
from fwdnet.simulation.engine import simulate
from fwdnet.simulation.inputs import replay_input
from fwdnet.simulation.ranges import range_case
from fwdnet.simulation.streams import Streams


def _exact(rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
    return np.asarray(rate, dtype=np.float64).copy()


@pytest.fixture(scope="module")
def tiny(tiny_toml: Path):  # type: ignore[no-untyped-def]
    scn = load_scenario(tiny_toml)
    mats = network_matrices(scn)
    d = with_routes(scn, mats, plan_network(scn, "all-open"))
    return scn, mats, d


def _plan(scn, listed: np.ndarray) -> RangePlan:  # type: ignore[no-untyped-def]
    net = scn.network
    return RangePlan.of(Assortment("regional", net.regions, tuple(k.id for k in net.skus),
                                   listed))


def test_unlisted_sku_is_not_placed_stocked_or_sold(tiny) -> None:  # type: ignore[no-untyped-def]
    """CQ does not list K1 (coat): FW-B neither holds nor stocks it, and every coat its stores
    ask for is lost; FW-A (CD lists everything) sells coats as before."""
    scn, mats, d = tiny
    listed = np.ones((2, 3), dtype=bool)
    listed[scn.network.regions.index("CQ"), 0] = False
    plan = _plan(scn, listed)
    r = with_ranges(scn, d, plan)
    b, a = r.node_ids.index("FW-B"), r.node_ids.index("FW-A")
    assert r.placement is not None
    assert not r.placement.held[b, 0]
    assert np.all(r.stock.order_up_to_by_week[:, b, 0] == 0)
    assert r.held is not None
    assert r.held[b, 0]  # the demand stays at FW-B: lost, not spilled
    inp = dataclasses.replace(replay_input(scn, r, mats), sampler=_exact,
                              random_disruptions=False)
    case = range_case("regional", inp, plan, scn.network)
    assert case.range_size[scn.network.regions.index("CQ")] == 2
    assert case.range_size[scn.network.regions.index("CD")] == 3
    res = simulate(case.inp, Streams.of(scn.seed, 0))
    asked = res.sku.demand[b, 0]
    assert asked > 0
    assert res.sku.lost[b, 0] == pytest.approx(asked)
    assert res.sku.lost[a, 0] < res.sku.demand[a, 0]


def test_local_promotion_lifts_replay_demand(tiny) -> None:  # type: ignore[no-untyped-def]
    """An approved CD promotion (coats × 3 for days 3–5 of January) adds exactly 2 × the
    coat rate of CD's stores on those 3 days; nothing else changes."""
    scn, mats, d = tiny
    plan = _plan(scn, np.ones((2, 3), dtype=bool))
    inp = dataclasses.replace(replay_input(scn, d, mats), sampler=_exact,
                              random_disruptions=False)
    promo = Promotion("CD coats", date(2026, 1, 3), date(2026, 1, 5), 3.0, ("heavy_coat",),
                      ("CD",))
    base = simulate(range_case("national", inp, plan, scn.network).inp, Streams.of(1, 0))
    lifted = simulate(range_case("local", inp, plan, scn.network, (promo,)).inp,
                      Streams.of(1, 0))
    extra = lifted.kpis.demand - base.kpis.demand
    cd = inp.demand.store_region == scn.network.regions.index("CD")
    coat_rate = [float(inp.demand.rate(date(2026, 1, 1 + t))[cd, 0].sum()) for t in (2, 3, 4)]
    np.testing.assert_allclose(extra[2:5], [2 * c for c in coat_rate])
    assert np.all(extra[:2] == 0)
    assert np.all(extra[5:] == 0)
