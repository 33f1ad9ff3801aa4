"""The model menu: planner baselines and ETS/Theta/Croston (statsforecast), LightGBM (mlforecast).

Names are the column names in every output, so a planner sees `seasonal_naive`, `ets`, `lgbm`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from fwdnet.logistics.forecast.frequency import Frequency

if TYPE_CHECKING:
    import pandas as pd


class ModelName(StrEnum):
    """Forecasting models we offer."""

    NAIVE = "naive"  # last value
    SEASONAL_NAIVE = "seasonal_naive"  # value one season ago
    WINDOW_AVERAGE = "window_average"  # mean of the last few periods
    ETS = "ets"  # AutoETS (exponential smoothing, model chosen by AICc)
    THETA = "theta"  # AutoTheta
    CROSTON = "croston"  # CrostonOptimized, for intermittent demand
    ADIDA = "adida"  # aggregate–disaggregate intermittent demand
    IMAPA = "imapa"  # multiple aggregation for intermittent demand
    LGBM = "lgbm"  # global LightGBM on lags, calendar, promotion and static features

    @property
    def is_global(self) -> bool:
        return self is ModelName.LGBM


def stat_model(name: ModelName, season: int, *, conformal_h: int | None = None,
               conformal_windows: int = 2) -> Any:
    """A statsforecast model; with `conformal_h` it carries conformal prediction intervals."""
    from statsforecast.models import (
        ADIDA,
        IMAPA,
        AutoETS,
        AutoTheta,
        CrostonOptimized,
        Naive,
        SeasonalNaive,
        WindowAverage,
    )
    from statsforecast.utils import ConformalIntervals

    pi = (ConformalIntervals(h=conformal_h, n_windows=conformal_windows)
          if conformal_h else None)
    # ETS/Theta cannot estimate a seasonal component for very long seasons (m > 24, as in R);
    # they then fit a non-seasonal model, which is what statsforecast does as well.
    builders: dict[ModelName, Any] = {
        ModelName.NAIVE: lambda: Naive(alias=name.value, prediction_intervals=pi),
        ModelName.SEASONAL_NAIVE: lambda: SeasonalNaive(season, alias=name.value,
                                                        prediction_intervals=pi),
        ModelName.WINDOW_AVERAGE: lambda: WindowAverage(min(season, 4) if season > 1 else 4,
                                                        alias=name.value, prediction_intervals=pi),
        ModelName.ETS: lambda: AutoETS(season_length=season if season <= 24 else 1,
                                       alias=name.value, prediction_intervals=pi),
        ModelName.THETA: lambda: AutoTheta(season_length=season if season <= 24 else 1,
                                           alias=name.value, prediction_intervals=pi),
        ModelName.CROSTON: lambda: CrostonOptimized(alias=name.value, prediction_intervals=pi),
        ModelName.ADIDA: lambda: ADIDA(alias=name.value, prediction_intervals=pi),
        ModelName.IMAPA: lambda: IMAPA(alias=name.value, prediction_intervals=pi),
    }
    return builders[name]()


def week_of_year(dates: pd.DatetimeIndex) -> Any:
    """ISO week number 1..53 (calendar feature for the global model)."""
    return dates.isocalendar().week.to_numpy().astype("int64")


def global_model(freq: Frequency, pandas_freq: str, season: int, *, num_threads: int = 1,
                 n_estimators: int = 300, seed: int = 0) -> Any:
    """mlforecast LightGBM (Tweedie loss, suits zero-heavy counts) with lags and calendar."""
    import lightgbm as lgb
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import ExponentiallyWeightedMean, RollingMean

    lags: dict[Frequency, list[int]] = {
        Frequency.DAY: [1, 2, 7, 14, 28],
        Frequency.WEEK: [1, 2, 3, 4],
        Frequency.MONTH: [1, 2, 3, 6],
    }
    lag_list = sorted({*lags[freq], season}) if season > 1 else lags[freq]
    date_features: dict[Frequency, list[Any]] = {
        Frequency.DAY: ["dayofweek", "month", week_of_year],
        Frequency.WEEK: ["month", week_of_year],
        Frequency.MONTH: ["month"],
    }
    model = lgb.LGBMRegressor(
        objective="tweedie", tweedie_variance_power=1.2, n_estimators=n_estimators,
        learning_rate=0.05, num_leaves=31, min_child_samples=20, subsample=0.8,
        subsample_freq=1, colsample_bytree=0.8, random_state=seed, n_jobs=num_threads,
        verbose=-1,
    )
    return MLForecast(
        models={ModelName.LGBM.value: model},
        freq=pandas_freq,
        lags=lag_list,
        lag_transforms={1: [RollingMean(window_size=4), RollingMean(window_size=13),
                            ExponentiallyWeightedMean(alpha=0.3)]},
        date_features=date_features[freq],
        num_threads=num_threads,
    )
