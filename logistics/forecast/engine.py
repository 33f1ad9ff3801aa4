"""Rolling-origin backtests and forecasts over a validated `History`.

statsforecast runs the per-series models on `unique_id, ds, y` only; mlforecast runs the
global LightGBM with calendar features, the history's numeric (known-future) features and its
text (static) features. Series too short for the setup are routed to the cold-start profile
(`logistics.forecast.coldstart`) instead of failing.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.forecast.baselines import FAST, cross_validate_fast, forecast_fast
from fwdnet.logistics.forecast.features import (
    CALENDAR_FEATURES,
    add_neighbours,
    calendar_features,
)
from fwdnet.logistics.forecast.history import DS, ID, History, Y
from fwdnet.logistics.forecast.models import ModelName, global_model, stat_model

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Backtest:
    """Rolling-origin forecasts: `frame` has unique_id, ds, cutoff, y and one column per model."""

    frame: pd.DataFrame
    models: tuple[ModelName, ...]
    horizon: int
    season: int
    excluded: tuple[str, ...]  # series too short for every origin (not scored)
    notes: tuple[str, ...]  # models skipped and why


def _dynamic(history: History) -> list[str]:
    """The user's known-future numeric features (calendar features are added by us)."""
    return [c for c in history.dynamic_features if c not in CALENDAR_FEATURES]


def _prepare(history: History, future: pd.DataFrame | None = None
             ) -> tuple[pd.DataFrame, list[str], pd.DataFrame | None]:
    """History frame + calendar and neighbour features, text features as pandas categories.

    With `future` (the grid of `future_frame`), neighbour features (`promo_prev`,
    `promo_next`) run across the forecast origin, and the future grid gets them too.
    """
    import pandas as pd

    cal = calendar_features(history.frame[DS].unique(), history.freq,
                            month_end=history.pandas_freq == "ME")
    df = history.frame.merge(cal, on=DS, how="left")
    # text features with many values (e.g. sku) are scoring levels, not model inputs
    static = [c for c in history.static_features if df[c].nunique() <= MAX_CATEGORIES]
    df = df.drop(columns=[c for c in history.static_features if c not in static])
    for c in static:
        df[c] = df[c].astype("category")
    dynamic = _dynamic(history)
    if dynamic:
        if future is None:
            df = add_neighbours(df, dynamic)
        else:
            both = pd.concat([df[[ID, DS, *dynamic]], future[[ID, DS, *dynamic]]],
                             ignore_index=True)
            both = add_neighbours(both, dynamic)
            extra = [f"{c}_{side}" for c in dynamic for side in ("prev", "next")]
            n = len(df)
            df = pd.concat([df.reset_index(drop=True),
                            both.iloc[:n][extra].reset_index(drop=True)], axis=1)
            future = pd.concat([future.reset_index(drop=True),
                                both.iloc[n:][extra].reset_index(drop=True)], axis=1)
    return df, static, future


def _lengths(history: History) -> pd.Series:
    return history.frame.groupby(ID, sort=False).size()


MAX_CATEGORIES = 50  # text features with more values (ids such as sku) are levels, not inputs
MIN_FIT = 8  # periods a model fits on before the earliest conformal/backtest origin


def min_length(horizon: int) -> int:
    """Shortest history a series needs to be forecast by its own model (else: cold start)."""
    return 2 * horizon + MIN_FIT


def cross_validate(
    history: History,
    *,
    horizon: int,
    n_windows: int = 4,
    step: int | None = None,
    season: int | None = None,
    models: Sequence[ModelName] = (ModelName.NAIVE, ModelName.SEASONAL_NAIVE,
                                   ModelName.WINDOW_AVERAGE, ModelName.ETS, ModelName.LGBM),
    num_threads: int = 1,
    seed: int = 0,
    n_estimators: int = 300,
) -> Backtest:
    """Forecast `horizon` periods from `n_windows` origins `step` apart, refitting at each."""

    if horizon < 1 or n_windows < 1:
        raise InputError("horizon and number of windows must be >= 1", source=history.source)
    step = step or horizon
    m = season or history.freq.season
    test_span = (n_windows - 1) * step + horizon
    lengths = _lengths(history)
    need = test_span + MIN_FIT
    keep = lengths[lengths >= need].index
    excluded = tuple(str(x) for x in lengths.index.difference(keep))
    if len(keep) == 0:
        raise InputError(
            f"no series has the {need} periods this backtest needs ({n_windows} windows of "
            f"{horizon}, step {step}, plus {MIN_FIT} to fit); longest has "
            f"{int(lengths.max())}: use a smaller --horizon or fewer windows",
            source=history.source)
    df, static, _ = _prepare(history)
    df = df[df[ID].isin(keep)].reset_index(drop=True)
    notes: list[str] = []
    chosen = list(dict.fromkeys(models))
    shortest_train = int(lengths[keep].min()) - test_span
    for name in list(chosen):
        need_fit = name.seasons_needed() * m
        if need_fit and (m < 2 or shortest_train < need_fit):
            chosen.remove(name)
            notes.append(f"{name.value} skipped: season {m} needs {need_fit} periods before "
                         f"the first origin, the shortest series has {shortest_train}")
    if not chosen:
        raise InputError("no model can be backtested on this history: "
                         + "; ".join(notes), source=history.source)

    parts: list[pd.DataFrame] = []
    fast = [n for n in chosen if n in FAST]
    if fast:
        parts.append(cross_validate_fast(df[[ID, DS, Y]], fast, horizon=horizon,
                                         n_windows=n_windows, step=step, season=m))
    stat = [n for n in chosen if not n.is_global and n not in FAST]
    if stat:
        from statsforecast import StatsForecast

        sf = StatsForecast(models=[stat_model(n, m) for n in stat],
                           freq=history.pandas_freq, n_jobs=num_threads)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cv = sf.cross_validation(h=horizon, df=df[[ID, DS, Y]], n_windows=n_windows,
                                     step_size=step)
        parts.append(cv.reset_index(drop=True) if ID in cv.columns else cv.reset_index())
    if ModelName.LGBM in chosen:
        parts.append(_global_cv(history, df, static, horizon=horizon, n_windows=n_windows,
                                step=step, season=m, num_threads=num_threads, seed=seed,
                                n_estimators=n_estimators))
    frame = parts[0]
    for extra in parts[1:]:
        frame = frame.merge(extra.drop(columns=[Y]), on=[ID, DS, "cutoff"], how="inner")
    frame[ID] = frame[ID].astype(str)
    frame = frame.sort_values([ID, "cutoff", DS]).reset_index(drop=True)
    cols = [n.value for n in chosen]
    frame[cols] = frame[cols].clip(lower=0.0)  # demand is never negative
    return Backtest(frame=frame[[ID, DS, "cutoff", Y, *cols]], models=tuple(chosen),
                    horizon=horizon, season=m, excluded=excluded, notes=tuple(notes))


MAX_TRAIN_ROWS = 300_000  # the global model learns from a seeded sample of series above this


def _sample_ids(df: pd.DataFrame, seed: int) -> list[str] | None:
    """A seeded sample of series holding about MAX_TRAIN_ROWS rows (None: use them all)."""
    import numpy as np

    if len(df) <= MAX_TRAIN_ROWS:
        return None
    ids = np.sort(df[ID].astype(str).unique())
    keep = max(1, int(len(ids) * MAX_TRAIN_ROWS / len(df)))
    pick = np.random.default_rng(seed).choice(len(ids), size=keep, replace=False)
    return [str(x) for x in ids[np.sort(pick)]]


def _fit_global(mlf: Any, df: pd.DataFrame, static: list[str], x_df: pd.DataFrame,
                horizon: int, seed: int) -> pd.DataFrame:
    """Fit the global model (on a sample of series when the panel is big), forecast all."""
    import pandas as pd

    sample = _sample_ids(df, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NaN seasonal lags are intended
        if sample is None:
            mlf.fit(df, static_features=static, dropna=False)
            fc = mlf.predict(horizon, X_df=x_df)
        else:
            mlf.fit(df[df[ID].isin(set(sample))], static_features=static, dropna=False)
            fc = mlf.predict(horizon, new_df=df, X_df=x_df)
    fc[ID] = fc[ID].astype(str)
    return pd.DataFrame(fc)


def _global_cv(history: History, df: pd.DataFrame, static: list[str], *, horizon: int,
               n_windows: int, step: int, season: int, num_threads: int, seed: int,
               n_estimators: int) -> pd.DataFrame:
    """Rolling-origin forecasts of the global model: mlforecast's own cross-validation, or
    (big panels whose series share an end date) one fit on a sample of series at the earliest
    origin, which then forecasts from every origin (saves a third of the LightGBM time at 24,000
    series with two origins and the final fit)."""
    import pandas as pd

    mlf = global_model(history.freq, history.pandas_freq, season, num_threads=num_threads,
                       seed=seed, n_estimators=n_estimators)
    ends = df.groupby(ID, sort=False, observed=True)[DS].max()
    if _sample_ids(df, seed) is None or ends.nunique() != 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "null values in lag52": NaN lags are intended
            return pd.DataFrame(mlf.cross_validation(df, n_windows=n_windows, h=horizon,
                                                     step_size=step, static_features=static,
                                                     dropna=False))
    dates = pd.DatetimeIndex(sorted(df[DS].unique()))
    feats = [c for c in df.columns if c not in (Y, *static)]
    parts = []
    for w in range(n_windows):
        cut = dates[len(dates) - 1 - horizon - (n_windows - 1 - w) * step]
        train = df[df[DS] <= cut]
        test = df[(df[DS] > cut) & (df[DS] <= dates[dates.get_loc(cut) + horizon])]
        if w == 0:  # fitted once, at the earliest origin: later origins only predict
            fc = _fit_global(mlf, train, static, test[feats], horizon, seed)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # NaN seasonal lags are intended
                fc = pd.DataFrame(mlf.predict(horizon, new_df=train, X_df=test[feats]))
            fc[ID] = fc[ID].astype(str)
        fc = fc.merge(test[[ID, DS, Y]].assign(**{ID: test[ID].astype(str)}), on=[ID, DS])
        parts.append(fc.assign(cutoff=cut))
    return pd.concat(parts, ignore_index=True)


def quantile_columns(levels: Sequence[int]) -> list[str]:
    """Output names for central intervals: level 80 → p10 and p90."""
    out = []
    for lv in sorted(levels):
        lo = (100 - lv) / 2
        out += [f"p{lo:g}", f"p{100 - lo:g}"]
    return sorted(out, key=lambda c: float(c[1:]))


def _rename_levels(fc: pd.DataFrame, model: str, levels: Sequence[int]) -> pd.DataFrame:
    out = fc[[ID, DS]].copy()
    out["forecast"] = fc[model].clip(lower=0.0)
    for lv in levels:
        lo = (100 - lv) / 2
        out[f"p{lo:g}"] = fc[f"{model}-lo-{lv}"].clip(lower=0.0)
        out[f"p{100 - lo:g}"] = fc[f"{model}-hi-{lv}"].clip(lower=0.0)
    return out


def future_dates(history: History, ids: Sequence[str], horizon: int) -> pd.DataFrame:
    """unique_id × the `horizon` periods after each series' last date (vectorised)."""
    import numpy as np
    import pandas as pd

    last = history.frame.groupby(ID, sort=False)[DS].max().reindex(list(ids))
    parts = []
    for when, uids in last.groupby(last, sort=True).groups.items():
        dates = pd.date_range(when, periods=horizon + 1, freq=history.pandas_freq)[1:]
        parts.append(pd.DataFrame({ID: np.repeat(np.asarray(uids, dtype=object), horizon),
                                   DS: np.tile(dates.to_numpy(), len(uids))}))
    grid = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({ID: [], DS: []})
    return grid.sort_values([ID, DS], kind="stable").reset_index(drop=True)


def future_frame(history: History, horizon: int, future: pd.DataFrame | None,
                  ids: Sequence[str], *, future_source: str = "features") -> pd.DataFrame:
    """unique_id × future dates with calendar features and the user's future features.

    A future feature table that misses a series' date or leaves a value empty stops with the
    file, the row (or the missing unique_id and date) and the column.
    """
    import pandas as pd

    grid = future_dates(history, ids, horizon)
    cal = calendar_features(grid[DS].unique(), history.freq,
                            month_end=history.pandas_freq == "ME")
    grid = grid.merge(cal, on=DS, how="left")
    dynamic = _dynamic(history)
    if dynamic:
        if future is None:
            raise InputError(
                f"the history has feature column(s) {', '.join(dynamic)}; pass their future "
                "values with --features FUTURE.csv (unique_id,date,<features>)",
                source=history.source)
        fut = future.rename(columns={"date": DS}).copy()
        missing = [c for c in (ID, DS, *dynamic) if c not in fut.columns]
        if missing:
            raise InputError(f"missing column(s) {', '.join(missing)}; expected unique_id,date,"
                             f"{','.join(dynamic)}", source=future_source)
        fut[ID] = fut[ID].astype(str)
        fut[DS] = pd.to_datetime(fut[DS], errors="coerce")
        fut["_row"] = range(2, len(fut) + 2)
        for c in dynamic:
            fut[c] = pd.to_numeric(fut[c], errors="coerce")
        fut = fut.drop_duplicates([ID, DS])
        grid = grid.merge(fut[[ID, DS, "_row", *dynamic]], on=[ID, DS], how="left")
        absent = grid["_row"].isna().to_numpy()
        if absent.any():
            r = grid.loc[absent].iloc[0]
            raise InputError(
                f"no row for unique_id {r[ID]!r} and date {r[DS].date()}; expected "
                f"{','.join(dynamic)} for every series on each of the {horizon} dates after "
                "its history", source=future_source)
        for c in dynamic:
            empty = grid[c].isna().to_numpy()
            if empty.any():
                r = grid.loc[empty].iloc[0]
                raise InputError(f"row {int(r['_row'])}: column {c!r}: empty or not a number; "
                                 "expected a value for every forecast date",
                                 source=future_source)
        grid = grid.drop(columns="_row")
    return grid


def fit_predict(
    history: History,
    *,
    horizon: int,
    models: Sequence[ModelName],
    ids: Sequence[str],
    season: int | None = None,
    future: pd.DataFrame | None = None,
    future_source: str = "features",
    num_threads: int = 1,
    seed: int = 0,
    n_estimators: int = 300,
) -> pd.DataFrame:
    """Mean forecasts of several models for series `ids`: `unique_id, ds, <model>…` (≥ 0)."""
    import pandas as pd

    m = season or history.freq.season
    x_df = future_frame(history, horizon, future, ids, future_source=future_source)
    df, static, x_df = _prepare(history, x_df)
    assert x_df is not None
    keep = set(ids)
    df = df[df[ID].isin(keep)].reset_index(drop=True)
    out = x_df[[ID, DS]].copy()
    fast = [n for n in models if n in FAST]
    if fast:
        out = forecast_fast(df[[ID, DS, Y]], out, fast, season=m)
    stat = [n for n in models if not n.is_global and n not in FAST]
    if stat:
        from statsforecast import StatsForecast

        sf = StatsForecast(models=[stat_model(n, m) for n in stat], freq=history.pandas_freq,
                           n_jobs=num_threads)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = sf.forecast(h=horizon, df=df[[ID, DS, Y]])
        fc = fc.reset_index() if ID not in fc.columns else fc
        fc[ID] = fc[ID].astype(str)
        out = out.merge(fc[[ID, DS, *[n.value for n in stat]]], on=[ID, DS], how="left")
    if ModelName.LGBM in models:
        mlf = global_model(history.freq, history.pandas_freq, m, num_threads=num_threads,
                           seed=seed, n_estimators=n_estimators)
        x = x_df.drop(columns=[c for c in static if c in x_df.columns])
        fc = _fit_global(mlf, df, static, x, horizon, seed)
        out = out.merge(fc[[ID, DS, ModelName.LGBM.value]], on=[ID, DS], how="left")
    cols = [n.value for n in models]
    out[cols] = out[cols].clip(lower=0.0)
    return pd.DataFrame(out)


def predict(
    history: History,
    *,
    horizon: int,
    model: ModelName = ModelName.LGBM,
    season: int | None = None,
    levels: Sequence[int] = (80, 90),
    future: pd.DataFrame | None = None,
    num_threads: int = 1,
    seed: int = 0,
    n_estimators: int = 300,
) -> pd.DataFrame:
    """Forecast `horizon` periods for every series: `unique_id, ds, forecast, p5, p10, …`.

    Quantiles come from conformal intervals (statsforecast / mlforecast); series shorter than
    `min_length(horizon)` get the cold-start category profile.
    """
    import pandas as pd

    from fwdnet.logistics.forecast.coldstart import cold_start

    m = season or history.freq.season
    lengths = _lengths(history)
    established = [str(x) for x in lengths[lengths >= min_length(horizon)].index]
    short = [str(x) for x in lengths.index if str(x) not in set(established)]
    qcols = quantile_columns(levels)
    windows = max(2, min(3, (int(lengths.max()) - horizon) // horizon))
    if established:
        x_df = future_frame(history, horizon, future, established)
        df, static, x_df = _prepare(history, x_df)
        assert x_df is not None
        est = df[df[ID].isin(established)].reset_index(drop=True)
        shortest = int(lengths[established].min())
        windows = max(2, min(windows, (shortest - MIN_FIT) // horizon))
        if model.is_global:
            from mlforecast.utils import PredictionIntervals

            mlf = global_model(history.freq, history.pandas_freq, m, num_threads=num_threads,
                               seed=seed, n_estimators=n_estimators)
            x_df = x_df.drop(columns=[c for c in static if c in x_df.columns])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # NaN seasonal lags are intended
                pi = PredictionIntervals(n_windows=windows, h=horizon) if levels else None
                mlf.fit(est, static_features=static, dropna=False, prediction_intervals=pi)
                fc = mlf.predict(horizon, X_df=x_df, level=list(levels) or None)
        else:
            from statsforecast import StatsForecast

            mdl = stat_model(model, m, conformal_h=horizon if levels else None,
                             conformal_windows=windows)
            sf = StatsForecast(models=[mdl], freq=history.pandas_freq, n_jobs=num_threads)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fc = sf.forecast(h=horizon, df=est[[ID, DS, Y]], level=list(levels) or None)
            fc = fc.reset_index() if ID not in fc.columns else fc
        out = _rename_levels(fc, model.value, levels)
        out[ID] = out[ID].astype(str)
        if model is ModelName.SEASONAL_NAIVE and out["forecast"].isna().any():
            raise InputError(f"seasonal_naive needs {m} periods of history per series; use "
                             "--season or another --model", source=history.source)
    else:
        out = pd.DataFrame(columns=[ID, DS, "forecast", *qcols])
    if short:
        out = pd.concat([out, cold_start(history, out, short, horizon, qcols)],
                        ignore_index=True)
    return out.sort_values([ID, DS]).reset_index(drop=True)[[ID, DS, "forecast", *qcols]]


def residual_sigma(backtest: Backtest, model: ModelName) -> pd.Series:
    """σ of one period's forecast error per series: RMSE over all origins and steps.

    The textbook input of safety stock (forecast error, not demand spread); pooled over the
    horizon steps, so it is steadier than a per-step conformal quantile from few windows.
    """
    f = backtest.frame
    sq = (f[model.value] - f[Y]) ** 2
    return sq.groupby(f[ID]).mean().pow(0.5).rename("sigma")


def select_model(backtest: Backtest) -> ModelName:
    """The model with the lowest total WAPE over all backtest windows (ties: first listed)."""
    f = backtest.frame
    denom = float(f[Y].abs().sum()) or 1.0
    scores = {n: float((f[n.value] - f[Y]).abs().sum()) / denom for n in backtest.models}
    return min(backtest.models, key=lambda n: scores[n])


