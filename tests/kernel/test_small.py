"""The kernel's small helpers, each against an answer known by hand or by a textbook."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from fwdnet.logistics.kernel.arrays import frozen, frozen_copy
from fwdnet.logistics.kernel.calendar import iso_week_index
from fwdnet.logistics.kernel.clock import CHINA_TZ
from fwdnet.logistics.kernel.stats import mean_interval, paired_interval


def test_frozen_arrays_refuse_writes_and_copies_do_not_alias() -> None:
    src = [1.0, 2.0]
    a = frozen(np.array(src))
    with pytest.raises(ValueError, match="read-only"):
        a[0] = 5.0
    base = np.array([1, 2])
    b = frozen_copy(base)
    base[0] = 9
    assert b.tolist() == [1, 2]
    assert not b.flags.writeable


@pytest.mark.parametrize(("day", "index"), [
    (date(2026, 1, 1), 0),     # Thursday: ISO week 1 of 2026
    (date(2021, 1, 3), 52),    # Sunday: ISO week 53 of 2020
    (date(2026, 12, 28), 52),  # Monday: ISO week 53 of 2026
    (date(2025, 12, 29), 0),   # Monday: ISO week 1 of 2026
    (date(2026, 6, 18), 24),   # 618: ISO week 25
])
def test_iso_week_index(day: date, index: int) -> None:
    assert iso_week_index(day) == index


def test_china_time_is_utc_plus_8_in_winter_and_summer() -> None:
    for month in (1, 7):
        t = datetime(2026, month, 1, 12, tzinfo=CHINA_TZ)
        assert t.isoformat() == f"2026-0{month}-01T12:00:00+08:00"


def test_mean_interval_matches_the_t_table() -> None:
    """Samples 1..5: mean 3, s = √2.5, t(0.975, 4) = 2.776445 → half width 1.963243."""
    iv = mean_interval([1, 2, 3, 4, 5])
    assert iv.mean == 3.0
    assert iv.high - iv.mean == pytest.approx(2.776445 * np.sqrt(2.5) / np.sqrt(5), abs=1e-6)
    assert iv.mean - iv.low == pytest.approx(iv.high - iv.mean)
    assert mean_interval([7.0]).as_dict() == {"mean": 7.0, "low": 7.0, "high": 7.0}


def test_paired_interval_removes_the_common_noise() -> None:
    """Common random numbers: a constant difference gives a zero-width interval around it."""
    base = np.array([10.0, 30.0, 20.0, 50.0])
    iv = paired_interval(base + 2.5, base)
    assert (iv.mean, iv.low, iv.high) == (2.5, 2.5, 2.5)
    assert mean_interval(base + 2.5).high - mean_interval(base + 2.5).low > 10
    with pytest.raises(ValueError, match="shape"):
        paired_interval([1.0, 2.0], [1.0])
