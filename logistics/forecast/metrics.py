"""Backtest scores per hierarchy level: WAPE, MASE and bias (never MAPE alone).

Forecasts of the bottom series are summed to each level (bottom-up reconciliation, so every
level is coherent with the one below) before scoring:
- WAPE = Σ|ŷ − y| / Σ y over all series, dates and origins of the level;
- bias = Σ(ŷ − y) / Σ y (positive = over-forecast);
- MASE = mean over the level's series of MAE / in-sample MAE of the seasonal naive (lag m, or
  lag 1 when the history before the first origin is shorter than 2m) over the training part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fwdnet.logistics.forecast.hierarchy import aggregate
from fwdnet.logistics.forecast.history import DS, ID, Y

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Score:
    """One model at one level."""

    level: str
    model: str
    wape: float
    mase: float
    bias: float
    series: int


def _mase_scale(train: pd.DataFrame, season: int) -> pd.Series:
    """Per series: in-sample mean |y_t − y_{t−m}| (m = season if the history allows, else 1)."""
    import numpy as np

    def scale(y: pd.Series) -> float:
        m = season if len(y) > 2 * season else 1
        v = y.to_numpy(dtype=np.float64)
        return float(np.abs(v[m:] - v[:-m]).mean()) if len(v) > m else float("nan")

    return train.sort_values(DS).groupby(ID)[Y].apply(scale)


def score_levels(
    backtest_frame: pd.DataFrame,
    history_frame: pd.DataFrame,
    models: Sequence[str],
    season: int,
    *,
    tags: pd.DataFrame | None = None,
    levels: Mapping[str, str | None] | None = None,
) -> list[Score]:
    """Scores for each level name → tag column (ID = bottom series, None = grand total)."""
    import numpy as np

    levels = levels or {"series": ID, "total": None}
    first_cutoff = backtest_frame["cutoff"].min()
    ids = backtest_frame[ID].unique()
    train = history_frame[(history_frame[DS] <= first_cutoff) & history_frame[ID].isin(ids)]
    out: list[Score] = []
    for name, key in levels.items():
        agg = aggregate(backtest_frame, tags, key, [Y, *models], extra_keys=["cutoff"])
        agg_train = aggregate(train[[ID, DS, Y]], tags, key, [Y])
        scale = _mase_scale(agg_train, season)
        denom = float(agg[Y].sum())
        for mdl in models:
            err = agg[mdl] - agg[Y]
            mae = err.abs().groupby(agg[ID]).mean()
            ratio = (mae / scale.reindex(mae.index)).replace([np.inf, -np.inf], np.nan).dropna()
            out.append(Score(
                level=name, model=mdl,
                wape=float(err.abs().sum() / denom) if denom > 0 else float("nan"),
                mase=float(ratio.mean()) if len(ratio) else float("nan"),
                bias=float(err.sum() / denom) if denom > 0 else float("nan"),
                series=int(agg[ID].nunique()),
            ))
    return out


def scores_table(scores: Sequence[Score]) -> pd.DataFrame:
    """Scores as a tidy frame (level, model, wape, mase, bias, series)."""
    import pandas as pd

    return pd.DataFrame([s.__dict__ for s in scores])
