"""A two-region, four-SKU chain whose regions buy different things (answers known by hand).

SKU k is alone in category c<k>. North buys c0, c1 at full season and c2, c3 at 0.2; South the
reverse. Base demand per day: K0 20, K1 10, K2 18, K3 9. Nationally K0 (24) > K2 (21.6) > K1 (12)
> K3 (10.8), so a 2-SKU national range is {K0, K2}; North's own best two are {K0, K1} and South's
{K2, K3}. Each FW holds 2 SKUs at 100 units per SKU (capacity 200).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from fwdnet.logistics.assortment import AssortmentRules, resolve_rules
from fwdnet.logistics.network.model import (
    Costs,
    DemandHistory,
    Network,
    Policy,
    Scenario,
    Site,
    SiteKind,
    Sku,
    frozen_array,
)

BASE = (20.0, 10.0, 18.0, 9.0)
TASTE = ((1.0, 1.0, 0.2, 0.2), (0.2, 0.2, 1.0, 1.0))


def tiny_scenario() -> Scenario:
    sites = (
        Site("CDC", SiteKind.CDC, "cdc", "x", "N", 104.0, 30.0),
        Site("FW-N", SiteKind.FW, "fw n", "x", "N", 104.1, 30.1, capacity_units=200),
        Site("FW-S", SiteKind.FW, "fw s", "y", "S", 104.2, 29.0, capacity_units=200),
        Site("ST-N", SiteKind.STORE, "store n", "x", "N", 104.1, 30.2),
        Site("ST-S", SiteKind.STORE, "store s", "y", "S", 104.2, 29.1),
    )
    skus = tuple(Sku(f"K{k}", f"sku {k}", f"c{k}", 0.01, 1.0, 50.0, 100.0, BASE[k])
                 for k in range(4))
    season = np.repeat(np.array(TASTE)[:, :, None], 53, axis=2)
    net = Network(sites=sites, skus=skus, regions=("N", "S"), categories=("c0", "c1", "c2", "c3"),
                  seasonality=frozen_array(season))
    weeks = tuple(date(2025, 1, 6) + timedelta(weeks=w) for w in range(52))
    qty = np.rint(np.array(TASTE)[:, :, None] * np.array(BASE)[None, :, None] * 7
                  * np.ones((2, 4, 52)))
    hist = DemandHistory(week_start=weeks, quantity=frozen_array(qty, np.int64))
    return Scenario(name="tiny-assortment", source="tests/assortment/tiny.toml", seed=11,
                    start=date(2026, 1, 5), horizon_days=84, road_factor=1.3, network=net,
                    history=hist, vehicles=(), costs=Costs(), policy=Policy(review_days=7,
                                                                          cdc_fw_lead_days=2))


@pytest.fixture
def scn() -> Scenario:
    return tiny_scenario()


@pytest.fixture
def rules():
    return AssortmentRules(units_per_sku=100, shrinkage=0.0, similar_regions=1)


@pytest.fixture
def resolved(scn, rules):
    return resolve_rules(scn, rules)
