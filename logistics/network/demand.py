"""Daily expected demand by store × SKU: store size × SKU base × regional season × promotions.

The simulation draws Poisson sales from these rates; planners never see them directly (design
and forecasting work from the sales history, as in real life).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from fwdnet.logistics.kernel.calendar import iso_week_index
from fwdnet.logistics.network.model import FloatArray, IntArray, Network, Site, frozen_array


@dataclass(frozen=True)
class DemandModel:
    """Vectorised expected demand for a fixed set of stores over all SKUs of a network."""

    store_weight: FloatArray  # (stores,)
    store_region: IntArray  # (stores,) index into network.regions
    sku_base: FloatArray  # (skus,)
    sku_category: IntArray  # (skus,) index into network.categories
    seasonality: FloatArray  # (regions, categories, 53)
    # (start, end, lift, category indices, region indices) per promotion
    promo_lift: tuple[tuple[date, date, float, IntArray, IntArray], ...]
    affinity: FloatArray | None = None  # (regions, skus) local taste; None = none

    @classmethod
    def from_network(cls, network: Network, stores: tuple[Site, ...] | None = None) -> DemandModel:
        stores = network.stores if stores is None else stores
        cat_pos = {c: i for i, c in enumerate(network.categories)}
        reg_pos = {r: i for i, r in enumerate(network.regions)}
        promos = tuple(
            (
                p.start,
                p.end,
                p.lift,
                frozen_array([cat_pos[c] for c in (p.categories or network.categories)], np.int64),
                frozen_array([reg_pos[r] for r in (p.regions or network.regions)], np.int64),
            )
            for p in network.promotions
        )
        return cls(
            store_weight=frozen_array([s.weight for s in stores]),
            store_region=network.region_index(stores),
            sku_base=frozen_array([k.base_daily_demand for k in network.skus]),
            sku_category=network.category_index(),
            seasonality=network.seasonality,
            affinity=network.taste(),
            promo_lift=promos,
        )

    def factor(self, day: date) -> FloatArray:
        """(regions, categories) multiplier for `day`: season of its ISO week × promotions."""
        week = iso_week_index(day)
        f = np.array(self.seasonality[:, :, week], dtype=np.float64)
        for start, end, lift, cats, regs in self.promo_lift:
            if start <= day <= end:
                f[np.ix_(regs, cats)] *= lift
        return f

    def store_base(self) -> FloatArray:
        """(stores, skus) units per day before season and promotions: size × base × taste."""
        base = self.store_weight[:, None] * self.sku_base[None, :]
        if self.affinity is not None:
            base = base * self.affinity[self.store_region]
        return np.asarray(base)

    def region_base(self) -> FloatArray:
        """(regions, skus) units per day before season and promotions, all stores summed."""
        size = np.bincount(self.store_region, weights=self.store_weight,
                           minlength=self.seasonality.shape[0])
        base = size[:, None] * self.sku_base[None, :]
        return np.asarray(base if self.affinity is None else base * self.affinity)

    def rate(self, day: date) -> FloatArray:
        """(stores, skus) expected units sold on `day`."""
        f = self.factor(day)[self.store_region][:, self.sku_category]
        return np.asarray(f * self.store_base())
