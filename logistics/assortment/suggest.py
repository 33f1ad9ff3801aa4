"""Range suggestions per region from regional sales history, with a reason and expected sales.

Expected yearly sales of SKU k in region r shrink the region's own sales towards its category
total split by the national SKU mix: E = (q_rk + λ·Q_rc·s_k|c) / (1 + λ), so thin regional
histories do not chase noise. The regional range is the core range, the national choice in
locked categories, then the region's best sellers up to its maximum range; the national range
takes the national best sellers up to the same size, so the two differ only in what is chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from logistics.assortment.model import Assortment
from logistics.assortment.rules import ResolvedRules, annual_sales
from logistics.errors import InputError
from logistics.network.model import FloatArray, IntArray, Scenario


def expected_sales(scenario: Scenario, shrinkage: float = 1.0) -> FloatArray:
    """(regions, skus) expected units per year: regional sales shrunk to the national SKU mix."""
    q = annual_sales(scenario)
    cat = scenario.network.category_index()
    ncat = len(scenario.network.categories)
    national = q.sum(axis=0)
    cat_total = np.bincount(cat, weights=national, minlength=ncat)
    share = np.divide(national, cat_total[cat], out=np.zeros_like(national),
                      where=cat_total[cat] > 0)
    region_cat = np.stack([np.bincount(cat, weights=row, minlength=ncat) for row in q])
    prior = region_cat[:, cat] * share[None, :]
    return np.asarray((q + shrinkage * prior) / (1.0 + shrinkage))


def _ranks(values: FloatArray) -> IntArray:
    """1-based rank of each entry by descending value along the last axis (ties by index)."""
    order = np.argsort(-values, axis=-1, kind="stable")
    ranks = np.argsort(order, axis=-1, kind="stable") + 1
    return np.asarray(ranks, dtype=np.int64)


def _fill(order: IntArray, fixed: np.ndarray, allowed: np.ndarray, cap: int) -> np.ndarray:
    """`fixed` plus the first SKUs of `order` that are `allowed`, up to `cap` listed in all."""
    listed = fixed.copy()
    room = cap - int(listed.sum())
    if room > 0:
        pick = [int(k) for k in order if allowed[k] and not listed[k]][:room]
        listed[pick] = True
    return listed


def national_range(scenario: Scenario, rules: ResolvedRules) -> Assortment:
    """One national range: core plus national best sellers, cut at each region's maximum range."""
    net = scenario.network
    national = annual_sales(scenario).sum(axis=0)
    order = np.argsort(-national, kind="stable")
    core = np.zeros(len(net.skus), dtype=bool)
    core[list(rules.core)] = True
    every = np.ones(len(net.skus), dtype=bool)
    rows = [_fill(order, core, every, rules.max_range[r]) for r in net.regions]
    return Assortment("national", net.regions, tuple(k.id for k in net.skus), np.array(rows))


def regional_range(scenario: Scenario, rules: ResolvedRules, expected: FloatArray) -> Assortment:
    """Per region: core, the national choice in locked categories, then its own best sellers."""
    net = scenario.network
    nat = national_range(scenario, rules)
    locked = np.array([k.category in rules.locked for k in net.skus])
    core = np.zeros(len(net.skus), dtype=bool)
    core[list(rules.core)] = True
    rows = []
    for r, region in enumerate(net.regions):
        fixed = core | (locked & nat.listed[r])
        order = np.argsort(-expected[r], kind="stable")
        rows.append(_fill(order, fixed, ~locked & ~core, rules.max_range[region]))
    return Assortment("regional", net.regions, nat.sku_ids, np.array(rows))


def similar_regions(scenario: Scenario, n: int) -> dict[str, tuple[str, ...]]:
    """The `n` regions whose category mix of sales is closest (cosine) to each region's."""
    q = annual_sales(scenario)
    cat = scenario.network.category_index()
    mix = np.stack([np.bincount(cat, weights=row, minlength=len(scenario.network.categories))
                    for row in q])
    unit = mix / np.maximum(np.linalg.norm(mix, axis=1, keepdims=True), 1e-12)
    sim = unit @ unit.T
    np.fill_diagonal(sim, -np.inf)
    regions = scenario.network.regions
    return {regions[r]: tuple(regions[j] for j in np.argsort(-sim[r], kind="stable")[:n])
            for r in range(len(regions))}


@dataclass(frozen=True, slots=True)
class SuggestionRow:
    """One region × SKU line of the suggestion table."""

    region: str
    sku: str
    name: str
    category: str
    action: str  # keep | add | drop | skip (relative to the national range)
    listed: bool
    in_national: bool
    regional_rank: int
    national_rank: int
    expected_units_year: float
    reason: str


def suggest(scenario: Scenario, rules: ResolvedRules, *, shrinkage: float = 1.0,
            similar: int = 2, regions: Sequence[str] | None = None
            ) -> tuple[Assortment, Assortment, tuple[SuggestionRow, ...]]:
    """(regional, national, rows): both ranges and the reasoned table for `regions` (all)."""
    net = scenario.network
    wanted = tuple(regions) if regions else net.regions
    bad = [r for r in wanted if r not in net.regions]
    if bad:
        raise InputError(f"--region: unknown region {bad[0]!r} (known: {', '.join(net.regions)})",
                         source="command line")
    expected = expected_sales(scenario, shrinkage)
    nat = national_range(scenario, rules)
    reg = regional_range(scenario, rules, expected)
    r_rank = _ranks(expected)
    n_rank = _ranks(annual_sales(scenario).sum(axis=0))
    near = similar_regions(scenario, similar)
    rpos = {r: i for i, r in enumerate(net.regions)}
    rows: list[SuggestionRow] = []
    for region in wanted:
        r = rpos[region]
        cap = rules.max_range[region]
        for k, sku in enumerate(net.skus):
            on, nat_on = bool(reg.listed[r, k]), bool(nat.listed[r, k])
            e = float(expected[r, k])
            rr, nr = int(r_rank[r, k]), int(n_rank[k])
            if k in rules.core:
                action, reason = "keep", f"core range (HQ rule): national rank {nr}"
            elif sku.category in rules.locked:
                action = "keep" if on else "skip"
                reason = (f"locked category {sku.category}: follows the national range "
                          f"(national rank {nr})")
            elif on and nat_on:
                action, reason = "keep", (f"sells here and nationally: regional rank {rr}, "
                                          f"national rank {nr}, within the {cap}-SKU range")
            elif on:
                also = [o for o in near[region] if reg.listed[rpos[o], k]]
                action = "add"
                reason = (f"sells better here than nationally: regional rank {rr} vs national "
                          f"rank {nr}") + (f"; also listed in similar regions {', '.join(also)}"
                                           if also else "")
            elif nat_on:
                action, reason = "drop", (f"in the national range (rank {nr}) but regional rank "
                                          f"{rr} falls outside this region's {cap}-SKU range")
            else:
                action, reason = "skip", (f"regional rank {rr} and national rank {nr} both "
                                          f"outside the {cap}-SKU range")
            rows.append(SuggestionRow(region, sku.id, sku.name, sku.category, action, on, nat_on,
                                      rr, nr, round(e, 3), reason))
    return reg, nat, tuple(rows)
