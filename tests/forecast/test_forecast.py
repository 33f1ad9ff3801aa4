"""Forecasts with known answers: a pure seasonal series, a promotion feature, cold start."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fwdnet.logistics.forecast.engine import cross_validate, predict, residual_sigma, select_model
from fwdnet.logistics.forecast.history import validate_history
from fwdnet.logistics.forecast.models import ModelName


def _seasonal(n: int = 96, h: int = 0) -> pd.DataFrame:
    t = np.arange(n + h)
    y = 100 + 30 * np.sin(2 * np.pi * t / 12)
    dates = pd.date_range("2015-01-01", periods=n + h, freq="MS")
    return pd.DataFrame({"unique_id": "s", "date": dates, "quantity": y})


@pytest.mark.parametrize("model", [ModelName.ETS, ModelName.SEASONAL_NAIVE, ModelName.THETA])
def test_pure_seasonal_series_is_recovered_within_2_percent(model: ModelName) -> None:
    """y = 100 + 30 sin(2πt/12), 8 years monthly: the next 12 months within 2 % of the truth."""
    full = _seasonal(96, 12)
    h = validate_history(full.iloc[:96], source="mem")
    fc = predict(h, horizon=12, model=model, levels=(80,))
    truth = full["quantity"].to_numpy()[96:]
    assert np.max(np.abs(fc["forecast"].to_numpy() - truth) / truth) < 0.02
    assert (fc["p10"] <= fc["forecast"] + 1e-9).all()
    assert (fc["forecast"] <= fc["p90"] + 1e-9).all()


def _promo_panel(weeks: int = 60, series: int = 12) -> pd.DataFrame:
    """Base demand 10·k per series; every 5th week a promotion (lift feature 3) triples it."""
    dates = pd.date_range("2024-01-01", periods=weeks, freq="W-MON")
    rows = []
    for k in range(1, series + 1):
        promo = np.where(np.arange(weeks) % 5 == 2, 3.0, 1.0)
        rows.append(pd.DataFrame({"unique_id": f"u{k}", "date": dates,
                                  "quantity": 10.0 * k * promo, "promo_lift": promo,
                                  "category": "c"}))
    return pd.concat(rows, ignore_index=True)


def test_global_model_uses_known_future_promotions() -> None:
    """LightGBM given next week's promo_lift = 3 forecasts ≈ 3× the week without promotion."""
    h = validate_history(_promo_panel(), source="mem")
    last = h.frame["ds"].max()
    future = pd.DataFrame({
        "unique_id": [f"u{k}" for k in range(1, 13) for _ in range(2)],
        "date": [last + pd.Timedelta(weeks=w) for _ in range(12) for w in (1, 2)],
        "promo_lift": [1.0, 3.0] * 12,
    })
    fc = predict(h, horizon=2, model=ModelName.LGBM, future=future, levels=(80,),
                 n_estimators=150)
    wide = fc.pivot(index="unique_id", columns="ds", values="forecast")
    ratio = (wide.iloc[:, 1] / wide.iloc[:, 0]).to_numpy()
    assert np.all((ratio > 2.2) & (ratio < 3.8))


def test_predict_needs_future_values_of_numeric_features() -> None:
    """A history with promo_lift but no --features: a one-line error says what to pass."""
    from fwdnet.logistics.errors import InputError

    h = validate_history(_promo_panel(), source="mem")
    with pytest.raises(InputError, match="pass their future values with --features"):
        predict(h, horizon=2, model=ModelName.LGBM, n_estimators=10)


def test_new_and_short_items_get_the_scaled_category_profile() -> None:
    """Established c-items sell 10 and 20 (mean 15); a new c-item sold 5, 5 → forecast 5."""
    dates = pd.date_range("2024-01-01", periods=30, freq="W-MON")
    rows = [pd.DataFrame({"unique_id": uid, "date": dates, "quantity": q, "category": cat})
            for uid, q, cat in (("a", 10.0, "c"), ("b", 20.0, "c"), ("z", 100.0, "other"))]
    rows.append(pd.DataFrame({"unique_id": "new", "date": dates[-2:], "quantity": 5.0,
                              "category": "c"}))
    h = validate_history(pd.concat(rows, ignore_index=True), source="mem")
    fc = predict(h, horizon=3, model=ModelName.WINDOW_AVERAGE, levels=(80,))
    new = fc[fc["unique_id"] == "new"]
    assert new["forecast"].to_numpy() == pytest.approx([5.0, 5.0, 5.0])
    assert new["ds"].min() == dates[-1] + pd.Timedelta(weeks=1)


def test_item_without_history_gets_the_unscaled_profile() -> None:
    """A c-item with no sales at all is forecast as the category mean (15), not zero."""
    from fwdnet.logistics.forecast.coldstart import cold_start

    dates = pd.date_range("2024-01-01", periods=30, freq="W-MON")
    rows = [pd.DataFrame({"unique_id": uid, "date": dates, "quantity": q, "category": "c"})
            for uid, q in (("a", 10.0), ("b", 20.0))]
    h = validate_history(pd.concat(rows, ignore_index=True), source="mem")
    est = predict(h, horizon=2, model=ModelName.WINDOW_AVERAGE, levels=(80,))
    new = pd.DataFrame({"unique_id": ["fresh"], "category": ["c"],
                        "first_ds": [dates[-1] + pd.Timedelta(weeks=1)]})
    got = cold_start(h, est, [], 2, ["p10", "p90"], new_items=new)
    assert got["forecast"].to_numpy() == pytest.approx([15.0, 15.0])


def test_backtest_windows_short_series_and_selection() -> None:
    """3 origins × 4 weeks: 12 scored rows per series, short series excluded, best model picked.

    On a noiseless linear trend the naive forecast beats a 4-week average, so it is selected.
    """
    dates = pd.date_range("2024-01-01", periods=40, freq="W-MON")
    rows = [pd.DataFrame({"unique_id": uid, "date": dates, "quantity": np.arange(40.0) + off})
            for uid, off in (("a", 10.0), ("b", 50.0))]
    rows.append(pd.DataFrame({"unique_id": "short", "date": dates[-5:], "quantity": 1.0}))
    h = validate_history(pd.concat(rows, ignore_index=True), source="mem")
    bt = cross_validate(h, horizon=4, n_windows=3,
                        models=[ModelName.NAIVE, ModelName.WINDOW_AVERAGE,
                                ModelName.SEASONAL_NAIVE])
    assert bt.excluded == ("short",)
    assert len(bt.frame) == 2 * 3 * 4
    assert bt.frame["cutoff"].nunique() == 3
    assert any("seasonal_naive skipped" in n for n in bt.notes)
    assert select_model(bt) is ModelName.NAIVE
    a = bt.frame[(bt.frame["unique_id"] == "a")]
    # naive from each origin repeats the last value: error grows 1, 2, 3, 4 per step
    err = (a["y"] - a["naive"]).to_numpy()
    assert err.tolist() == [1.0, 2.0, 3.0, 4.0] * 3
    assert math.isclose(float(a["window_average"].iloc[0]), float(a["y"].iloc[0]) - 2.5)
    # σ of the naive error: √((1² + 2² + 3² + 4²) / 4) = √7.5 for both series
    assert residual_sigma(bt, ModelName.NAIVE).to_dict() == pytest.approx(
        {"a": math.sqrt(7.5), "b": math.sqrt(7.5)})
