"""The design model prices a design as the replay does: SKUs a FW does not hold are planned and
served at the CDC node, and every term of `evaluate` follows the scenario's `[costs]`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from fwdnet.logistics.design.network_design import design_costs, plan_network
from fwdnet.logistics.design.stock import stock_targets
from fwdnet.logistics.network import load_scenario
from fwdnet.logistics.network.model import CostCalibration


def test_spilled_skus_are_planned_at_the_cdc(tiny_toml: Path) -> None:
    """FW-A not holding SKU 0: its demand for it moves, unit for unit, to the CDC node."""
    scn = load_scenario(tiny_toml)
    store_node = np.array([0, 0, 1, 1])
    nodes = ("FW-A", "FW-B", "CDC")
    full = stock_targets(scn, store_node, nodes)
    held = np.ones((3, len(scn.network.skus)), dtype=bool)
    held[0, 0] = False
    part = stock_targets(scn, store_node, nodes, held)
    mu, mu_full = part.daily_mean_by_week, full.daily_mean_by_week
    assert np.all(mu[:, 0, 0] == 0.0)
    assert np.all(part.order_up_to_by_week[:, 0, 0] == 0.0)
    np.testing.assert_allclose(mu[:, 2, 0], mu_full[:, 0, 0])
    np.testing.assert_allclose(mu.sum(axis=1), mu_full.sum(axis=1))  # no demand lost


def test_calibration_scales_its_term_only(tiny_toml: Path) -> None:
    """Doubling the lost-sales factor doubles that term and leaves fixed and the rest alone."""
    scn = load_scenario(tiny_toml)
    scn = scn.replace(costs=dataclasses.replace(scn.costs, calibration=CostCalibration()))
    d = plan_network(scn, "optimal")
    one = design_costs(scn, d)
    twice = scn.replace(costs=dataclasses.replace(
        scn.costs, calibration=CostCalibration(lost_sales=2.0)))
    two = design_costs(twice, d)
    assert two.lost_sales == pytest.approx(2 * one.lost_sales)
    assert two.total - one.total == pytest.approx(one.lost_sales)
    assert one.fixed == pytest.approx(sum(
        f.fixed_cost_rmb for f in scn.network.fw_candidates if f.id in d.open_fw)
        * scn.horizon_days / 365)


def test_cdc_only_late_sales_by_formula(tiny_toml: Path) -> None:
    """cdc-only: every unit sold is (3 − 1) days late at price × 0.5 × 0.05 per day."""
    scn = load_scenario(tiny_toml)
    scn = scn.replace(costs=dataclasses.replace(scn.costs, calibration=CostCalibration()))
    d = plan_network(scn, "cdc-only")
    c = design_costs(scn, d)
    from fwdnet.logistics.design.costs import _horizon_weeks, expected_node_demand

    mu = expected_node_demand(scn, np.asarray(d.store_node), 1, None, 0)
    price = np.array([k.price_rmb for k in scn.network.skus])
    units = np.tensordot(_horizon_weeks(scn), mu, axes=1)[0]
    late_days = scn.policy.cdc_direct_lead_days - scn.policy.fw_store_lead_days
    rate = scn.costs.lost_sale_penalty_rate * scn.costs.late_sale_share_per_day
    upper = float(units @ price) * late_days * rate  # nothing lost
    assert 0.9 * upper < c.late_sales <= upper
