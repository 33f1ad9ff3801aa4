"""`plan_network` on the tiny network, where the best design is clear by hand: the MIP's
choice, and named designs whose fixed open set still gets a capacity-checked assignment."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from fwdnet.logistics.design.costs import design_context
from fwdnet.logistics.design.network_design import NetworkDesign, plan_network
from fwdnet.logistics.errors import InputError
from fwdnet.logistics.kernel.status import SolveStatus
from fwdnet.logistics.network import Scenario, load_scenario


def _with_sites(scn: Scenario, **changes: dict[str, object]) -> Scenario:
    sites = tuple(dataclasses.replace(s, **changes.get(s.id.replace("-", "_"), {}))
                  for s in scn.network.sites)
    return scn.replace(network=dataclasses.replace(scn.network, sites=sites))


def _design(scn: Scenario, name: str = "optimal") -> NetworkDesign:
    return plan_network(scn, name)


def test_free_second_warehouse_is_opened_and_serves_its_city(tiny_toml: Path) -> None:
    """FW-B costs nothing to open and is next to the Chongqing stores: each city gets its FW."""
    scn = _with_sites(load_scenario(tiny_toml), FW_B={"fixed_cost_rmb": 0.0})
    plan = _design(scn)
    assert sorted(list(plan.open_fw)) == ["FW-A", "FW-B"]
    assert plan.assignment == {"S1": "FW-A", "S2": "FW-A", "S3": "FW-B", "S4": "FW-B"}
    assert plan.status == SolveStatus.OPTIMAL


def _long_shift_vans(scn: Scenario) -> Scenario:
    """Vans that may drive 24 h: every store is within a day's round trip of every FW."""
    return scn.replace(vehicles=tuple(dataclasses.replace(v, shift_hours=24.0)
                                      for v in scn.vehicles))


def test_prohibitive_fixed_cost_keeps_one_warehouse(tiny_toml: Path) -> None:
    """When FW-B costs far more than any transport saving, only FW-A opens and serves all."""
    scn = _with_sites(_long_shift_vans(load_scenario(tiny_toml)), FW_B={"fixed_cost_rmb": 1e12})
    plan = _design(scn)
    assert list(plan.open_fw) == ["FW-A"]
    assert set(plan.assignment.values()) == {"FW-A"}
    assert plan.node_ids == ("FW-A",)


def test_service_radius_forces_both_open_even_when_expensive(tiny_toml: Path) -> None:
    """150 km radius: Chengdu FW cannot reach Chongqing stores (≈350 road km) and vice versa."""
    base = _with_sites(_long_shift_vans(load_scenario(tiny_toml)), FW_B={"fixed_cost_rmb": 1e9})
    scn = base.replace(policy=dataclasses.replace(base.policy, max_store_distance_km=150))
    plan = _design(scn)
    assert sorted(list(plan.open_fw)) == ["FW-A", "FW-B"]
    assert plan.assignment["S3"] == "FW-B"


def test_van_shift_limits_reach(tiny_toml: Path) -> None:
    """10-hour vans at 50 km/h cannot do Chengdu ↔ Chongqing (≈350 km each way) in a shift,
    so even an expensive FW-B opens for the Chongqing stores."""
    scn = _with_sites(load_scenario(tiny_toml), FW_B={"fixed_cost_rmb": 1e9})
    plan = _design(scn)
    assert sorted(list(plan.open_fw)) == ["FW-A", "FW-B"]
    assert plan.assignment == {"S1": "FW-A", "S2": "FW-A", "S3": "FW-B", "S4": "FW-B"}


def test_store_out_of_every_reach_is_served_from_the_cdc(tiny_toml: Path) -> None:
    """With FW-B absent and a 150 km radius, the Chongqing stores are reported and go direct."""
    base = load_scenario(tiny_toml)
    net = dataclasses.replace(base.network,
                              sites=tuple(s for s in base.network.sites if s.id != "FW-B"))
    scn = base.replace(network=net, policy=dataclasses.replace(base.policy,
                                                               max_store_distance_km=150))
    plan = _design(scn)
    assert list(plan.unreachable_stores) == ["S3", "S4"]
    assert plan.assignment["S3"] == "CDC"
    assert plan.assignment["S1"] == "FW-A"
    assert plan.node_ids == ("FW-A", "CDC")


def test_capacity_below_demand_is_an_error_in_words(tiny_toml: Path) -> None:
    """Both FWs with zero capacity: the run stops with the reason, not a bare 'infeasible'."""
    scn = _with_sites(load_scenario(tiny_toml), FW_A={"capacity_units": 0.0},
                      FW_B={"capacity_units": 0.0})
    with pytest.raises(InputError, match="design: no feasible network"):
        _design(scn)


def test_all_open_sends_each_store_to_its_own_city(tiny_toml: Path) -> None:
    """With ample capacity every store goes to the FW in its city (the cheapest one)."""
    plan = _design(_long_shift_vans(load_scenario(tiny_toml)), "all-open")
    assert plan.open_fw == ("FW-A", "FW-B")
    assert plan.assignment == {"S1": "FW-A", "S2": "FW-A", "S3": "FW-B", "S4": "FW-B"}
    assert plan.status == SolveStatus.OPTIMAL
    assert plan.node_ids == ("FW-A", "FW-B")


def _room_for_one_chengdu_store(scn: Scenario) -> Scenario:
    """FW-A's throughput over the horizon holds S1 or S2, not both (turns = 28 / 12 days)."""
    ctx = design_context(scn)
    turns = scn.horizon_days / (scn.policy.review_days + scn.policy.cdc_fw_lead_days + 3)
    one_store = float(max(ctx.demand[0], ctx.demand[1]))
    return _with_sites(scn, FW_A={"capacity_units": 1.5 * one_store / turns})


def test_fixed_open_set_respects_capacity(tiny_toml: Path) -> None:
    """all-open with FW-A full after one Chengdu store: the other one goes to FW-B, which
    still reaches it (24 h vans); the cheapest-FW rule would overload FW-A."""
    scn = _room_for_one_chengdu_store(_long_shift_vans(load_scenario(tiny_toml)))
    plan = _design(scn, "all-open")
    a = plan.assignment
    assert sorted([a["S1"], a["S2"]]) == ["FW-A", "FW-B"]
    assert a["S3"] == a["S4"] == "FW-B"
    assert plan.status == SolveStatus.OPTIMAL


def test_fixed_open_set_too_small_is_an_error_in_words(tiny_toml: Path) -> None:
    """FW-A alone cannot hold all four stores' demand: no plan, with the capacity reason."""
    scn = _room_for_one_chengdu_store(_long_shift_vans(load_scenario(tiny_toml)))
    with pytest.raises(InputError, match=r"design: 'FW-A' has no plan \(.*capacity"):
        _design(scn, "FW-A")


def test_cdc_only_serves_every_store_from_the_cdc(tiny_toml: Path) -> None:
    plan = _design(load_scenario(tiny_toml), "cdc-only")
    assert plan.open_fw == ()
    assert plan.node_ids == ("CDC",)
    assert set(plan.assignment.values()) == {"CDC"}
    assert plan.placement is None
    assert plan.fixed_cost_rmb == 0.0


def test_best_k_limits_the_open_count(tiny_toml: Path) -> None:
    """best-1 with free FWs and 24 h vans: one FW serves all four stores."""
    scn = _with_sites(_long_shift_vans(load_scenario(tiny_toml)), FW_A={"fixed_cost_rmb": 0.0},
                      FW_B={"fixed_cost_rmb": 0.0})
    assert len(_design(scn).open_fw) == 2
    one = _design(scn, "best-1")
    assert len(one.open_fw) == 1
    assert set(one.assignment.values()) == set(one.open_fw)


def test_unknown_names_are_errors_in_words(tiny_toml: Path) -> None:
    scn = load_scenario(tiny_toml)
    with pytest.raises(InputError, match="unknown FW NOPE"):
        _design(scn, "NOPE+FW-A")
    with pytest.raises(InputError, match="K must be between 1 and 2"):
        _design(scn, "top-3")


def test_stock_targets_follow_the_assignment(tiny_toml: Path) -> None:
    """Each node's expected demand is the sum over the stores it serves: moving every store
    to the CDC moves all of the network's demand there."""
    scn = load_scenario(tiny_toml)
    opt, cdc = _design(scn), _design(scn, "cdc-only")
    total = opt.stock.daily_mean_by_week.sum(axis=1)
    assert total == pytest.approx(cdc.stock.daily_mean_by_week[:, 0, :])
    assert (opt.stock.order_up_to_by_week >= 0).all()
    assert not opt.stock.order_up_to_by_week.flags.writeable
    assert cdc.stock.lead_days.tolist() == [1]
