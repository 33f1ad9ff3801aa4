"""Range suggestions: regional best sellers within the cap, core always listed, locked = HQ."""

from __future__ import annotations

import numpy as np
import pytest

from fwdnet.logistics.assortment import AssortmentRules, national_range, resolve_rules, suggest
from fwdnet.logistics.assortment.rules import load_rules
from fwdnet.logistics.errors import InputError
from fwdnet.logistics.network.load import load_scenario


def _listed(a, region):
    return set(a.listed_skus(region))


def test_regional_and_national_ranges_by_hand(scn, resolved):
    """National top two are K0, K2 everywhere; North picks K0, K1 and South K2, K3."""
    reg, nat, rows = suggest(scn, resolved)
    assert resolved.max_range == {"N": 2, "S": 2}
    assert _listed(nat, "N") == _listed(nat, "S") == {"K0", "K2"}
    assert _listed(reg, "N") == {"K0", "K1"}
    assert _listed(reg, "S") == {"K2", "K3"}
    by = {(r.region, r.sku): r for r in rows}
    assert by[("N", "K1")].action == "add"
    assert "regional rank 2" in by[("N", "K1")].reason
    assert by[("N", "K2")].action == "drop"
    assert by[("N", "K0")].action == "keep"
    assert by[("S", "K1")].action == "skip"
    # expected sales are the year's regional units: K1 in North sells 10/day × 364 days
    assert by[("N", "K1")].expected_units_year == pytest.approx(10 * 7 * 52)


def test_core_range_is_always_listed(scn):
    """K3 is core: both ranges carry it in both regions, and North keeps only its best other."""
    resolved = resolve_rules(scn, AssortmentRules(units_per_sku=100, core_skus=("K3",),
                                                  shrinkage=0.0))
    reg, nat, rows = suggest(scn, resolved)
    for a in (reg, nat):
        for region in ("N", "S"):
            assert "K3" in a.listed_skus(region)
            assert a.range_size(region) == 2
    assert _listed(reg, "N") == {"K0", "K3"}
    assert "core range" in next(r.reason for r in rows if (r.region, r.sku) == ("N", "K3"))


def test_locked_category_follows_the_national_range(scn):
    """c2 is locked: North must carry K2 like the national range, so only one own pick (K0)."""
    resolved = resolve_rules(scn, AssortmentRules(units_per_sku=100, shrinkage=0.0,
                                                  locked_categories=("c2",)))
    reg, _, _ = suggest(scn, resolved)
    assert _listed(reg, "N") == {"K0", "K2"}
    assert _listed(reg, "S") == {"K2", "K3"}


def test_shrinkage_pulls_towards_the_national_mix(scn):
    """With one SKU per category the national mix changes nothing: same range at any λ."""
    a, _, _ = suggest(scn, resolve_rules(scn, AssortmentRules(units_per_sku=100, shrinkage=5)))
    assert _listed(a, "N") == {"K0", "K1"}


def test_range_size_within_capacity_on_default_scenario():
    """Every region's range fits its smallest FW (capacity // units_per_sku) and holds the core."""
    sc = load_scenario("scenarios/default.toml")
    raw = load_rules("scenarios/rules/default_assortment.toml")
    resolved = resolve_rules(sc, raw)
    reg, nat, _ = suggest(sc, resolved, shrinkage=raw.shrinkage)
    core = np.zeros(len(sc.network.skus), dtype=bool)
    core[list(resolved.core)] = True
    for r, region in enumerate(sc.network.regions):
        fws = [s.capacity_units for s in sc.network.fw_candidates if s.region == region]
        cap = min(len(sc.network.skus), int(min(fws) // raw.units_per_sku)) if fws else 2000
        assert resolved.max_range[region] == cap
        for a in (reg, nat):
            assert a.listed[r].sum() == cap
            assert a.listed[r][core].all()
    assert nat.listed.sum() == reg.listed.sum()


@pytest.mark.parametrize(("rules", "words"), [
    (AssortmentRules(units_per_sku=100, core_skus=("K9",)), "key 'core_skus'"),
    (AssortmentRules(units_per_sku=100, locked_categories=("hats",)), "key 'locked_categories'"),
    (AssortmentRules(units_per_sku=100, max_range={"X": 3}), "key 'max_range'"),
    (AssortmentRules(units_per_sku=100, core_top_n=3), "rule core_range"),
])
def test_rules_that_cannot_hold_are_refused(scn, rules, words):
    with pytest.raises(InputError, match=words):
        resolve_rules(scn, rules)


def test_unknown_region_in_suggest(scn, resolved):
    with pytest.raises(InputError, match="unknown region 'W'"):
        suggest(scn, resolved, regions=["W"])


@pytest.mark.parametrize(("text", "key"), [
    ("[assortment]\nunits_per_sku = -1\n", "units_per_sku"),
    ("[assortment]\ncore_top_n = 'ten'\n", "core_top_n"),
    ("[assortment]\ncolour = 1\n", "colour"),
    ("[assortment.max_range]\nN = -2\n", "max_range.N"),
])
def test_rules_file_errors_name_the_key(tmp_path, text, key):
    p = tmp_path / "rules.toml"
    p.write_text(text)
    with pytest.raises(InputError) as err:
        load_rules(p)
    assert f"key '{key}'" in str(err.value)
    assert str(p) in str(err.value)


def test_national_range_respects_explicit_cap(scn):
    resolved = resolve_rules(scn, AssortmentRules(units_per_sku=100, max_range={"S": 1}))
    nat = national_range(scn, resolved)
    assert nat.listed_skus("S") == ("K0",)
    assert set(nat.listed_skus("N")) == {"K0", "K2"}
