"""Ensembles chosen by rolling-origin backtest: per cluster of similar series, the mean or
median of the best k models (k = 1 keeps a single model when nothing beats it).

Clusters are volume bands (terciles of recent mean demand), crossed with a low-cardinality
text feature such as category when every cell keeps enough series; the choice is the
combination with the lowest WAPE over all backtest origins of that cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from fwdnet.logistics.forecast.history import DS, ID, Y

if TYPE_CHECKING:
    import pandas as pd

MIN_CLUSTER = 30  # series per cluster below which clusters are merged
MAX_K = 3
ALL = "all"


@dataclass(frozen=True)
class Combination:
    """Models averaged for one cluster, how (mean or median), and its backtest WAPE."""

    models: tuple[str, ...]
    how: str  # "mean" or "median"
    wape: float

    @property
    def label(self) -> str:
        return self.models[0] if len(self.models) == 1 else \
            f"{self.how}({'+'.join(self.models)})"


@dataclass(frozen=True)
class EnsembleChoice:
    """Each series' cluster and each cluster's combination."""

    cluster: pd.Series  # unique_id → cluster label
    combos: dict[str, Combination]

    def label_of(self, uid: str) -> str:
        return self.combos[str(self.cluster.get(uid, ALL))].label

    def members(self) -> list[str]:
        """Every model some cluster uses (in first-use order)."""
        return list(dict.fromkeys(m for c in self.combos.values() for m in c.models))

    def combine(self, frame: pd.DataFrame) -> pd.Series:
        """The ensemble value per row of `frame` (unique_id + one column per member model)."""
        import pandas as pd

        lab = frame[ID].map(self.cluster).fillna(ALL).astype(str).to_numpy()
        out = np.full(len(frame), np.nan)
        for name, combo in self.combos.items():
            rows = lab == name
            if not rows.any():
                continue
            vals = frame.loc[rows, list(combo.models)].to_numpy(dtype=np.float64)
            out[rows] = (np.median(vals, axis=1) if combo.how == "median"
                         else vals.mean(axis=1))
        return pd.Series(out, index=frame.index, name="ensemble")


def clusters(history: pd.DataFrame, ids: Sequence[str], *, recent: int = 13,
             by: str | None = None) -> pd.Series:
    """unique_id → cluster: volume tercile of the last `recent` periods (× `by` if big enough)."""
    import pandas as pd

    f = history[history[ID].isin(set(ids))]
    tail = f.sort_values(DS).groupby(ID, sort=True).tail(recent)
    vol = tail.groupby(ID)[Y].mean()
    if len(vol) < 3 * MIN_CLUSTER:
        return pd.Series(ALL, index=vol.index, dtype=object)
    band = pd.qcut(vol.rank(method="first"), 3, labels=["low", "mid", "high"]).astype(str)
    if by is not None and by in f.columns:
        tag = f.groupby(ID)[by].first().reindex(vol.index).astype(str)
        crossed = tag + "/" + band
        if crossed.value_counts().min() >= MIN_CLUSTER:
            return crossed
    return band


def _wape(err: np.ndarray, y: np.ndarray) -> float:
    denom = float(np.abs(y).sum())
    return float(np.abs(err).sum() / denom) if denom > 0 else float(np.abs(err).mean())


def choose(backtest: pd.DataFrame, models: Sequence[str], cluster: pd.Series) -> EnsembleChoice:
    """For each cluster: the best of {best model, mean of best 2..k, median of best 3}."""
    lab = backtest[ID].map(cluster).fillna(ALL).astype(str).to_numpy()
    y = backtest[Y].to_numpy(dtype=np.float64)
    values = {m: backtest[m].to_numpy(dtype=np.float64) for m in models}
    combos: dict[str, Combination] = {}
    for name in sorted(set(lab)):
        rows = lab == name
        yr = y[rows]
        single = {m: _wape(values[m][rows] - yr, yr) for m in models}
        ranked = sorted(models, key=lambda m: (single[m], list(models).index(m)))
        best = Combination((ranked[0],), "mean", single[ranked[0]])
        for k in range(2, min(MAX_K, len(ranked)) + 1):
            stack = np.stack([values[m][rows] for m in ranked[:k]])
            for how in ("mean", "median") if k >= 3 else ("mean",):
                v = np.median(stack, axis=0) if how == "median" else stack.mean(axis=0)
                w = _wape(v - yr, yr)
                if w < best.wape - 1e-12:
                    best = Combination(tuple(ranked[:k]), how, w)
        combos[name] = best
    if ALL not in combos:  # series without a cluster (e.g. new ones) use the pooled choice
        pooled = choose(backtest, models, cluster.map(lambda _: ALL))
        combos[ALL] = pooled.combos[ALL]
    return EnsembleChoice(cluster=cluster, combos=combos)
