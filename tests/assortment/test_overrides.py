"""Region overrides: accepted within the rules, refused with the broken rule's name otherwise."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from fwdnet.logistics.assortment import (
    AssortmentRules,
    Override,
    apply_overrides,
    resolve_rules,
    suggest,
)
from fwdnet.logistics.assortment.overrides import RuleViolation, read_overrides
from fwdnet.logistics.errors import InputError


@pytest.fixture
def strict_rules(scn):
    """K0 is core; c3 is locked; ranges of 2 SKUs."""
    return resolve_rules(scn, AssortmentRules(units_per_sku=100, core_skus=("K0",),
                                              locked_categories=("c3",), shrinkage=0.0))


@pytest.fixture
def regional(scn, strict_rules):
    return suggest(scn, strict_rules)[0]


def test_swap_within_a_full_range_is_accepted(scn, strict_rules, regional):
    """North lists K0, K1 (full). Removing K1 and adding K2 keeps the size: accepted, and the
    input assortment is not modified."""
    before = np.array(regional.listed)
    res = apply_overrides(regional, strict_rules, scn.network, [
        Override(2, "N", "add", sku="K2"), Override(3, "N", "remove", sku="K1")])
    assert res.refused == ()
    assert set(res.assortment.listed_skus("N")) == {"K0", "K2"}
    assert res.assortment.kind == "regional+overrides"
    assert np.array_equal(regional.listed, before)
    assert not res.assortment.listed.flags.writeable


@pytest.mark.parametrize(("override", "rule"), [
    (Override(2, "N", "remove", sku="K0"), "core_range"),
    (Override(2, "N", "add", sku="K2"), "max_range"),
    (Override(2, "N", "add", sku="K3"), "locked_category"),
    (Override(2, "S", "remove", sku="K3"), "locked_category"),
    (Override(2, "N", "promote", category="c3", lift=1.2, start=date(2026, 3, 1),
              end=date(2026, 3, 7)), "locked_category"),
])
def test_change_outside_the_rules_is_refused_with_its_rule(scn, strict_rules, regional,
                                                           override, rule):
    res = apply_overrides(regional, strict_rules, scn.network, [override])
    assert [r.rule for r in res.refused] == [rule]
    assert np.array_equal(res.assortment.listed, regional.listed)
    with pytest.raises(RuleViolation, match=f"rule {rule}"):
        apply_overrides(regional, strict_rules, scn.network, [override], strict=True)


def test_region_scope_refuses_other_regions(scn, strict_rules, regional):
    """An API key region:S may change South only."""
    res = apply_overrides(regional, strict_rules, scn.network, [
        Override(2, "N", "remove", sku="K1"), Override(3, "S", "remove", sku="K2")],
        region_scope="S")
    assert [(r.override.row, r.rule) for r in res.refused] == [(2, "region_scope")]
    # South lists core K0 and K2 (c3 is locked and not in the national range, so no K3)
    assert res.assortment.listed_skus("S") == ("K0",)


def test_local_promotion_is_recorded(scn, strict_rules, regional):
    res = apply_overrides(regional, strict_rules, scn.network, [
        Override(2, "N", "promote", category="c1", lift=1.5, start=date(2026, 3, 1),
                 end=date(2026, 3, 7))])
    (p,) = res.assortment.promotions
    assert (p.regions, p.categories, p.lift) == (("N",), ("c1",), 1.5)


def test_read_overrides_csv(tmp_path, scn):
    p = tmp_path / "o.csv"
    p.write_text("region,action,sku,category,lift,start,end\n"
                 "N,add,K2,,,,\nS,promote,,c1,1.3,2026-05-01,2026-05-03\n")
    rows = read_overrides(p, scn.network)
    assert rows[0] == Override(2, "N", "add", sku="K2")
    assert rows[1].start == date(2026, 5, 1)


@pytest.mark.parametrize(("line", "words"), [
    ("X,add,K2,,,,", "row 2: field 'region'"),
    ("N,sell,K2,,,,", "row 2: field 'action'"),
    ("N,add,K99,,,,", "row 2: field 'sku'"),
    ("N,promote,,c1,0,2026-05-01,2026-05-03", "row 2: field 'lift'"),
    ("N,promote,,c1,1.2,2026-05-04,2026-05-03", "row 2: field 'end'"),
    ("N,promote,,c1,1.2,may,2026-05-03", "row 2: field 'start'"),
])
def test_bad_override_rows_name_row_and_field(tmp_path, scn, line, words):
    p = tmp_path / "o.csv"
    p.write_text("region,action,sku,category,lift,start,end\n" + line + "\n")
    with pytest.raises(InputError, match=words):
        read_overrides(p, scn.network)
