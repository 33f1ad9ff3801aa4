"""Headquarters' assortment rules: core range, maximum range size per region, locked categories.

Read from TOML (`[assortment]`, see docs/assortment.md) with one-line `InputError`s naming the key,
then resolved against a scenario: the core range becomes SKU ids and each region's maximum range
the smallest of its FWs' capacity over `units_per_sku` (and any explicit `max_range`).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.kernel.calendar import iso_week_index
from fwdnet.logistics.network.model import FloatArray, Scenario, SiteKind

RULE_CORE = "core_range"
RULE_MAX_RANGE = "max_range"
RULE_LOCKED = "locked_category"
RULE_SCOPE = "region_scope"


@dataclass(frozen=True)
class AssortmentRules:
    """HQ rules as written; `resolve_rules` turns them into SKU sets and per-region caps."""

    core_top_n: int = 0  # the national best sellers every region must carry
    core_skus: tuple[str, ...] = ()  # further SKUs every region must carry
    units_per_sku: float = 60.0  # presentation stock per listed SKU at a FW (units)
    max_range: Mapping[str, int] = field(default_factory=dict)  # explicit caps per region
    locked_categories: tuple[str, ...] = ()  # categories regions may not change
    shrinkage: float = 1.0  # weight of the national SKU mix in a region's expected sales
    similar_regions: int = 2  # neighbours named in the suggestion reasons
    season_weeks: int = 0  # re-plan ranges every this many ISO weeks (0 = one range a year)


@dataclass(frozen=True)
class ResolvedRules:
    """The rules on one scenario: core SKU indices, locked category names, cap per region."""

    source: str
    core: frozenset[int]  # SKU indices
    locked: frozenset[str]
    max_range: Mapping[str, int]  # region → most SKUs it may list


class _RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    core_top_n: int = Field(default=0, ge=0)
    core_skus: list[str] = []
    units_per_sku: float = Field(default=60.0, gt=0)
    max_range: dict[str, int] = {}
    locked_categories: list[str] = []
    shrinkage: float = Field(default=1.0, ge=0)
    similar_regions: int = Field(default=2, ge=0)
    season_weeks: int = Field(default=0, ge=0, le=53)


def rules_from_mapping(data: Mapping[str, object], where: str = "assortment") -> AssortmentRules:
    """Rules from the `[assortment]` table; errors name `where` and the key."""
    try:
        r = _RulesIn.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "?"
        raise InputError(f"{where} key '{key}': {err['msg']}") from None
    for region, cap in r.max_range.items():
        if cap < 0:
            raise InputError(f"{where} key 'max_range.{region}': expected >= 0 SKUs, got {cap}")
    return AssortmentRules(
        core_top_n=r.core_top_n, core_skus=tuple(r.core_skus), units_per_sku=r.units_per_sku,
        max_range=dict(r.max_range), locked_categories=tuple(r.locked_categories),
        shrinkage=r.shrinkage, similar_regions=r.similar_regions, season_weeks=r.season_weeks)


def load_rules(path: str | Path) -> AssortmentRules:
    """Rules from a TOML file with an `[assortment]` table."""
    p = Path(path)
    if not p.is_file():
        raise InputError("file not found", source=str(p))
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=str(p)) from None
    if set(data) != {"assortment"}:
        raise InputError("expected exactly one [assortment] table", source=str(p))
    return rules_from_mapping(data["assortment"], f"{p}: [assortment]")


def annual_sales(scenario: Scenario, iso_weeks: Collection[int] | None = None) -> FloatArray:
    """(regions, skus) units sold in the last 52 weeks of the history (all of it if shorter).

    With `iso_weeks` (ISO week − 1, 0..52) only history weeks starting in those weeks count.
    """
    hist = scenario.history
    last = range(max(hist.weeks - 52, 0), hist.weeks)
    keep = [w for w in last if iso_weeks is None
            or iso_week_index(hist.week_start[w]) in iso_weeks]
    q = hist.quantity[:, :, keep] if keep else np.zeros((*hist.quantity.shape[:2], 0))
    return np.asarray(q.sum(axis=2), dtype=np.float64)


def capacity_caps(scenario: Scenario, units_per_sku: float) -> dict[str, int]:
    """Most SKUs each region's FWs can present: the smallest FW's capacity // units_per_sku.

    A region without a FW candidate is not capped by capacity (all SKUs).
    """
    skus = len(scenario.network.skus)
    caps: dict[str, int] = {}
    for region in scenario.network.regions:
        fws = [s for s in scenario.network.of_kind(SiteKind.FW) if s.region == region]
        cap = min((s.capacity_units for s in fws), default=math.inf)
        caps[region] = skus if math.isinf(cap) else min(skus, int(cap // units_per_sku))
    return caps


def resolve_rules(scenario: Scenario, rules: AssortmentRules,
                  source: str = "assortment rules") -> ResolvedRules:
    """Check the rules against the scenario and resolve them (InputError naming the key)."""
    net = scenario.network
    sku_pos = {k.id: i for i, k in enumerate(net.skus)}
    unknown = [k for k in rules.core_skus if k not in sku_pos]
    if unknown:
        raise InputError(f"key 'core_skus': unknown SKU(s) {', '.join(unknown[:5])}",
                         source=source)
    bad_cat = [c for c in rules.locked_categories if c not in net.categories]
    if bad_cat:
        raise InputError(f"key 'locked_categories': unknown categor(y/ies) {', '.join(bad_cat)} "
                         f"(known: {', '.join(net.categories)})", source=source)
    bad_reg = [r for r in rules.max_range if r not in net.regions]
    if bad_reg:
        raise InputError(f"key 'max_range': unknown region(s) {', '.join(bad_reg)} "
                         f"(known: {', '.join(net.regions)})", source=source)
    if rules.core_top_n > len(net.skus):
        raise InputError(f"key 'core_top_n': {rules.core_top_n} is more than the "
                         f"{len(net.skus)} SKUs", source=source)
    national = annual_sales(scenario).sum(axis=0)
    top = np.argsort(-national, kind="stable")[: rules.core_top_n]
    core = frozenset(int(i) for i in top) | {sku_pos[k] for k in rules.core_skus}
    caps = capacity_caps(scenario, rules.units_per_sku)
    for region, cap in rules.max_range.items():
        caps[region] = min(caps[region], cap)
    for region, cap in caps.items():
        if cap < len(core):
            raise InputError(f"rule {RULE_CORE}: the {len(core)} core SKUs do not fit region "
                             f"{region}'s maximum range of {cap} SKUs (keys 'core_top_n', "
                             f"'core_skus', 'units_per_sku', 'max_range')", source=source)
    return ResolvedRules(source=source, core=core, locked=frozenset(rules.locked_categories),
                         max_range=caps)
