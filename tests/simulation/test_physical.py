"""The physical replay on a generated 30-store scenario: conservation, causality, CRN."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest

from fwdnet.logistics.design.matrices import NetworkMatrices, network_matrices
from fwdnet.logistics.design.network_design import NetworkDesign
from fwdnet.logistics.network import Scenario, load_scenario
from fwdnet.logistics.tracking import EventIn, TrackingEvent, WaybillIn, derive_status
from fwdnet.scenarios.pipeline import design
from fwdnet.simulation.disruptions import Disruption, DisruptionKind
from fwdnet.simulation.engine import SimulationInput, simulate
from fwdnet.simulation.inputs import replay_input
from fwdnet.simulation.streams import Streams


@dataclass(frozen=True)
class Setup:
    scn: Scenario
    net: NetworkMatrices
    optimal: NetworkDesign
    inp: SimulationInput


def _input(scn: Scenario, net: NetworkMatrices, plan: NetworkDesign) -> SimulationInput:
    return replay_input(scn, plan, net)


@pytest.fixture(scope="module")
def setup(small_toml: Path) -> Setup:
    scn = load_scenario(small_toml)
    net = network_matrices(scn)
    plan = design(scn, net)
    return Setup(scn, net, plan, _input(scn, net, plan))


def _check_conservation(res: object) -> None:
    f = res.flows  # type: ignore[attr-defined]
    assert f is not None
    lhs = f.start + f.receipts - f.sales - f.transfers_out + f.transfers_in
    assert np.allclose(lhs, f.end), "stock not conserved for some day × node × SKU"
    assert (f.end >= 0).all()
    assert (f.sales >= 0).all()
    assert (f.lost >= 0).all()


def test_conservation_every_day_every_sku_with_disruptions_and_transfers(setup: Setup) -> None:
    """start + receipts − sales − transfers out + transfers in = end, per day, node and SKU;
    demand = sales + lost each day (lost sales); CDC stock never negative."""
    inp = setup.inp
    assert inp.logistics is not None
    assert inp.nodes >= 2
    # pile stock up at node 0 and empty node 1 so that rebalancing has something to move
    oh = np.array(inp.initial_on_hand)
    oh[0] *= 4
    oh[1] = 0
    outage = Disruption(DisruptionKind.FW_OUTAGE, inp.node_ids[0], 10.0, 3.0)
    closure = Disruption(DisruptionKind.ROAD_CLOSURE, inp.node_ids[1], 5.0, 2.0)
    # the outage comes with the input, the closure from the settings file's [[disruptions]]
    # a daily rebalancing check: the first one runs before node 1's first truck lands
    # lost sales made dear (50 × price) so that moving stock to node 1 pays for its trucks,
    # and any size of transfer allowed (this small chain's shortages are a few units each)
    dear = replace(inp.logistics, lost_sale_penalty_rate=50.0)
    case = replace(inp, initial_on_hand=oh, disruptions=(outage,), logistics=dear,
                   settings=inp.settings.replace(rebalance_every_days=1, rebalance_min_units=1,
                                                 scheduled=(closure,)))
    res = simulate(case, Streams.of(3), audit=True)
    _check_conservation(res)
    assert res.transfers, "the imbalance should have triggered transfers"
    assert res.flows is not None
    assert res.flows.transfers_in.sum() > 0
    k = res.kpis
    assert np.allclose(k.demand, k.sales + k.lost)
    assert (k.cdc_on_hand >= 0).all()
    # during the outage node 0 sells nothing; the closure is in force
    assert res.flows.sales[10:13, 0].sum() == 0
    assert closure in res.disruptions


def test_conservation_with_backorders(setup: Setup) -> None:
    case = replace(setup.inp, lost_sales=False)
    res = simulate(case, Streams.of(4), audit=True)
    _check_conservation(res)
    k = res.kpis
    assert k.lost.sum() == 0
    assert k.demand.sum() == pytest.approx(k.sales.sum() + k.backorders[-1])


def test_no_event_before_its_cause(setup: Setup) -> None:
    """Orders leave after they are placed and land after they leave; every waybill's events
    are valid tracking JSON, in lifecycle order, and derive a status without anomalies."""
    res = simulate(setup.inp, Streams.of(5), emit_waybills=True)
    assert res.shipments
    for s in res.shipments:
        assert s.ordered <= s.departed <= s.arrived
    log = res.waybills
    assert log is not None
    assert log.rows
    lines = log.lines()
    events: dict[str, list[TrackingEvent]] = {}
    carriers = set()
    for line in lines:
        obj = json.loads(line)
        if obj.get("kind") == "waybill":
            carriers.add(WaybillIn.model_validate(obj).carrier)
        else:
            ev = TrackingEvent.from_input(EventIn.model_validate(obj))
            events.setdefault(ev.waybill_no, []).append(ev)
    assert "own-fleet" in carriers
    for no, evs in events.items():
        times = [e.event_time for e in evs]
        assert times == sorted(times), no
        st = derive_status(evs)
        assert st.anomalies == (), (no, st.anomalies)
    for r, (status, delivered) in zip(log.rows, log.status(), strict=True):
        assert r.created <= r.promised
        if delivered is not None:
            assert delivered >= r.created
            assert status == "delivered"


def test_same_seed_identical_and_designs_see_identical_demand(setup: Setup) -> None:
    a = simulate(setup.inp, Streams.of(9, 1))
    b = simulate(setup.inp, Streams.of(9, 1))
    for name in ("demand", "sales", "lost", "on_hand", "transport_cost", "co2_kg"):
        assert np.array_equal(getattr(a.kpis, name), getattr(b.kpis, name)), name
    other = design(setup.scn, setup.net, "all-open")
    direct = design(setup.scn, setup.net, "cdc-only")
    assert other.node_ids != setup.optimal.node_ids or direct.node_ids != other.node_ids
    for plan in (other, direct):
        c = simulate(_input(setup.scn, setup.net, plan), Streams.of(9, 1))
        assert np.array_equal(c.kpis.demand, a.kpis.demand)
        assert np.array_equal(c.region.demand.sum(axis=1), a.region.demand.sum(axis=1))
        assert c.disruptions == a.disruptions  # drawn for every candidate, whatever is open
    d = simulate(setup.inp, Streams.of(9, 2))
    assert not np.array_equal(d.kpis.demand, a.kpis.demand)


def test_named_designs(setup: Setup) -> None:
    fws = [f.id for f in setup.scn.network.fw_candidates]
    all_open = design(setup.scn, setup.net, "all-open", routes=False)
    assert all_open.open_fw == tuple(f for f in fws if f in all_open.node_ids)
    cdc_only = design(setup.scn, setup.net, "cdc-only")
    assert cdc_only.node_ids == (setup.scn.network.cdc.id,)
    assert (cdc_only.store_node == 0).all()
    top2 = design(setup.scn, setup.net, "top-2", routes=False)
    assert len(top2.open_fw) == 2
    pair = design(setup.scn, setup.net, f"{fws[1]}+{fws[0]}", routes=False)
    assert pair.open_fw == (fws[0], fws[1])
    from fwdnet.logistics.errors import InputError

    with pytest.raises(InputError, match="unknown FW NOPE"):
        design(setup.scn, setup.net, "NOPE+" + fws[0])
    with pytest.raises(InputError, match="K must be"):
        design(setup.scn, setup.net, "top-99")


def test_kpi_breakdowns_add_up(setup: Setup) -> None:
    res = simulate(setup.inp, Streams.of(6), warmup_days=7)
    k, s = res.kpis, res.summary()
    assert s["demand_units"] == pytest.approx(k.demand[7:].sum())
    assert res.node.demand.sum() == pytest.approx(s["demand_units"])
    assert res.region.demand.sum() == pytest.approx(s["demand_units"])
    assert res.region.filled.sum() == pytest.approx(k.filled[7:].sum())
    # stock serving the regions adds up to the nodes' stock
    assert res.region.average_on_hand.sum() == pytest.approx(res.node.average_on_hand.sum())
    assert s["transport_cost_rmb"] == pytest.approx(
        s["transport_cdc_fw_rmb"] + s["transport_fw_store_rmb"] + s["transfers_rmb"])
    assert 0 < s["truck_utilisation"] <= 1
    # stores order at 12:00, vans leave the next morning: never sooner than that
    earliest = 1 + setup.inp.settings.van_start_hour / 24 - 0.5
    assert s["lead_time_days"] >= earliest
    assert s["co2_kg"] > 0


def test_cdc_only_parcels_are_causal_and_slower(setup: Setup) -> None:
    """All stores on third-party parcels: events in order, and order-to-delivery at least the
    CDC-direct lead days minus the half day between order and noon."""
    plan = design(setup.scn, setup.net, "cdc-only")
    inp = _input(setup.scn, setup.net, plan)
    res = simulate(inp, Streams.of(5), emit_waybills=True)
    log = res.waybills
    assert log is not None
    assert {r.carrier for r in log.rows if r.waybill_no.startswith("ST")} == {"3pl-express"}
    events: dict[int, list[TrackingEvent]] = {}
    for i, e, t, _loc in log.events:
        events.setdefault(i, []).append(TrackingEvent.create(
            waybill_no=log.rows[i].waybill_no, event_type=e, event_time=log.time(t),
            carrier=log.rows[i].carrier))
    for evs in list(events.values())[:3000]:
        assert derive_status(evs).anomalies == ()
    assert res.summary()["lead_time_days"] >= setup.scn.policy.cdc_direct_lead_days - 0.5
