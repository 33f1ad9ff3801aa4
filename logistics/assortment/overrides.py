"""Region overrides: add or remove SKUs and set local promotions, each checked against HQ rules.

A change that breaks a rule is refused with the rule's name (`core_range`, `max_range`,
`locked_category`, `region_scope`); malformed rows (unknown region or SKU, bad dates) are input
errors. Removals are applied before additions, so a region can swap SKUs within a full range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from fwdnet.logistics.assortment.model import Assortment, RangePlan
from fwdnet.logistics.assortment.rules import (
    RULE_CORE,
    RULE_LOCKED,
    RULE_MAX_RANGE,
    RULE_SCOPE,
    ResolvedRules,
)
from fwdnet.logistics.errors import InputError
from fwdnet.logistics.network.model import Network, Promotion

ACTIONS = ("add", "remove", "promote")
COLUMNS = ("region", "action", "sku", "category", "lift", "start", "end")


@dataclass(frozen=True, slots=True)
class Override:
    """One requested change: add/remove a SKU, or promote a category in the region."""

    row: int  # line in the file (2 = first data row), or position in an API request
    region: str
    action: str
    sku: str = ""
    category: str = ""
    lift: float = 1.0
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """A change refused because it breaks an HQ rule (named in `rule`)."""

    override: Override
    rule: str
    message: str

    def line(self) -> str:
        o = self.override
        what = o.sku or o.category
        return f"row {o.row} ({o.region} {o.action} {what}): rule {self.rule}: {self.message}"


@dataclass(frozen=True)
class OverrideResult:
    """The assortment after the accepted changes, and each refused change with its rule."""

    assortment: Assortment
    applied: tuple[Override, ...]
    refused: tuple[Refusal, ...]


class RuleViolation(InputError):
    """Raised by `apply_overrides(strict=True)`: the first refused change, naming the rule."""

    def __init__(self, refusal: Refusal, total: int, source: str | None = None) -> None:
        self.refusal = refusal
        more = f" (and {total - 1} more refused)" if total > 1 else ""
        super().__init__(f"refused {refusal.line()}{more}", source=source)


def apply_overrides(assortment: Assortment, rules: ResolvedRules, network: Network,
                    overrides: Sequence[Override], *, region_scope: str | None = None,
                    strict: bool = False, source: str | None = None) -> OverrideResult:
    """Validate each override against the rules and apply the accepted ones (input untouched).

    `region_scope` (an API key `region:<code>`) refuses changes to any other region.
    """
    sku_pos = {k.id: i for i, k in enumerate(network.skus)}
    rpos = {r: i for i, r in enumerate(assortment.regions)}
    listed = np.array(assortment.listed, dtype=bool)
    applied: list[Override] = []
    refused: list[Refusal] = []
    promos: list[Promotion] = list(assortment.promotions)
    for o in sorted(overrides, key=lambda o: (o.action != "remove", o.row)):
        if region_scope is not None and o.region != region_scope:
            refused.append(Refusal(o, RULE_SCOPE, f"this key may only change region "
                                                  f"{region_scope}"))
            continue
        r = rpos[o.region]
        if o.action == "promote":
            if o.category in rules.locked:
                refused.append(Refusal(o, RULE_LOCKED, f"category {o.category} is set by HQ"))
                continue
            if o.start is None or o.end is None:
                raise InputError(f"row {o.row}: a promotion needs start and end dates",
                                 source=source)
            promos.append(Promotion(name=f"local {o.region} {o.category}", start=o.start,
                                    end=o.end, lift=o.lift, categories=(o.category,),
                                    regions=(o.region,)))
            applied.append(o)
            continue
        k = sku_pos[o.sku]
        cat = network.skus[k].category
        if cat in rules.locked:
            refused.append(Refusal(o, RULE_LOCKED, f"category {cat} is set by HQ"))
        elif o.action == "remove" and k in rules.core:
            refused.append(Refusal(o, RULE_CORE, f"{o.sku} is in the core range every region "
                                                 "must carry"))
        elif o.action == "add" and not listed[r, k] and (
                listed[r].sum() >= rules.max_range[o.region]):
            refused.append(Refusal(o, RULE_MAX_RANGE, f"region {o.region} already lists "
                                                      f"{int(listed[r].sum())} SKUs, its maximum "
                                                      f"range is {rules.max_range[o.region]}"))
        else:
            listed[r, k] = o.action == "add"
            applied.append(o)
    if strict and refused:
        raise RuleViolation(refused[0], len(refused), source)
    kind = "regional+overrides" if applied else assortment.kind
    out = assortment.replace(kind=kind, listed=listed, promotions=tuple(promos))
    return OverrideResult(out, tuple(applied), tuple(refused))


def read_overrides(path: Path, network: Network) -> tuple[Override, ...]:
    """Overrides from CSV `region,action,sku,category,lift,start,end` (InputError naming the row).

    add/remove need `sku`; promote needs `category`, `lift` > 0 and ISO dates `start` ≤ `end`.
    """
    import csv

    if not path.is_file():
        raise InputError("file not found", source=str(path))
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in ("region", "action") if c not in header]
        unknown = [c for c in header if c not in COLUMNS]
        if missing or unknown:
            raise InputError(f"expected columns {','.join(COLUMNS)} (region, action required; "
                             f"missing {missing}, unknown {unknown})", source=str(path))
        rows = list(reader)
    skus = {k.id for k in network.skus}
    out = []
    for line, row in enumerate(rows, start=2):
        def bad(field: str, msg: str, line: int = line) -> InputError:
            return InputError(f"row {line}: field '{field}': {msg}", source=str(path))

        region = (row.get("region") or "").strip()
        action = (row.get("action") or "").strip().lower()
        if region not in network.regions:
            raise bad("region", f"unknown region {region!r} (known: {', '.join(network.regions)})")
        if action not in ACTIONS:
            raise bad("action", f"expected one of {', '.join(ACTIONS)}, got {action!r}")
        if action in ("add", "remove"):
            sku = (row.get("sku") or "").strip()
            if sku not in skus:
                raise bad("sku", f"unknown SKU {sku!r}")
            out.append(Override(line, region, action, sku=sku))
            continue
        category = (row.get("category") or "").strip()
        if category not in network.categories:
            raise bad("category", f"unknown category {category!r} "
                                  f"(known: {', '.join(network.categories)})")
        try:
            lift = float(row.get("lift") or "")
        except ValueError:
            raise bad("lift", "expected a number > 0") from None
        if not 0 < lift <= 10:
            raise bad("lift", f"expected a demand multiplier in (0, 10], got {lift}")
        try:
            start = date.fromisoformat((row.get("start") or "").strip())
            end = date.fromisoformat((row.get("end") or "").strip())
        except ValueError:
            raise bad("start", "expected ISO dates in start and end (YYYY-MM-DD)") from None
        if end < start:
            raise bad("end", f"{end} is before start {start}")
        out.append(Override(line, region, action, category=category, lift=lift, start=start,
                            end=end))
    return tuple(out)


def apply_overrides_plan(plan: RangePlan, rules: ResolvedRules, network: Network,
                         overrides: Sequence[Override], *, region_scope: str | None = None,
                         strict: bool = False, source: str | None = None
                         ) -> tuple[RangePlan, tuple[Refusal, ...]]:
    """Apply the overrides to every season's range; a change refused in any season is listed
    once (first season it fails in)."""
    ranges: list[Assortment] = []
    refused: dict[tuple[int, str], Refusal] = {}
    for a in plan.ranges:
        res = apply_overrides(a, rules, network, overrides, region_scope=region_scope)
        ranges.append(res.assortment)
        for r in res.refused:
            refused.setdefault((r.override.row, r.rule), r)
    out = tuple(sorted(refused.values(), key=lambda r: r.override.row))
    if strict and out:
        raise RuleViolation(out[0], len(out), source)
    kind = ranges[0].kind if len(ranges) == 1 or not overrides else "regional+overrides"
    return plan.replace(kind=kind, ranges=tuple(ranges)), out
