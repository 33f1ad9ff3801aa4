"""Range suggestions per region from regional sales history, with a reason and expected sales.

Expected yearly sales of SKU k in region r shrink the region's own sales towards its category
total split by the national SKU mix: E = (q_rk + λ·Q_rc·s_k|c) / (1 + λ), so thin regional
histories do not chase noise. The regional range is the core range, the national choice in
locked categories, then the region's best sellers up to its maximum range; the national range
takes the national best sellers up to the same size, so the two differ only in what is chosen.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from fwdnet.logistics.assortment.model import Assortment, RangePlan
from fwdnet.logistics.assortment.rules import ResolvedRules, annual_sales
from fwdnet.logistics.errors import InputError
from fwdnet.logistics.network.model import FloatArray, IntArray, Scenario


def expected_sales(scenario: Scenario, shrinkage: float = 1.0,
                   iso_weeks: Collection[int] | None = None) -> FloatArray:
    """(regions, skus) expected units in the weeks (a year by default): regional sales shrunk
    towards the national SKU mix of the same weeks."""
    q = annual_sales(scenario, iso_weeks)
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


def national_range(scenario: Scenario, rules: ResolvedRules,
                   iso_weeks: Collection[int] | None = None) -> Assortment:
    """One national range: core plus national best sellers, cut at each region's maximum range."""
    net = scenario.network
    national = annual_sales(scenario, iso_weeks).sum(axis=0)
    order = np.argsort(-national, kind="stable")
    core = np.zeros(len(net.skus), dtype=bool)
    core[list(rules.core)] = True
    every = np.ones(len(net.skus), dtype=bool)
    rows = [_fill(order, core, every, rules.max_range[r]) for r in net.regions]
    return Assortment("national", net.regions, tuple(k.id for k in net.skus), np.array(rows))


def regional_range(scenario: Scenario, rules: ResolvedRules, expected: FloatArray,
                   iso_weeks: Collection[int] | None = None) -> Assortment:
    """Per region: core, the national choice in locked categories, then its own best sellers."""
    net = scenario.network
    nat = national_range(scenario, rules, iso_weeks)
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
    expected_units_year: float  # in the season's weeks when ranges are seasonal
    reason: str
    season_start_week: int = 1  # ISO week the season's range starts (1 = whole year)


def suggest(scenario: Scenario, rules: ResolvedRules, *, shrinkage: float = 1.0,
            similar: int = 2, regions: Sequence[str] | None = None,
            iso_weeks: Collection[int] | None = None
            ) -> tuple[Assortment, Assortment, tuple[SuggestionRow, ...]]:
    """(regional, national, rows): both ranges and the reasoned table for `regions` (all),
    ranked on the sales of `iso_weeks` (ISO week − 1; default the whole year)."""
    net = scenario.network
    wanted = tuple(regions) if regions else net.regions
    bad = [r for r in wanted if r not in net.regions]
    if bad:
        raise InputError(f"--region: unknown region {bad[0]!r} (known: {', '.join(net.regions)})",
                         source="command line")
    expected = expected_sales(scenario, shrinkage, iso_weeks)
    nat = national_range(scenario, rules, iso_weeks)
    reg = regional_range(scenario, rules, expected, iso_weeks)
    r_rank = _ranks(expected)
    n_rank = _ranks(annual_sales(scenario, iso_weeks).sum(axis=0))
    season = 1 + (min(iso_weeks) if iso_weeks else 0)
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
                                      rr, nr, round(e, 3), reason, season))
    return reg, nat, tuple(rows)


def seasons(season_weeks: int) -> tuple[tuple[int, ...], ...]:
    """ISO week indices (0..52) of each season: blocks of `season_weeks` (0 = one season)."""
    if season_weeks <= 0 or season_weeks >= 53:
        return (tuple(range(53)),)
    blocks = [tuple(range(s, min(s + season_weeks, 53))) for s in range(0, 53, season_weeks)]
    if len(blocks) > 1 and len(blocks[-1]) < season_weeks // 2:
        stub = blocks.pop()  # a stub (week 53) joins the season before it
        blocks[-1] = blocks[-1] + stub
    return tuple(blocks)


def plan_ranges(scenario: Scenario, rules: ResolvedRules, *, season_weeks: int = 0,
                shrinkage: float = 1.0, similar: int = 2, regions: Sequence[str] | None = None
                ) -> tuple[RangePlan, RangePlan, tuple[SuggestionRow, ...]]:
    """Regional and national range plans, one range per season, and every season's rows."""
    regs: list[Assortment] = []
    nats: list[Assortment] = []
    rows: list[SuggestionRow] = []
    blocks = seasons(season_weeks)
    for weeks in blocks:
        reg, nat, r = suggest(scenario, rules, shrinkage=shrinkage, similar=similar,
                              regions=regions, iso_weeks=None if len(blocks) == 1 else weeks)
        regs.append(reg)
        nats.append(nat)
        rows.extend(r)
    starts = tuple(b[0] for b in blocks)
    return (RangePlan("regional", starts, tuple(regs)), RangePlan("national", starts, tuple(nats)),
            tuple(rows))
