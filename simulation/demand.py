"""The replay's demand step: every store × SKU draw of a day, grouped onto the stocking nodes.

Stores are drawn in region order (independent of the design, so every design of a comparison
sees the same draws) and summed into (node, region) groups with one sparse product; stores of a
group share its SKU mix up to their size. Rates change weekly (seasons) and by promotion day,
so most days reuse the previous day's rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from fwdnet.logistics.network.model import FloatArray, IntArray
from fwdnet.simulation.inputs import SimulationInput, poisson_sampler


@dataclass(frozen=True)
class DemandLayout:
    """Design-dependent index structures of the per-day numpy step (built once per run)."""

    perm: IntArray  # store order of the draw (by region: design independent)
    blocks: tuple[tuple[int, int, int], ...]  # (region, first, last+1) in draw order
    group: Any  # sparse (groups, stores) sum of the drawn stores into (node, region) groups
    group_int: Any  # the same with int64 entries (Poisson draws stay integers: no copy)
    store_group: IntArray  # (stores,) group of each drawn store
    group_node: IntArray
    group_region: IntArray
    node_of_group: FloatArray  # (nodes, groups) 0/1
    region_of_group: FloatArray  # (regions, groups) 0/1
    store_node: IntArray  # (stores,) in draw order
    category: FloatArray  # (skus, categories) 0/1
    group_share: FloatArray  # (groups, skus) a group's share of its node's base demand
    region_base: FloatArray  # (regions, skus) weight × base summed over each region's stores
    store_cum: FloatArray  # (stores,) draw order: cumulative share of its region's weight


def demand_layout(inp: SimulationInput) -> DemandLayout:
    """Draw order, (node, region) groups and the shares that split node stock over regions."""
    dm = inp.demand
    n_regions = int(dm.seasonality.shape[0])
    perm = np.argsort(dm.store_region, kind="stable").astype(np.int64)
    reg = dm.store_region[perm]
    blocks = []
    for r in range(n_regions):
        idx = np.flatnonzero(reg == r)
        if idx.size:
            blocks.append((r, int(idx[0]), int(idx[-1]) + 1))
    node = inp.store_node[perm]
    key = node * n_regions + reg
    keys, gid = np.unique(key, return_inverse=True)
    groups = keys.size
    g = sparse.csr_matrix((np.ones(perm.size), (gid, np.arange(perm.size))),
                          shape=(groups, perm.size))
    gn, gr = (keys // n_regions).astype(np.int64), (keys % n_regions).astype(np.int64)
    nog = np.zeros((inp.nodes, groups))
    nog[gn, np.arange(groups)] = 1.0
    rog = np.zeros((n_regions, groups))
    rog[gr, np.arange(groups)] = 1.0
    skus, n_cats = dm.sku_base.size, int(dm.seasonality.shape[1])
    cat = np.zeros((skus, n_cats))
    cat[np.arange(skus), dm.sku_category] = 1.0
    # base demand = store weight × SKU base × regional taste: summed per group and region from
    # the weights (no stores × SKUs matrix: 480 MB at 3,000 × 20,000)
    weight = np.asarray(dm.store_weight, dtype=np.float64)[perm]
    taste = (np.ones((n_regions, skus)) if dm.affinity is None
             else np.asarray(dm.affinity, dtype=np.float64))
    sku_base = np.asarray(dm.sku_base, dtype=np.float64)
    gw = np.bincount(gid, weights=weight, minlength=groups)[:, None] * sku_base * taste[gr]
    # a node's stock serves the regions of its stores: split it per SKU by their base demand
    node_w = nog @ gw
    share = np.divide(gw, node_w[gn], out=np.zeros_like(gw), where=node_w[gn] > 0)
    region_w = np.bincount(reg, weights=weight, minlength=n_regions)
    region_base = region_w[:, None] * sku_base * taste
    cum = np.zeros(perm.size)
    for _, a, b in blocks:
        total = float(weight[a:b].sum())
        cum[a:b] = (np.cumsum(weight[a:b]) / total if total > 0
                    else np.arange(1, b - a + 1) / (b - a))
        cum[b - 1] = 1.0
    return DemandLayout(perm, tuple(blocks), g, g.astype(np.int64), gid.astype(np.int64),
                        gn, gr, nog, rog, node, cat, share, region_base, cum)


@dataclass(frozen=True)
class DayDemand:
    """One day's draw: units per drawn store (all SKUs), per (node, region) group, per node."""

    store: npt.NDArray[Any]  # (stores,) units, draw order
    group: FloatArray  # (groups, skus)
    node: FloatArray  # (nodes, skus)


class DailyDemand:
    """Draws each day's demand from the demand stream with the sampler of the input.

    The default Poisson sampler draws by region, exactly: a store's rate is its weight × its
    region's SKU rate, so a region's sales of a SKU are Poisson with the summed rate, and each
    unit sold lands in one of the region's stores with probability weight / region weight,
    whatever the SKU (Poisson thinning). Regions × SKUs draws and one uniform per unit sold,
    instead of stores × SKUs draws. The draw does not depend on the design, so designs replay
    the same demand. Other samplers (hand-computed tests) draw every store × SKU.
    """

    def __init__(self, inp: SimulationInput, layout: DemandLayout, rng: np.random.Generator
                 ) -> None:
        self.inp, self.lay, self.rng = inp, layout, rng
        cats = inp.demand.sku_category
        self.factors = [inp.demand.factor(inp.start + timedelta(days=d))[:, cats]
                        for d in range(inp.days)]
        self.by_region = inp.sampler is poisson_sampler
        # the per-cell draw needs every store's base rates (draw order); the region draw does not
        self.wb = None if self.by_region else np.asarray(inp.demand.store_base()[layout.perm])
        self.rate = np.empty_like(layout.region_base if self.wb is None else self.wb)

    def draw(self, day: int) -> DayDemand:
        lay, fk = self.lay, self.factors[day]
        if day == 0 or not np.array_equal(fk, self.factors[day - 1]):
            # seasons change weekly and promotions by day: most days reuse the rates
            if self.wb is None:
                np.multiply(lay.region_base, fk, out=self.rate)
            else:
                for r, a, b in lay.blocks:
                    np.multiply(self.wb[a:b], fk[r], out=self.rate[a:b])
        if self.by_region:
            return self._draw_by_region()
        demand = np.asarray(self.inp.sampler(self.rng, self.rate))
        grouping = lay.group_int if demand.dtype.kind in "iu" else lay.group
        gd = np.asarray(grouping @ demand, dtype=np.float64)  # (groups, skus)
        return DayDemand(demand.sum(axis=1), gd, lay.node_of_group @ gd)

    def _draw_by_region(self) -> DayDemand:
        lay, rng = self.lay, self.rng
        stores, skus = lay.perm.size, self.rate.shape[1]
        groups = lay.group_node.size
        units = rng.poisson(self.rate)  # (regions, skus)
        where, keys = [], []
        for r, a, b in lay.blocks:
            n = int(units[r].sum())
            if n == 0:
                continue
            sku = np.repeat(np.arange(skus), units[r])  # the SKU of each unit sold
            at = np.searchsorted(lay.store_cum[a:b], rng.random(n), side="right")
            pos = a + np.minimum(at, b - a - 1)  # the store (draw order) that sold it
            where.append(pos)
            keys.append(lay.store_group[pos] * skus + sku)
        if not where:
            return DayDemand(np.zeros(stores), np.zeros((groups, skus)),
                             np.zeros((lay.node_of_group.shape[0], skus)))
        store = np.bincount(np.concatenate(where), minlength=stores)
        sold = np.bincount(np.concatenate(keys), minlength=groups * skus)
        gd = sold.reshape(groups, skus).astype(np.float64)
        return DayDemand(store, gd, lay.node_of_group @ gd)
