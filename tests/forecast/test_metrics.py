"""WAPE, MASE and bias per level on a hand-computed backtest; calendar and promotion features."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from fwdnet.logistics.forecast.features import PromotionWindow, calendar_features, promotion_lift
from fwdnet.logistics.forecast.frequency import Frequency
from fwdnet.logistics.forecast.hierarchy import aggregate, bottom_up
from fwdnet.logistics.forecast.metrics import score_levels


def _backtest() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    d = pd.to_datetime(["2025-01-13", "2025-01-20"])
    cut = pd.Timestamp("2025-01-06")
    bt = pd.DataFrame({
        "unique_id": ["a", "a", "b", "b"], "ds": [d[0], d[1], d[0], d[1]],
        "cutoff": cut, "y": [10.0, 20.0, 5.0, 5.0], "m": [12.0, 16.0, 7.0, 5.0],
    })
    # training history: a = 10, 14, 10 (|Δ| mean 4); b = 5, 6, 5 (|Δ| mean 1)
    hist = pd.DataFrame({
        "unique_id": ["a"] * 3 + ["b"] * 3,
        "ds": list(pd.to_datetime(["2024-12-23", "2024-12-30", "2025-01-06"])) * 2,
        "y": [10.0, 14.0, 10.0, 5.0, 6.0, 5.0],
    })
    tags = pd.DataFrame({"unique_id": ["a", "b"], "region": ["R", "R"]})
    return bt, hist, tags


def test_scores_match_hand_computation() -> None:
    """Series: |e| = 2+4+2+0 = 8 over Σy = 40 → WAPE 0.2; bias (2−4+2)/40 = 0;
    MASE = mean(3/4, 1/1) = 0.875. Region (a+b): errors 4, −4 over 40 → WAPE 0.2, bias 0,
    MASE = 4 / mean|Δ(15, 20, 15)| = 4/5 = 0.8."""
    bt, hist, tags = _backtest()
    scores = {s.level: s for s in score_levels(bt, hist, ["m"], 52, tags=tags,
                                               levels={"series": "unique_id", "region": "region",
                                                       "total": None})}
    assert scores["series"].wape == pytest.approx(0.2)
    assert scores["series"].bias == pytest.approx(0.0)
    assert scores["series"].mase == pytest.approx(0.875)
    assert scores["region"].wape == pytest.approx(0.2)
    assert scores["region"].mase == pytest.approx(0.8)
    assert scores["total"].series == 1


def test_bottom_up_levels_are_coherent() -> None:
    """Region forecasts are the sums of their series, date by date."""
    bt, _, tags = _backtest()
    reg = aggregate(bt, tags, "region", ["y", "m"], extra_keys=["cutoff"])
    assert reg["m"].tolist() == [19.0, 21.0]
    assert reg["y"].tolist() == [15.0, 25.0]
    fc = bt[["unique_id", "ds", "m"]].rename(columns={"m": "forecast"})
    up = bottom_up(fc, tags, {"region": "region", "total": None})
    assert up["region"]["forecast"].tolist() == [19.0, 21.0]
    assert up["total"]["forecast"].sum() == fc["forecast"].sum()


def test_calendar_features_share_of_days() -> None:
    """Week of Mon 10 Nov 2025 holds 10 and 11 Nov of Double 11 (1–11 Nov): share 2/7."""
    cal = calendar_features(pd.to_datetime(["2025-11-03", "2025-11-10", "2025-06-16"]),
                            Frequency.WEEK).set_index("ds")
    assert cal.loc["2025-11-03", "ev_double11"] == pytest.approx(1.0)
    assert cal.loc["2025-11-10", "ev_double11"] == pytest.approx(2 / 7)
    assert cal.loc["2025-06-16", "ev_618"] == pytest.approx(3 / 7)  # 16, 17, 18 June
    month = calendar_features(pd.to_datetime(["2025-11-01"]), Frequency.MONTH)
    assert month["ev_double11"].iloc[0] == pytest.approx(11 / 30)


def test_promotion_lift_averages_over_the_period_and_respects_scope() -> None:
    """Lift 1.6 on 10–20 Jul for dresses in CQ: week of 7 Jul has 4 days → 1 + 4/7·0.6."""
    promo = PromotionWindow("summer", date(2025, 7, 10), date(2025, 7, 20), 1.6,
                            ("dress",), ("CQ",))
    keys = pd.DataFrame({"ds": pd.to_datetime(["2025-07-07", "2025-07-14", "2025-07-14",
                                               "2025-07-14"]),
                         "region": ["CQ", "CQ", "CD", "CQ"],
                         "category": ["dress", "dress", "dress", "coat"]})
    got = promotion_lift(keys, [promo], Frequency.WEEK).tolist()
    assert got == pytest.approx([1 + 4 / 7 * 0.6, 1.6, 1.0, 1.0])
