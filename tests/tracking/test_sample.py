"""Sampling a feed by waybill: whole waybills, chosen by (seed, number) alone."""

from __future__ import annotations

import json
from datetime import date

import pytest

from fwdnet.logistics.tracking.sample import keeps, waybill_sample
from fwdnet.simulation.waybills import E, WaybillLog, WaybillRow


def log_of(n: int) -> WaybillLog:
    """n waybills, each with three events."""
    log = WaybillLog(date(2026, 1, 5), as_of=30.0)
    for i in range(n):
        row = WaybillRow(f"ST{i:08d}", "own-fleet", "FW-A", f"S{i}", "R1", "scheduled",
                         3.0, 1.5, 0.01, 1.5, 2.5)
        log.add(row, [(E.CREATED, 1.5, "FW-A"), (E.PICKED_UP, 1.7, "FW-A"),
                      (E.DELIVERED, 1.9, f"S{i}")])
    return log


def numbers(lines: list[str]) -> list[str]:
    return [json.loads(x)["waybill_no"] for x in lines]


def test_a_sample_keeps_whole_waybills_near_the_share() -> None:
    log = log_of(4000)
    every = list(log.lines())
    kept = list(log.lines(waybill_sample(0.1, seed=7)))
    per: dict[str, int] = {}
    for no in numbers(kept):
        per[no] = per.get(no, 0) + 1
    assert set(per.values()) == {4}  # each kept waybill with all its lines
    assert 300 < len(per) < 500  # 10% of 4,000 = 400, binomial sd 19
    assert kept == [x for x in every if json.loads(x)["waybill_no"] in per]  # order kept


def test_the_same_seed_keeps_the_same_waybills_and_smaller_shares_nest() -> None:
    log = log_of(1000)
    a = list(log.lines(waybill_sample(0.2, seed=1)))
    assert a == list(log.lines(waybill_sample(0.2, seed=1)))
    assert a != list(log.lines(waybill_sample(0.2, seed=2)))
    assert set(log.lines(waybill_sample(0.05, seed=1))) <= set(a)
    kept = set(numbers(a))
    assert kept == {f"ST{i:08d}" for i in range(1000) if keeps(1, f"ST{i:08d}", 0.2)}
    assert keeps(1, "ST00000001", 1.0)


def test_share_one_is_everything_and_bad_shares_are_refused() -> None:
    assert waybill_sample(1.0, seed=0) is None
    log = log_of(3)
    assert len(list(log.lines(waybill_sample(1.0, seed=0)))) == 12
    for bad in (0.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="share"):
            waybill_sample(bad, seed=0)
