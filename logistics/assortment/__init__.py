"""Regional assortment: which SKUs each region lists, within headquarters' rules.

`rules` (HQ rules from TOML), `suggest` (ranges and reasons from regional sales history),
`model` (the frozen `Assortment`), `overrides` (region changes validated against the rules).
"""

from logistics.assortment.model import Assortment
from logistics.assortment.overrides import Override, OverrideResult, Refusal, apply_overrides
from logistics.assortment.rules import AssortmentRules, ResolvedRules, load_rules, resolve_rules
from logistics.assortment.suggest import SuggestionRow, national_range, suggest

__all__ = [
    "Assortment",
    "AssortmentRules",
    "Override",
    "OverrideResult",
    "Refusal",
    "ResolvedRules",
    "SuggestionRow",
    "apply_overrides",
    "load_rules",
    "national_range",
    "resolve_rules",
    "suggest",
]
