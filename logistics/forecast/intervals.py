"""Prediction intervals calibrated on rolling-origin backtest errors (split conformal).

Each error is divided by a per-series scale known at forecast time: the series' own backtest
RMSE (from the *other* origins, so no error measures itself), shrunk towards a pooled power
law in the forecast level. The quantiles of these normalised errors, per horizon step and
pooled over all series and origins, give the band: `p_q = max(0, ŷ + Q_q(step) · scale)`.
So a nominal 80 % band covers about 80 % of backtest outcomes by construction, and the
benchmark checks it on origins it was not calibrated on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.forecast.history import DS, ID, Y

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.float64]
SHRINK = 8.0  # pseudo-observations of the pooled scale in each series' scale
MIN_PER_STEP = 200  # normalised errors per step below which steps are pooled


@dataclass(frozen=True)
class Calibration:
    """Normalised-error quantiles per horizon step and the scale model behind them."""

    probs: tuple[float, ...]
    quantiles: FloatArray  # (steps, probs)
    pool_a: float
    pool_b: float
    own_ss: pd.Series  # unique_id → sum of squared backtest errors
    own_n: pd.Series  # unique_id → number of backtest errors

    def scale(self, uid: pd.Series, level: FloatArray) -> FloatArray:
        """Per-row scale: own RMSE shrunk towards a·level^b (level = mean forecast)."""
        ss = uid.map(self.own_ss).fillna(0.0).to_numpy(dtype=np.float64)
        n = uid.map(self.own_n).fillna(0.0).to_numpy(dtype=np.float64)
        pool = self.pool_a * np.maximum(level, 1e-3) ** self.pool_b
        return np.asarray(np.sqrt((ss + SHRINK * pool**2) / (n + SHRINK)))

    def apply(self, fc: pd.DataFrame, value: str = "forecast") -> pd.DataFrame:
        """Copy of `fc` (unique_id, ds, `value`) with p-columns; step = order within series."""
        out = fc.sort_values([ID, DS], kind="stable").copy()
        step = out.groupby(ID, sort=False).cumcount().to_numpy()
        mu = out.groupby(ID, sort=False)[value].transform("mean").to_numpy(dtype=np.float64)
        s = self.scale(out[ID], mu)
        q = self.quantiles[np.minimum(step, len(self.quantiles) - 1)]
        base = out[value].to_numpy(dtype=np.float64)
        for j, p in enumerate(self.probs):
            out[prob_column(p)] = np.maximum(base + q[:, j] * s, 0.0)
        return out.loc[fc.index]


def prob_column(p: float) -> str:
    """0.1 → 'p10', 0.05 → 'p5'."""
    return f"p{100 * p:g}"


def probs_for(levels: Sequence[int]) -> tuple[float, ...]:
    """Central interval levels (80, 90) → quantile probabilities (0.05, 0.1, 0.9, 0.95)."""
    out = set()
    for lv in levels:
        lo = (100 - lv) / 200
        out |= {round(lo, 6), round(1 - lo, 6)}
    return tuple(sorted(out))


def _pool_fit(rmse: FloatArray, level: FloatArray) -> tuple[float, float]:
    """a, b of rmse ≈ a·level^b over series with positive level and error (b in [0.3, 1])."""
    ok = (rmse > 0) & (level > 0)
    if ok.sum() < 3:
        med = float(np.median(rmse[rmse > 0])) if (rmse > 0).any() else 1.0
        return med, 0.0
    x, y = np.log(level[ok]), np.log(rmse[ok])
    b = float(np.clip(np.polyfit(x, y, 1)[0], 0.3, 1.0)) if np.ptp(x) > 0 else 0.5
    a = float(np.exp(np.median(y - b * x)))
    return a, b


def calibrate(backtest: pd.DataFrame, value: str, probs: Sequence[float]) -> Calibration:
    """Fit the scale model and normalised-error quantiles on `backtest` (unique_id, ds,
    cutoff, y, `value`); leave-one-origin-out scales when there are several origins."""
    bt = backtest.sort_values([ID, "cutoff", DS], kind="stable")
    err = (bt[Y] - bt[value]).to_numpy(dtype=np.float64)
    sq = err**2
    uid = bt[ID]
    own_ss = bt.assign(_sq=sq).groupby(ID)["_sq"].sum()
    own_n = bt.groupby(ID).size().astype(np.float64)
    lvl = bt.groupby([ID, "cutoff"])[value].transform("mean").to_numpy(dtype=np.float64)
    series_level = bt.groupby(ID)[value].mean()
    rmse = np.sqrt(own_ss / own_n)
    a, b = _pool_fit(rmse.to_numpy(), series_level.reindex(rmse.index).to_numpy())
    # scale of each row from the other origins only (per-row group sums, no Python loop)
    by_origin = bt.assign(_sq=sq).groupby([ID, "cutoff"])["_sq"]
    o_sum = by_origin.transform("sum").to_numpy()
    o_n = by_origin.transform("size").to_numpy().astype(np.float64)
    ss = uid.map(own_ss).to_numpy() - o_sum
    n = uid.map(own_n).to_numpy() - o_n
    pool = a * np.maximum(lvl, 1e-3) ** b
    scale = np.sqrt((ss + SHRINK * pool**2) / (n + SHRINK))
    z = np.divide(err, scale, out=np.zeros_like(err), where=scale > 0)
    step = bt.groupby([ID, "cutoff"], sort=False).cumcount().to_numpy()
    steps = int(step.max()) + 1 if len(step) else 1
    pooled = np.quantile(z, probs) if len(z) else np.zeros(len(probs))
    quant = np.empty((steps, len(probs)))
    for h in range(steps):
        zh = z[step == h]
        quant[h] = np.quantile(zh, probs) if len(zh) >= MIN_PER_STEP else pooled
    quant = np.sort(quant, axis=1)
    if bt["cutoff"].nunique() < 2:  # no other origin to take a series' own scale from
        own_ss, own_n = own_ss.iloc[:0], own_n.iloc[:0]
    return Calibration(probs=tuple(probs), quantiles=quant, pool_a=a, pool_b=b,
                       own_ss=own_ss, own_n=own_n)


def coverage(frame: pd.DataFrame, lo: str, hi: str) -> float:
    """Share of rows with lo ≤ y ≤ hi."""
    y = frame[Y]
    return float(((y >= frame[lo] - 1e-9) & (y <= frame[hi] + 1e-9)).mean()) \
        if len(frame) else float("nan")
