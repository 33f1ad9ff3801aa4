"""Sampling a feed by waybill: whole waybills, chosen by (seed, number) alone."""

from __future__ import annotations

import json

import pytest

from fwdnet.logistics.tracking.sample import keeps, sample_lines


def feed(n: int) -> list[str]:
    """n waybills, each a waybill line followed by three event lines."""
    out = []
    for i in range(n):
        no = f"ST{i:08d}"
        out.append(json.dumps({"kind": "waybill", "waybill_no": no}, separators=(",", ":")))
        out += [json.dumps({"waybill_no": no, "event_type": t}) for t in ("a", "b", "c")]
    return out


def numbers(lines: list[str]) -> list[str]:
    return [json.loads(x)["waybill_no"] for x in lines]


def test_a_sample_keeps_whole_waybills_near_the_share() -> None:
    lines = feed(4000)
    kept = list(sample_lines(lines, 0.1, seed=7))
    per = {}
    for no in numbers(kept):
        per[no] = per.get(no, 0) + 1
    assert set(per.values()) == {4}  # each kept waybill with all its lines
    assert 300 < len(per) < 500  # 10% of 4,000 = 400, binomial sd 19
    assert kept == [x for x in lines if json.loads(x)["waybill_no"] in per]  # order kept


def test_the_same_seed_keeps_the_same_waybills_and_smaller_shares_nest() -> None:
    lines = feed(1000)
    a = list(sample_lines(lines, 0.2, seed=1))
    assert a == list(sample_lines(lines, 0.2, seed=1))
    assert a != list(sample_lines(lines, 0.2, seed=2))
    assert set(sample_lines(lines, 0.05, seed=1)) <= set(a)
    assert list(sample_lines(reversed(lines), 0.2, seed=1)) == list(reversed(a))
    assert keeps(1, "ST00000001", 1.0)


def test_share_one_is_everything_and_bad_shares_are_refused() -> None:
    lines = [*feed(3), "not json"]
    assert list(sample_lines(lines, 1.0, seed=0)) == lines
    assert "not json" in list(sample_lines(lines, 0.01, seed=0))
    for bad in (0.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="share"):
            list(sample_lines(lines, bad, seed=0))
