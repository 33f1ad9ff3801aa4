"""The design stage on the tiny network, where the best design is clear by hand."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.network import Scenario, load_scenario
from fwdnet.scenarios import stages


def _with_sites(scn: Scenario, **changes: dict[str, object]) -> Scenario:
    sites = tuple(dataclasses.replace(s, **changes.get(s.id.replace("-", "_"), {}))
                  for s in scn.network.sites)
    return scn.replace(network=dataclasses.replace(scn.network, sites=sites))


def _design(scn: Scenario) -> stages.DesignPlan:
    return stages.design_stage(scn, stages.network_stage(scn))


def test_free_second_warehouse_is_opened_and_serves_its_city(tiny_toml: Path) -> None:
    """FW-B costs nothing to open and is next to the Chongqing stores: each city gets its FW."""
    scn = _with_sites(load_scenario(tiny_toml), FW_B={"fixed_cost_rmb": 0.0})
    plan = _design(scn)
    assert sorted(plan.out.open_fw) == ["FW-A", "FW-B"]
    assert plan.out.assignment == {"S1": "FW-A", "S2": "FW-A", "S3": "FW-B", "S4": "FW-B"}
    assert plan.out.status == "optimal"


def _long_shift_vans(scn: Scenario) -> Scenario:
    """Vans that may drive 24 h: every store is within a day's round trip of every FW."""
    return scn.replace(vehicles=tuple(dataclasses.replace(v, shift_hours=24.0)
                                      for v in scn.vehicles))


def test_prohibitive_fixed_cost_keeps_one_warehouse(tiny_toml: Path) -> None:
    """When FW-B costs far more than any transport saving, only FW-A opens and serves all."""
    scn = _with_sites(_long_shift_vans(load_scenario(tiny_toml)), FW_B={"fixed_cost_rmb": 1e12})
    plan = _design(scn)
    assert plan.out.open_fw == ["FW-A"]
    assert set(plan.out.assignment.values()) == {"FW-A"}
    assert plan.node_ids == ("FW-A",)


def test_service_radius_forces_both_open_even_when_expensive(tiny_toml: Path) -> None:
    """150 km radius: Chengdu FW cannot reach Chongqing stores (≈350 road km) and vice versa."""
    base = _with_sites(_long_shift_vans(load_scenario(tiny_toml)), FW_B={"fixed_cost_rmb": 1e9})
    scn = base.replace(policy=dataclasses.replace(base.policy, max_store_distance_km=150))
    plan = _design(scn)
    assert sorted(plan.out.open_fw) == ["FW-A", "FW-B"]
    assert plan.out.assignment["S3"] == "FW-B"


def test_van_shift_limits_reach(tiny_toml: Path) -> None:
    """10-hour vans at 50 km/h cannot do Chengdu ↔ Chongqing (≈350 km each way) in a shift,
    so even an expensive FW-B opens for the Chongqing stores."""
    scn = _with_sites(load_scenario(tiny_toml), FW_B={"fixed_cost_rmb": 1e9})
    plan = _design(scn)
    assert sorted(plan.out.open_fw) == ["FW-A", "FW-B"]
    assert plan.out.assignment == {"S1": "FW-A", "S2": "FW-A", "S3": "FW-B", "S4": "FW-B"}


def test_store_out_of_every_reach_is_served_from_the_cdc(tiny_toml: Path) -> None:
    """With FW-B absent and a 150 km radius, the Chongqing stores are reported and go direct."""
    base = load_scenario(tiny_toml)
    net = dataclasses.replace(base.network,
                              sites=tuple(s for s in base.network.sites if s.id != "FW-B"))
    scn = base.replace(network=net, policy=dataclasses.replace(base.policy,
                                                               max_store_distance_km=150))
    plan = _design(scn)
    assert plan.out.unreachable_stores == ["S3", "S4"]
    assert plan.out.assignment["S3"] == "CDC"
    assert plan.out.assignment["S1"] == "FW-A"
    assert plan.node_ids == ("FW-A", "CDC")


def test_capacity_below_demand_is_an_error_in_words(tiny_toml: Path) -> None:
    """Both FWs with zero capacity: the run stops with the reason, not a bare 'infeasible'."""
    scn = _with_sites(load_scenario(tiny_toml), FW_A={"capacity_units": 0.0},
                      FW_B={"capacity_units": 0.0})
    with pytest.raises(InputError, match="design: no feasible network"):
        _design(scn)
