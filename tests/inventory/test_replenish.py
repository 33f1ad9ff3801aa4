"""Scenario replenishment: region forecasts split to FWs by nearest-store weight, S by formula."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fwdnet.logistics.inventory.policies import InventoryState
from fwdnet.logistics.inventory.replenish import (
    ReplenishmentSettings,
    plan_replenishment,
    region_shares,
)
from fwdnet.logistics.network.model import Network, Site, SiteKind, Sku

Z95 = 1.6448536269514722


def _network() -> Network:
    def site(i: str, kind: SiteKind, region: str, lon: float, w: float = 1.0,
             cap: float = float("inf")) -> Site:
        return Site(i, kind, i, "c", region, lon, 30.0, capacity_units=cap, weight=w)

    sites = (
        site("FW1", SiteKind.FW, "A", 104.0, cap=1000.0),
        site("FW2", SiteKind.FW, "B", 106.0, cap=1000.0),
        site("S1", SiteKind.STORE, "A", 104.1, 3.0),  # nearest FW1
        site("S2", SiteKind.STORE, "A", 105.9, 1.0),  # region A but nearest FW2
        site("S3", SiteKind.STORE, "B", 106.1, 2.0),
    )
    skus = tuple(Sku(k, k, "c", 0.01, 1.0, 10.0, 20.0, 1.0) for k in ("K1", "K2"))
    return Network(sites, skus, ("A", "B"), ("c",), np.ones((2, 1, 53)))


def test_region_shares_follow_nearest_store_weight() -> None:
    """Region A: 3 of 4 store-weight units nearest FW1, 1 nearest FW2; region B all FW2."""
    net = _network()
    share = region_shares(net, net.fw_candidates)
    assert share.tolist() == [[0.75, 0.0], [0.25, 1.0]]


def test_order_up_to_levels_match_the_formula() -> None:
    """Weekly μ = 70, σ = 14 in A for K1: FW1 daily μ = 7.5, σ = 0.75·14/√7;
    S = μ(L+R) + z σ √(L+R) with L = 2, R = 7 days, 95 % cycle service; empty FW orders S↑."""
    net = _network()
    rows = []
    for region, sku, mu, sd in (("A", "K1", 70.0, 14.0), ("B", "K1", 0.0, 0.0),
                                ("A", "K2", 0.0, 0.0), ("B", "K2", 0.0, 0.0)):
        for step in range(2):
            rows.append({"unique_id": f"{region}|{sku}", "ds": pd.Timestamp("2026-01-05")
                         + pd.Timedelta(weeks=step), "forecast": mu,
                         "p10": mu - 1.2815515655446004 * sd,
                         "p90": mu + 1.2815515655446004 * sd})
    settings = ReplenishmentSettings(service_level=0.95, review_days=7, lead_days=2)
    plan, fws = plan_replenishment(net, pd.DataFrame(rows), settings)
    mu_d, sd_d = 0.75 * 70 / 7, 0.75 * 14 / math.sqrt(7)
    expected = mu_d * 9 + Z95 * sd_d * 3
    assert plan.order_up_to[0, 0] == pytest.approx(expected)
    assert plan.order[0, 0] == math.ceil(expected)
    assert plan.order[:, 1].tolist() == [0.0, 0.0]  # no demand, no order
    assert [s.id for s in fws] == ["FW1", "FW2"]


def test_backtest_sigma_replaces_the_interval_and_new_items_borrow_the_ratio() -> None:
    """σ = 14/week for A|K1 from a backtest gives the same S as the interval did; A|K2 has no
    backtest σ, so it borrows σ/μ = 0.2 of the others: σ = 0.2·70 = 14 as well."""
    net = _network()
    rows = [{"unique_id": uid, "ds": pd.Timestamp("2026-01-05"), "forecast": 70.0,
             "p10": 0.0, "p90": 0.0} for uid in ("A|K1", "A|K2")]
    sigma = pd.Series({"A|K1": 14.0})
    plan, _ = plan_replenishment(net, pd.DataFrame(rows), ReplenishmentSettings(), sigma=sigma)
    mu_d, sd_d = 0.75 * 70 / 7, 0.75 * 14 / math.sqrt(7)
    assert plan.order_up_to[0].tolist() == pytest.approx([mu_d * 9 + Z95 * sd_d * 3] * 2)


def test_stock_in_transit_reduces_the_order() -> None:
    """The same FW with 40 on order and 5 backordered orders 35 less (inventory position)."""
    net = _network()
    fc = pd.DataFrame({"unique_id": ["A|K1"], "ds": [pd.Timestamp("2026-01-05")],
                       "forecast": [70.0], "p10": [60.0], "p90": [80.0]})
    settings = ReplenishmentSettings()
    empty, _ = plan_replenishment(net, fc, settings)
    state = InventoryState.of(np.zeros((2, 2)), np.array([[40.0, 0], [0, 0]]),
                              np.array([[5.0, 0], [0, 0]]))
    busy, _ = plan_replenishment(net, fc, settings, state=state)
    assert empty.order[0, 0] - busy.order[0, 0] == 35.0


def test_slow_movers_get_a_discrete_order_up_to_level() -> None:
    """FW1 gets 1 unit/day of A|K1 (9 units over L + R = 9 days, below 20): its S is the
    negative-binomial quantile for the backtest σ, a whole number above the mean."""
    from fwdnet.logistics.inventory.safety import discrete_order_up_to

    net = _network()
    mu_w = 7 / 0.75
    fc = pd.DataFrame({"unique_id": ["A|K1"], "ds": [pd.Timestamp("2026-01-05")],
                       "forecast": [mu_w], "p10": [0.0], "p90": [0.0]})
    sigma = pd.Series({"A|K1": 2 * math.sqrt(mu_w)})
    plan, _ = plan_replenishment(net, fc, ReplenishmentSettings(), sigma=sigma)
    sd_d = 0.75 * 2 * math.sqrt(mu_w) / math.sqrt(7)
    want = float(discrete_order_up_to(9.0, sd_d * 3, 0.95))
    assert plan.order_up_to[0, 0] == want
    assert want == int(want)
    assert want > 9.0


def test_design_assignment_replaces_the_nearest_fw() -> None:
    """The design sends S2 (nearest FW2) to FW1 and S3 to the CDC: FW1 serves all of region A,
    FW2 nothing, and region B's demand is at no FW."""
    net = _network()
    fws = net.fw_candidates
    shares = region_shares(net, fws, store_fw=np.array([0, 0, -1]))
    assert shares.tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_store_levels_follow_their_share_of_the_region() -> None:
    """S1 holds 3/4 of region A's weight: μ = 0.75·140/7 = 15 a day; weekly σ² = 0.75²·28² +
    0.75·0.25·140 (its share of the regional error plus the thinning); S over L + R = 1 + 1
    days at 95 %. S3 is served from the CDC, so its lead time is 3 days."""
    from fwdnet.logistics.inventory.replenish import StoreSettings, plan_stores

    net = _network()
    z80 = 1.2815515655446004
    rows = [{"unique_id": uid, "ds": pd.Timestamp("2026-01-05"), "forecast": 140.0,
             "p10": 140.0 - z80 * 28, "p90": 140.0 + z80 * 28} for uid in ("A|K1", "B|K1")]
    plan = plan_stores(net, pd.DataFrame(rows), ReplenishmentSettings(),
                       StoreSettings(review_days=1, fw_lead_days=1, cdc_lead_days=3),
                       np.array([0, 1, -1]))
    mu = 0.75 * 140 / 7
    sd = math.sqrt(0.75**2 * 28**2 + 0.75 * 0.25 * 140) / math.sqrt(7)
    assert plan.demand_rate[0, 0] == pytest.approx(mu)
    assert plan.order_up_to[0, 0] == pytest.approx(mu * 2 + Z95 * sd * math.sqrt(2))
    mu3 = 140 / 7  # S3 is all of region B
    sd3 = 28 / math.sqrt(7)
    assert plan.order_up_to[2, 0] == pytest.approx(mu3 * 4 + Z95 * sd3 * 2)
    assert plan.order[:, 1].tolist() == [0.0, 0.0, 0.0]  # K2 has no forecast
