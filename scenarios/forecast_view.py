"""The `forecast` section of results.json: forecast vs actual for the SKUs a planner watches.

A cheap slice of `logistics.forecast` for `fwdnet run`: hot items and the best sellers in
every region, one forecast run (ensemble chosen on a rolling-origin backtest, reconciled over
category, region and total, backtest-calibrated 80 % interval) scored per category and in
total against each model on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fwdnet.logistics.forecast.history import DS, ID, Y, validate_history
from fwdnet.logistics.forecast.metrics import Score, score_levels
from fwdnet.logistics.forecast.models import ModelName
from fwdnet.logistics.forecast.pipeline import run_forecast
from fwdnet.logistics.forecast.scenario import SEP, future_promotions, scenario_frame
from fwdnet.logistics.network import Scenario
from fwdnet.simulation.results import AccuracyRow, ForecastSeries, ForecastView

TOP_SKUS = 12  # best sellers shown beside the hot items
HORIZON_WEEKS = 4  # backtest and forecast horizon
BACKTEST_WINDOWS = 3
SHOWN_WEEKS = 26  # history weeks drawn before the forecast
LEVEL = 80  # prediction interval, %
TREES = 150  # LightGBM estimators: enough for a slice of a few hundred series
MODELS = (ModelName.NAIVE, ModelName.SEASONAL_NAIVE, ModelName.WINDOW_AVERAGE, ModelName.LGBM)
HIERARCHY = {"total": [], "category": ["category"], "region": ["region"]}


def _watched_skus(scn: Scenario) -> list[str]:
    """Hot items first, then the best sellers of the history."""
    skus = scn.network.skus
    volume = scn.history.quantity.sum(axis=(0, 2))
    hot = [k.id for k in skus if k.hot]
    best = [skus[int(i)].id for i in np.argsort(-volume, kind="stable")[:TOP_SKUS]]
    return list(dict.fromkeys([*hot, *best]))


def forecast_view(scn: Scenario, seed: int = 0) -> ForecastView:
    """Backtest accuracy and forecast-vs-actual series for the watched SKUs in every region."""
    watched = set(_watched_skus(scn))
    frame = scenario_frame(scn)
    frame = frame[frame[ID].str.split(SEP).str[1].isin(watched)].reset_index(drop=True)
    history = validate_history(frame, source=scn.source, freq="W")
    future = future_promotions(history, scn, HORIZON_WEEKS)
    run = run_forecast(history, horizon=HORIZON_WEEKS, future=future, models=MODELS,
                       n_windows=BACKTEST_WINDOWS, levels=(LEVEL,), hierarchy=HIERARCHY,
                       seed=seed, n_estimators=TREES)
    bt = run.backtest
    final = "reconciled" if "reconciled" in bt.columns else "ensemble"
    tags = history.frame[[ID, "category"]].drop_duplicates(ID)
    # total accuracy of each model (key = model) and of the ensemble as planned, then the
    # planned forecast per category (coherent: category = sum of its series)
    cols = [*run.models, "ensemble", *(["reconciled"] if final == "reconciled" else [])]
    accuracy = [_row("total", s.model, s) for s in
                score_levels(bt, history.frame, cols, history.freq.season)
                if s.level == "total"]
    for cat, ids in tags.groupby("category", observed=True)[ID]:
        sub = bt[bt[ID].isin(set(ids))]
        if not sub.empty:
            accuracy += [_row("category", str(cat), s) for s in score_levels(
                sub, history.frame, [final], history.freq.season,
                levels={"category": None})]
    combo = run.choice.combos.get("all") or next(iter(run.choice.combos.values()))
    label = combo.label + (f" reconciled ({run.reconciliation})" if run.reconciliation else "")
    return ForecastView(model=label, series=_series(history.frame, bt, run.forecast, final),
                        accuracy=accuracy)


def _row(level: str, key: str, s: Score) -> AccuracyRow:
    return AccuracyRow(level=level, key=key, wape=s.wape,
                       mase=None if np.isnan(s.mase) else s.mase, bias=s.bias)


def _series(hist: pd.DataFrame, bt: pd.DataFrame, fc: pd.DataFrame,
            col: str) -> list[ForecastSeries]:
    """Weekly actual, backtest forecast (latest origin) and future forecast with its interval."""
    lo, hi = f"p{(100 - LEVEL) // 2}", f"p{100 - (100 - LEVEL) // 2}"
    last_bt = bt.sort_values("cutoff").groupby([ID, DS]).last()[col]
    out: list[ForecastSeries] = []
    for uid, h in hist.groupby(ID, sort=True):
        h = h.sort_values(DS).tail(SHOWN_WEEKS)
        f = fc[fc[ID] == uid].sort_values(DS)
        dates = [d.date().isoformat() for d in h[DS]] + [d.date().isoformat() for d in f[DS]]
        past_fc = [_opt(last_bt.get((uid, d))) for d in h[DS]]
        region, sku = str(uid).split(SEP, 1)
        out.append(ForecastSeries(
            key=sku, region=region, dates=dates,
            actual=[float(y) for y in h[Y]] + [None] * len(f),
            forecast=past_fc + [float(v) for v in f["forecast"]],
            low=[None] * len(h) + [float(v) for v in f[lo]],
            high=[None] * len(h) + [float(v) for v in f[hi]]))
    return out


def _opt(v: object) -> float | None:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else float(str(v))
