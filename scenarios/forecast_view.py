"""The `forecast` section of results.json: forecast vs actual for the SKUs a planner watches.

A cheap slice of `logistics.forecast` for `fwdnet run`: hot items and the best sellers in
every region, a rolling-origin backtest (naive vs the global LightGBM model) scored per
category and in total, and the next weeks' forecast with an 80% interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fwdnet.logistics.forecast.engine import cross_validate, predict
from fwdnet.logistics.forecast.history import DS, ID, Y, validate_history
from fwdnet.logistics.forecast.metrics import Score, score_levels
from fwdnet.logistics.forecast.models import ModelName
from fwdnet.logistics.forecast.scenario import SEP, future_promotions, scenario_frame
from fwdnet.logistics.network import Scenario
from fwdnet.simulation.results import AccuracyRow, ForecastSeries, ForecastView

TOP_SKUS = 12  # best sellers shown beside the hot items
HORIZON_WEEKS = 4  # backtest and forecast horizon
BACKTEST_WINDOWS = 3
SHOWN_WEEKS = 26  # history weeks drawn before the forecast
LEVEL = 80  # prediction interval, %
TREES = 150  # LightGBM estimators: enough for a slice of a few hundred series


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
    models = (ModelName.NAIVE, ModelName.LGBM)
    bt = cross_validate(history, horizon=HORIZON_WEEKS, n_windows=BACKTEST_WINDOWS,
                        models=models, seed=seed, n_estimators=TREES)
    tags = history.frame[[ID, "category"]].drop_duplicates(ID)
    model_names = [m.value for m in bt.models]
    # total accuracy of each model (key = model), then the chosen model per category
    accuracy = [_row("total", s.model, s) for s in
                score_levels(bt.frame, history.frame, model_names, bt.season)
                if s.level == "total"]
    for cat, ids in tags.groupby("category", observed=True)[ID]:
        sub = bt.frame[bt.frame[ID].isin(set(ids))]
        if not sub.empty:
            accuracy += [_row("category", str(cat), s) for s in score_levels(
                sub, history.frame, [ModelName.LGBM.value], bt.season,
                levels={"category": None})]
    future = future_promotions(history, scn, HORIZON_WEEKS)
    fc = predict(history, horizon=HORIZON_WEEKS, model=ModelName.LGBM, levels=(LEVEL,),
                 future=future, seed=seed, n_estimators=TREES)
    return ForecastView(model=ModelName.LGBM.value,
                        series=_series(history.frame, bt.frame, fc), accuracy=accuracy)


def _row(level: str, key: str, s: Score) -> AccuracyRow:
    return AccuracyRow(level=level, key=key, wape=s.wape,
                       mase=None if np.isnan(s.mase) else s.mase, bias=s.bias)


def _series(hist: pd.DataFrame, bt: pd.DataFrame, fc: pd.DataFrame) -> list[ForecastSeries]:
    """Weekly actual, backtest forecast (latest origin) and future forecast with its interval."""
    lo, hi = f"p{(100 - LEVEL) // 2}", f"p{100 - (100 - LEVEL) // 2}"
    last_bt = bt.sort_values("cutoff").groupby([ID, DS]).last()[ModelName.LGBM.value]
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
