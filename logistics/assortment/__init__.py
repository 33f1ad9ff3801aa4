"""Regional assortment: which SKUs each region lists, within headquarters' rules.

`rules` (HQ rules from TOML), `suggest` (ranges and reasons from regional sales history),
`model` (the frozen `Assortment`), `overrides` (region changes validated against the rules).
"""

from fwdnet.logistics.assortment.model import Assortment, RangePlan
from fwdnet.logistics.assortment.overrides import Override, OverrideResult, Refusal, apply_overrides
from fwdnet.logistics.assortment.rules import (
    AssortmentRules,
    ResolvedRules,
    load_rules,
    resolve_rules,
)
from fwdnet.logistics.assortment.suggest import SuggestionRow, national_range, plan_ranges, suggest

__all__ = [
    "Assortment",
    "AssortmentRules",
    "Override",
    "OverrideResult",
    "RangePlan",
    "Refusal",
    "ResolvedRules",
    "SuggestionRow",
    "apply_overrides",
    "load_rules",
    "national_range",
    "plan_ranges",
    "resolve_rules",
    "suggest",
]
