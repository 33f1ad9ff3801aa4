"""Planner baselines (naive, seasonal naive, window average) on a right-aligned numpy matrix.

The same forecasts as statsforecast's Naive, SeasonalNaive and WindowAverage, without a
Python call per series: at 24,000 series a backtest of the three takes milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.forecast.history import DS, ID, Y
from fwdnet.logistics.forecast.models import ModelName

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.float64]
FAST = (ModelName.NAIVE, ModelName.SEASONAL_NAIVE, ModelName.WINDOW_AVERAGE)


def window_size(season: int) -> int:
    """Periods a window average spans (as `models.stat_model`)."""
    return min(season, 4) if season > 1 else 4


def _aligned(frame: pd.DataFrame) -> tuple[list[str], FloatArray, npt.NDArray[np.int64]]:
    """Series ids, (series, longest) values aligned on each series' last period, lengths."""
    f = frame.sort_values([ID, DS], kind="stable")
    codes, ids = f[ID].factorize(sort=False)
    sizes = np.bincount(codes)
    width = int(sizes.max())
    from_end = sizes[codes] - 1 - f.groupby(codes, sort=False).cumcount().to_numpy()
    mat = np.full((len(ids), width), np.nan)
    mat[codes, width - 1 - from_end] = f[Y].to_numpy(dtype=np.float64)
    return [str(x) for x in ids], mat, sizes


def _forecast(mat: FloatArray, cut: int, horizon: int, model: ModelName,
              season: int) -> FloatArray:
    """(series, horizon) forecasts from the values up to column `cut` (inclusive)."""
    if model is ModelName.NAIVE:
        return np.repeat(mat[:, cut : cut + 1], horizon, axis=1)
    if model is ModelName.SEASONAL_NAIVE:
        cols = cut - season + 1 + (np.arange(horizon) % season)
        return mat[:, cols]
    k = window_size(season)
    return np.repeat(mat[:, cut - k + 1 : cut + 1].mean(axis=1, keepdims=True), horizon,
                     axis=1)


def cross_validate_fast(frame: pd.DataFrame, models: Sequence[ModelName], *, horizon: int,
                        n_windows: int, step: int, season: int) -> pd.DataFrame:
    """unique_id, ds, cutoff, y and one column per model, like statsforecast's."""
    import pandas as pd

    ids, mat, _ = _aligned(frame)
    dates = _aligned(frame.assign(**{Y: frame[DS].astype("int64").astype(np.float64)}))[1]
    width = mat.shape[1]
    parts = []
    for w in range(n_windows):
        cut = width - 1 - horizon - (n_windows - 1 - w) * step
        target = slice(cut + 1, cut + 1 + horizon)
        part = {ID: np.repeat(np.asarray(ids, dtype=object), horizon),
                DS: pd.to_datetime(dates[:, target].ravel().astype(np.int64)),
                "cutoff": pd.to_datetime(np.repeat(dates[:, cut].astype(np.int64), horizon)),
                Y: mat[:, target].ravel()}
        for mdl in models:
            part[mdl.value] = _forecast(mat, cut, horizon, mdl, season).ravel()
        parts.append(pd.DataFrame(part))
    return pd.concat(parts, ignore_index=True)


def forecast_fast(frame: pd.DataFrame, grid: pd.DataFrame, models: Sequence[ModelName], *,
                  season: int) -> pd.DataFrame:
    """`grid` (unique_id, ds: the next periods of each series, sorted) with model columns."""
    ids, mat, _ = _aligned(frame)
    out = grid[[ID, DS]].copy()
    horizon = int(out.groupby(ID, sort=False).size().max()) if len(out) else 0
    row = {u: i for i, u in enumerate(ids)}
    step = out.groupby(ID, sort=False).cumcount().to_numpy()
    r = out[ID].map(row).to_numpy()
    for mdl in models:
        fc = _forecast(mat, mat.shape[1] - 1, horizon, mdl, season)
        out[mdl.value] = fc[r, step]
    return out
