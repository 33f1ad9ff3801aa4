"""Contract loading (one-line errors naming the key) and the open-order revision rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.inventory.contracts import (
    Contract,
    LeadTime,
    contract_from_mapping,
    load_contracts,
    revise_orders,
)

GOOD = {"name": "flex", "lead_days": [14], "flex_pct": 0.2, "cutoff_days": 3}


def test_default_contracts_file_loads():
    """The shipped rules file parses into a fixed baseline and a flexible contract."""
    cs = load_contracts(Path("scenarios/rules/default_contracts.toml"))
    assert not cs[0].flexible
    assert cs[1].flexible
    assert cs[1].lead_time.mean == pytest.approx(12 * 0.2 + 14 * 0.5 + 16 * 0.2 + 21 * 0.1)


@pytest.mark.parametrize(("change", "key"), [
    ({"flex_pct": -0.1}, "flex_pct"),                      # band below zero
    ({"band_min_units": -5, "band_max_units": 10, "flex_pct": 0}, "band_min_units"),
    ({"band_min_units": 20, "band_max_units": 10, "flex_pct": 0}, "band_max_units"),
    ({"cutoff_days": -1}, "cutoff_days"),                  # cut-off after delivery
    ({"cutoff_days": 15}, "cutoff_days"),                  # before the order exists
    ({"moq": 500, "capacity_units": 100}, "moq"),          # MOQ above capacity
    ({"lead_days": [10, 12], "lead_probs": [0.5, 0.6]}, "lead_probs"),
    ({"lead_days": [0]}, "lead_days"),
    ({"case_pack": 0.5}, "case_pack"),
    ({"premium_rmb_per_unit": -1}, "premium_rmb_per_unit"),
    ({"flex_pct": "lots"}, "flex_pct"),                    # pydantic type error
    ({"colour": "red"}, "colour"),                         # unknown key
])
def test_bad_contract_names_the_key(change, key):
    """Each broken contract is refused with one line naming the offending key."""
    with pytest.raises(InputError) as err:
        contract_from_mapping({**GOOD, **change}, "c.toml: contract[0]")
    msg = str(err.value)
    assert f"key '{key}'" in msg
    assert "\n" not in msg


def test_bad_file_names_the_file_and_contract(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('[[contract]]\nname = "a"\nlead_days = [7]\nflex_pct = -0.2\n')
    with pytest.raises(InputError, match=r"bad\.toml: contract\[0\] key 'flex_pct': band below"):
        load_contracts(p)
    p.write_text('[[contract]]\nname = "a"\nlead_days = [7]\n'
                 '[[contract]]\nname = "a"\nlead_days = [7]\n')
    with pytest.raises(InputError, match="duplicate contract name"):
        load_contracts(p)


def _flex(**kw: object) -> Contract:
    args: dict[str, object] = {"name": "f", "lead_time": LeadTime((10,), (1.0,)),
                               "flex_pct": 0.2, "cutoff_days": 3, "review_days": 7}
    args.update(kw)
    return Contract(**args)  # type: ignore[arg-type]


def test_revision_moves_within_band_and_respects_cutoff():
    """Worked by hand: forecast 20/day, R = 7, no safety stock, one order due in 5 days.

    Projected stock before arrival = max(0, 50 − 20·5) = 0, so the order should be 140; the band
    of ±20% around 100 caps it at 120. The order due in 2 days (< cut-off 3) is left alone.
    """
    res = revise_orders(_flex(), today=0, on_hand=[50.0], open_qty=[[100.0], [100.0]],
                        base_qty=[[100.0], [100.0]], due_days=[2, 5], forecast=[20.0],
                        safety_stock=[0.0])
    # due day 2: 50 − 40 = 10 left, +100 = 110; due day 5: 110 − 60 = 50 → wants 140 − 50 = 90
    assert res.qty.tolist() == [[100.0], [90.0]]
    res = revise_orders(_flex(), today=0, on_hand=[0.0], open_qty=[[100.0]],
                        base_qty=[[100.0]], due_days=[5], forecast=[20.0], safety_stock=[0.0])
    assert res.qty.tolist() == [[120.0]]
    res = revise_orders(_flex(), today=0, on_hand=[1000.0], open_qty=[[100.0]],
                        base_qty=[[100.0]], due_days=[5], forecast=[20.0], safety_stock=[0.0])
    assert res.qty.tolist() == [[80.0]]


def test_band_is_around_the_original_not_the_last_revision():
    """A line already revised to 120 cannot climb further: the band is ±20% of base 100."""
    res = revise_orders(_flex(), today=0, on_hand=[0.0], open_qty=[[120.0]],
                        base_qty=[[100.0]], due_days=[5], forecast=[50.0], safety_stock=[0.0])
    assert res.qty.tolist() == [[120.0]]
    assert res.changed_units.tolist() == [[0.0]]


def test_case_pack_rounding_stays_inside_band_and_fees_counted():
    """Case pack 12 and top of band 120: 140 wanted → 120 (10 cases); fee 0.5 RMB × 20 units."""
    c = _flex(case_pack=12, revision_fee_rmb_per_unit=0.5)
    res = revise_orders(c, today=0, on_hand=[0.0], open_qty=[[100.0]], base_qty=[[100.0]],
                        due_days=[5], forecast=[20.0], safety_stock=[0.0])
    assert res.qty.tolist() == [[120.0]]
    assert res.fee_rmb == pytest.approx(10.0)
    c = _flex(case_pack=12, flex_pct=0.15)  # top 115 → 9 cases = 108
    res = revise_orders(c, today=0, on_hand=[0.0], open_qty=[[100.0]], base_qty=[[100.0]],
                        due_days=[5], forecast=[20.0], safety_stock=[0.0])
    assert res.qty.tolist() == [[108.0]]


def test_fixed_contract_never_revises():
    c = _flex(flex_pct=0.0)
    res = revise_orders(c, today=0, on_hand=[0.0], open_qty=[[100.0]], base_qty=[[100.0]],
                        due_days=[5], forecast=[50.0], safety_stock=[0.0])
    assert res.qty.tolist() == [[100.0]]


def test_unit_band_bounds_the_line():
    c = _flex(flex_pct=0.0, band_min_units=90.0, band_max_units=130.0)
    res = revise_orders(c, today=0, on_hand=[0.0], open_qty=[[100.0]], base_qty=[[100.0]],
                        due_days=[5], forecast=[50.0], safety_stock=[0.0])
    assert res.qty.tolist() == [[130.0]]


def test_lead_time_sampling_matches_distribution():
    lt = LeadTime((10, 20), (0.25, 0.75))
    x = lt.sample(np.random.default_rng(1), 20000)
    assert set(np.unique(x)) == {10, 20}
    assert (x == 10).mean() == pytest.approx(0.25, abs=0.02)


def test_revision_covers_until_the_next_arrival():
    """Lead times vary: the next open order is due 10 days after this one (not R = 7), so this
    one must carry 10 days of forecast (100 units), not 70. The last order covers until
    `next_arrival` (day 22: 7 days → 70 units)."""
    c = _flex(flex_pct=0.5)
    res = revise_orders(c, today=0, on_hand=[0.0], open_qty=[[80.0], [80.0]],
                        base_qty=[[80.0], [80.0]], due_days=[5, 15], forecast=[10.0],
                        safety_stock=[0.0], next_arrival=22.0)
    # due 15: stock after the first arrival 100 − 10·10 = 0 → wants 70
    assert res.qty.tolist() == [[100.0], [70.0]]
