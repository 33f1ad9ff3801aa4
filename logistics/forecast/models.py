"""The model menu: planner baselines, ETS/Theta/MSTL/Croston (statsforecast), LightGBM (mlforecast).

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
    MSTL = "mstl"  # STL seasonal decomposition + ETS on the seasonally adjusted series
    CROSTON = "croston"  # CrostonOptimized, for intermittent demand
    ADIDA = "adida"  # aggregate–disaggregate intermittent demand
    IMAPA = "imapa"  # multiple aggregation for intermittent demand
    LGBM = "lgbm"  # global LightGBM on lags, calendar, promotion and static features

    @property
    def is_global(self) -> bool:
        return self is ModelName.LGBM

    def seasons_needed(self) -> int:
        """Full seasons of history a model needs before its first forecast origin."""
        return {ModelName.SEASONAL_NAIVE: 1, ModelName.MSTL: 2}.get(self, 0)


def stat_model(name: ModelName, season: int, *, conformal_h: int | None = None,
               conformal_windows: int = 2) -> Any:
    """A statsforecast model; with `conformal_h` it carries conformal prediction intervals."""
    from statsforecast.models import (
        ADIDA,
        IMAPA,
        MSTL,
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
        # MSTL takes long seasons (52 weeks) that ETS cannot; the trend part is a damped or
        # plain additive ETS chosen by AICc on the seasonally adjusted series
        ModelName.MSTL: lambda: MSTL(season_length=season,
                                     trend_forecaster=AutoETS(model="ZZN", season_length=1),
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

    # short lags for the level, a quarter-ago lag that stays observed over a 13-week horizon,
    # and the same period a season ago (smoothed over 3 periods)
    lags: dict[Frequency, list[int]] = {
        Frequency.DAY: [1, 2, 7, 14, 28],
        Frequency.WEEK: [1, 2, 4, 13],
        Frequency.MONTH: [1, 2, 3, 6],
    }
    lag_list = sorted({*lags[freq], season}) if season > 1 else lags[freq]
    long_lag = {Frequency.DAY: 28, Frequency.WEEK: 13, Frequency.MONTH: 6}[freq]
    transforms: dict[int, list[Any]] = {
        1: [RollingMean(window_size=4), RollingMean(window_size=13),
            ExponentiallyWeightedMean(alpha=0.3)],
        long_lag: [RollingMean(window_size=13)],
    }
    if season > 1:
        transforms.setdefault(season, []).append(RollingMean(window_size=3))
    date_features: dict[Frequency, list[Any]] = {
        Frequency.DAY: ["dayofweek", "month", week_of_year],
        Frequency.WEEK: ["month", week_of_year],
        Frequency.MONTH: ["month"],
    }
    model = lgb.LGBMRegressor(
        objective="tweedie", tweedie_variance_power=1.2, n_estimators=n_estimators,
        # fewer trees take bigger steps: the same total shrinkage as 300 trees at 0.05
        learning_rate=min(0.15, 15.0 / max(n_estimators, 1)), num_leaves=31,
        min_child_samples=20, subsample=0.8, subsample_freq=1, colsample_bytree=0.8,
        random_state=seed, n_jobs=num_threads, verbose=-1,
    )
    return MLForecast(
        models={ModelName.LGBM.value: model},
        freq=pandas_freq,
        lags=lag_list,
        lag_transforms=transforms,
        date_features=date_features[freq],
        num_threads=num_threads,
    )
