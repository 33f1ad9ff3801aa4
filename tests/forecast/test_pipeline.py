"""Ensembles, calibrated intervals, reconciliation and the one-run pipeline, on known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fwdnet.logistics.forecast import reconcile as rec
from fwdnet.logistics.forecast.baselines import cross_validate_fast, forecast_fast
from fwdnet.logistics.forecast.ensemble import choose
from fwdnet.logistics.forecast.history import validate_history
from fwdnet.logistics.forecast.intervals import calibrate, coverage
from fwdnet.logistics.forecast.models import ModelName as M
from fwdnet.logistics.forecast.pipeline import run_forecast


def _bt(y: np.ndarray, **models: np.ndarray) -> pd.DataFrame:
    n = len(y)
    return pd.DataFrame({"unique_id": [f"u{i % 4}" for i in range(n)],
                         "ds": pd.date_range("2025-01-06", periods=n, freq="W-MON"),
                         "cutoff": pd.Timestamp("2025-01-01"), "y": y, **models})


def test_ensemble_takes_the_mean_when_errors_cancel() -> None:
    """a = y + 2, b = y − 2, c = y + 5: mean(a, b) is exact, so it beats every single model."""
    y = np.arange(10.0, 30.0)
    bt = _bt(y, a=y + 2, b=y - 2, c=y + 5)
    choice = choose(bt, ["a", "b", "c"], pd.Series("all", index=[f"u{i}" for i in range(4)]))
    combo = choice.combos["all"]
    assert combo.models == ("a", "b")
    assert combo.how == "mean"
    assert combo.wape == pytest.approx(0.0)
    assert choice.combine(bt).to_numpy() == pytest.approx(y)
    assert choice.label_of("u1") == "mean(a+b)"


def test_ensemble_keeps_one_model_when_averaging_hurts() -> None:
    """a is exact and b is far off: averaging only adds b's error, so `a` alone is kept."""
    y = np.arange(10.0, 30.0)
    bt = _bt(y, a=y.copy(), b=y + 10)
    choice = choose(bt, ["a", "b"], pd.Series("all", index=[f"u{i}" for i in range(4)]))
    assert choice.combos["all"].models == ("a",)


def test_fast_baselines_equal_statsforecast() -> None:
    """Naive, seasonal naive (m = 13) and 4-week average from numpy = statsforecast's, on
    series of different lengths, in the backtest and in the final forecast."""
    import warnings

    from statsforecast import StatsForecast

    from fwdnet.logistics.forecast.models import stat_model

    rng = np.random.default_rng(0)
    rows = [pd.DataFrame({"unique_id": f"u{i}", "y": rng.poisson(5, n).astype(float),
                          "ds": pd.date_range("2024-01-01", periods=n, freq="W-MON")
                          + pd.Timedelta(weeks=60 - n)}) for i, n in enumerate((40, 60, 55))]
    df = pd.concat(rows, ignore_index=True)
    models = [M.NAIVE, M.SEASONAL_NAIVE, M.WINDOW_AVERAGE]
    sf = StatsForecast(models=[stat_model(x, 13) for x in models], freq="W-MON")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sf.cross_validation(h=4, df=df, n_windows=3, step_size=4)
        ref_fc = sf.forecast(h=4, df=df)
    got = cross_validate_fast(df, models, horizon=4, n_windows=3, step=4, season=13)
    both = got.merge(ref, on=["unique_id", "ds", "cutoff"], suffixes=("", "_ref"))
    assert len(both) == len(got) == 36
    for m in models:
        assert both[m.value].to_numpy() == pytest.approx(both[f"{m.value}_ref"].to_numpy())
    grid = ref_fc[["unique_id", "ds"]].sort_values(["unique_id", "ds"]).reset_index(drop=True)
    fc = forecast_fast(df, grid, models, season=13).merge(ref_fc, on=["unique_id", "ds"],
                                                          suffixes=("", "_ref"))
    for m in models:
        assert fc[m.value].to_numpy() == pytest.approx(fc[f"{m.value}_ref"].to_numpy())


def test_calibrated_band_covers_its_level_on_fresh_errors() -> None:
    """Errors ~ N(0, σ_i) with σ_i from 1 to 20: a band calibrated on 3 origins covers
    80 % (±3 points) of 4 fresh origins, and wide series get wide bands."""
    rng = np.random.default_rng(3)
    n, h = 300, 4
    sigma = np.linspace(1.0, 20.0, n)

    def origins(k: int, start: int) -> pd.DataFrame:
        parts = []
        for o in range(k):
            cut = pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=4 * (start + o))
            for i in range(n):
                mu = 50.0 + 10 * sigma[i]
                parts.append(pd.DataFrame({
                    "unique_id": f"s{i:03d}", "cutoff": cut,
                    "ds": pd.date_range(cut + pd.Timedelta(weeks=1), periods=h, freq="7D"),
                    "f": mu, "y": mu + rng.normal(0, sigma[i], h)}))
        return pd.concat(parts, ignore_index=True)

    cal = calibrate(origins(3, 0), "f", (0.1, 0.9))
    fresh = origins(4, 3)
    got = pd.concat([cal.apply(g.rename(columns={"f": "forecast"})) for _, g in
                     fresh.groupby("cutoff")])
    assert coverage(got, "p10", "p90") == pytest.approx(0.80, abs=0.03)
    width = (got["p90"] - got["p10"]).groupby(got["unique_id"]).mean()
    assert width["s299"] > 5 * width["s000"]


def test_reconciliation_sums_and_methods() -> None:
    """Two regions × two SKUs: S has total, region and the 4 series; every method's output
    adds up, bottom-up keeps the bottom forecasts as they are."""
    tags = pd.DataFrame({"unique_id": ["a|1", "a|2", "b|1", "b|2"],
                         "region": ["a", "a", "b", "b"]})
    hier = rec.build(tags, {"total": [], "region": ["region"]})
    assert hier.nodes["unique_id"].tolist() == ["total", "a", "b", "a|1", "a|2", "b|1", "b|2"]
    assert hier.S[0].tolist() == [1, 1, 1, 1]
    assert hier.S[1].tolist() == [1, 1, 0, 0]
    base = np.array([[110.0], [40.0], [60.0], [10.0], [20.0], [30.0], [40.0]])
    rng = np.random.default_rng(0)
    resid = rng.normal(0, 1, (7, 12))
    for method in rec.METHODS:
        out = rec.reconcile(hier, base, method, resid)
        assert out[0, 0] == pytest.approx(out[3:, 0].sum())
        assert out[1, 0] == pytest.approx(out[3:5, 0].sum())
    assert rec.reconcile(hier, base, "bottom_up")[:, 0].tolist() == [100, 30, 70, 10, 20, 30, 40]


def _panel(weeks: int = 70, skus: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    dates = pd.date_range("2024-01-01", periods=weeks, freq="W-MON")
    rows = []
    for r in ("north", "south"):
        for k in range(skus):
            level = 20.0 * (k + 1) * (1.5 if r == "north" else 1.0)
            season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(weeks) / 13)
            rows.append(pd.DataFrame({
                "unique_id": f"{r}|K{k}", "date": dates, "region": r, "sku": f"K{k}",
                "category": "tops" if k % 2 else "bottoms",
                "quantity": rng.poisson(level * season).astype(float)}))
    rows.append(pd.DataFrame({"unique_id": "north|NEW", "date": dates[-3:], "region": "north",
                              "sku": "NEW", "category": "tops", "quantity": [5.0, 6.0, 4.0]}))
    return pd.concat(rows, ignore_index=True)


def test_run_forecast_levels_add_up_and_short_series_are_named() -> None:
    """One run: every level's forecast equals the sum of its series, the new SKU is
    forecast from the cold-start profile and says so, and the bands hold the forecast."""
    h = validate_history(_panel(), source="mem")
    run = run_forecast(h, horizon=4, models=[M.NAIVE, M.WINDOW_AVERAGE, M.LGBM], n_windows=3,
                       levels=(80,), season=13, n_estimators=30,
                       hierarchy={"total": [], "region": ["region"], "category": ["category"]})
    fc = run.forecast
    assert run.reconciliation in rec.METHODS
    assert run.cold_start == ("north|NEW",)
    new = fc[fc["unique_id"] == "north|NEW"]
    assert new["model"].str.startswith("cold start: 3 periods of history").all()
    assert fc.loc[fc["unique_id"] != "north|NEW", "model"].str.contains("reconciled").all()
    total = run.levels[run.levels["level"] == "total"].set_index("ds")["forecast"]
    assert total.to_numpy() == pytest.approx(fc.groupby("ds")["forecast"].sum().to_numpy())
    north = run.levels[(run.levels["level"] == "region") & (run.levels["unique_id"] == "north")]
    north_sum = fc[fc["unique_id"].str.startswith("north|")].groupby("ds")["forecast"].sum()
    assert north.set_index("ds")["forecast"].to_numpy() == pytest.approx(north_sum.to_numpy())
    assert (fc["p10"] <= fc["forecast"] + 1e-9).all()
    assert (fc["forecast"] <= fc["p90"] + 1e-9).all()
    assert set(run.calibration) == {"total", "region", "category", "series"}


def test_run_forecast_is_deterministic_for_a_seed() -> None:
    """Same history and seed → the same numbers, bit for bit."""
    h = validate_history(_panel(weeks=50, skus=4), source="mem")
    kw = {"horizon": 3, "models": [M.NAIVE, M.LGBM], "n_windows": 2, "levels": (80,),
          "season": 13, "n_estimators": 20, "seed": 4}
    a = run_forecast(h, **kw).forecast
    b = run_forecast(h, **kw).forecast
    pd.testing.assert_frame_equal(a, b)
