"""Planning demand from the sales history: seasonal-naive weekly means per store and node.

Stage-one planning figures (design and stock levels) before `logistics.forecast` refines them:
last year's same ISO week, smoothed over three weeks, split to stores by store size.
"""

from __future__ import annotations

import numpy as np

from fwdnet.logistics.kernel.calendar import iso_week_index
from fwdnet.logistics.network.model import FloatArray, IntArray, Scenario, Site


def history_by_iso_week(scenario: Scenario) -> FloatArray:
    """(regions, skus, 53) weekly units of the history indexed by ISO week − 1, 3-week smoothed.

    Weeks missing from the history (and week 53 when absent) take the SKU's average week.
    """
    hist = scenario.history
    q = hist.quantity.astype(np.float64)
    out = np.full((q.shape[0], q.shape[1], 53), np.nan)
    for w, start in enumerate(hist.week_start):
        out[:, :, iso_week_index(start)] = q[:, :, w]
    mean_week = q.mean(axis=2) if hist.weeks else np.zeros(q.shape[:2])
    out = np.where(np.isnan(out), mean_week[:, :, None], out)
    smooth = (np.roll(out, 1, axis=2) + out + np.roll(out, -1, axis=2)) / 3.0
    return np.asarray(smooth)


def store_share(scenario: Scenario, stores: tuple[Site, ...]) -> FloatArray:
    """(stores,) share of its region's sales each store gets: its size over the region's total."""
    net = scenario.network
    region = net.region_index(stores)
    weight = np.array([s.weight for s in stores], dtype=np.float64)
    total = np.bincount(region, weights=weight, minlength=len(net.regions))
    return np.asarray(np.divide(weight, total[region], out=np.zeros_like(weight),
                                where=total[region] > 0))


def store_annual_units(scenario: Scenario, stores: tuple[Site, ...]) -> FloatArray:
    """(stores,) units each store is expected to sell in a year, all SKUs together."""
    weekly = history_by_iso_week(scenario)  # regions × skus × 53
    region_year = weekly[:, :, :52].sum(axis=(1, 2))
    region = scenario.network.region_index(stores)
    return np.asarray(region_year[region] * store_share(scenario, stores))


def store_daily_units(scenario: Scenario, stores: tuple[Site, ...],
                      iso_week: int | None = None) -> FloatArray:
    """(stores,) units each store is expected to sell a day, all SKUs together: on an average
    day of the year, or (with `iso_week`, ISO week − 1) on a day of that week."""
    if iso_week is None:
        return np.asarray(store_annual_units(scenario, stores) / 365.0)
    weekly = history_by_iso_week(scenario)[:, :, iso_week].sum(axis=1)  # regions
    region = scenario.network.region_index(stores)
    return np.asarray(weekly[region] * store_share(scenario, stores) / 7.0)


def node_daily_mean_by_week(
    scenario: Scenario, stores: tuple[Site, ...], store_node: IntArray, nodes: int
) -> FloatArray:
    """(53, nodes, skus) expected daily units per stocking node and SKU in each ISO week."""
    weekly = history_by_iso_week(scenario)  # regions × skus × 53
    region = scenario.network.region_index(stores)
    share = store_share(scenario, stores)
    node_region = np.zeros((nodes, len(scenario.network.regions)))
    np.add.at(node_region, (store_node, region), share)
    return np.asarray(np.einsum("nr,rkw->wnk", node_region, weekly) / 7.0)
