"""Coherent forecasts across levels (e.g. region × SKU → SKU, category, region, total).

Every level gets its own base forecast; `hierarchicalforecast` (BottomUp, MinTrace ols /
wls_struct / mint_shrink) then makes them add up. The method is chosen on the backtest:
the one whose reconciled forecasts have the lowest mean WAPE ratio to the base forecasts,
averaged over the levels, so no level is sacrificed for another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.forecast.history import DS, ID, Y
from fwdnet.logistics.kernel.arrays import frozen

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.float64]
METHODS = ("bottom_up", "ols", "wls_struct", "mint_shrink")
BOTTOM = "series"
MAX_DENSE_BOTTOM = 5000  # above this, only bottom-up (MinT's dense matrices would not fit)


@dataclass(frozen=True)
class Hierarchy:
    """Bottom series, aggregate nodes (level, key columns) and the summing matrix S."""

    bottom: tuple[str, ...]
    nodes: pd.DataFrame  # unique_id, level (aggregates first, then the bottom series)
    S: FloatArray  # (nodes, bottom), read-only

    @property
    def aggregate_ids(self) -> list[str]:
        return [str(u) for u, lv in zip(self.nodes[ID], self.nodes["level"], strict=True)
                if lv != BOTTOM]


def node_id(level: str, values: Sequence[str]) -> str:
    """'total', or the level's key values joined by '/' (e.g. 'north/coats')."""
    return "total" if not values else "/".join(str(v) for v in values)


def build(tags: pd.DataFrame, levels: Mapping[str, Sequence[str]]) -> Hierarchy:
    """`tags` has unique_id and the key columns; `levels` maps level name → key columns."""
    import pandas as pd

    bottom = tuple(str(x) for x in tags[ID])
    pos = {u: i for i, u in enumerate(bottom)}
    rows: list[tuple[str, str]] = []
    blocks = []
    for name, keys in levels.items():
        if keys:
            key = tags[list(keys)].astype(str).agg("/".join, axis=1)
        else:
            key = pd.Series("total", index=tags.index)
        codes, uniques = pd.factorize(key, sort=True)
        block = np.zeros((len(uniques), len(bottom)))
        block[codes, [pos[str(u)] for u in tags[ID]]] = 1.0
        blocks.append(block)
        rows += [(str(u), name) for u in uniques]
    blocks.append(np.eye(len(bottom)))
    rows += [(u, BOTTOM) for u in bottom]
    S = frozen(np.vstack(blocks))
    return Hierarchy(bottom=bottom, nodes=pd.DataFrame(rows, columns=[ID, "level"]), S=S)


def aggregate_frame(frame: pd.DataFrame, tags: pd.DataFrame,
                    levels: Mapping[str, Sequence[str]], *, sums: Sequence[str] = (Y,),
                    means: Sequence[str] = (), extra: Sequence[str] = ()) -> pd.DataFrame:
    """Aggregate rows (unique_id, ds, …) to every level: `sums` added, `means` averaged."""
    import pandas as pd

    tag_cols = [c for c in tags.columns if c != ID]
    df = frame.drop(columns=[c for c in tag_cols if c in frame.columns]).merge(
        tags, on=ID, how="inner")
    parts = []
    for name, keys in levels.items():
        if keys:
            key = df[list(keys)].astype(str).agg("/".join, axis=1)
        else:
            key = pd.Series("total", index=df.index)
        g = df.assign(_node=key.to_numpy()).groupby(["_node", *extra, DS], sort=True)
        if sums:
            agg = g[list(sums)].sum()
            if means:
                agg = agg.join(g[list(means)].mean())
        else:
            agg = g[list(means)].mean()
        agg = agg.reset_index().rename(columns={"_node": ID})
        agg["level"] = name
        parts.append(agg)
    return pd.concat(parts, ignore_index=True)


def _reconciler(method: str) -> Any:
    from hierarchicalforecast.methods import BottomUp, MinTrace

    return BottomUp() if method == "bottom_up" else MinTrace(method=method)


def reconcile(hier: Hierarchy, base: FloatArray, method: str,
              resid: FloatArray | None = None) -> FloatArray:
    """Reconciled (nodes, T) forecasts from base (nodes, T); `resid` (nodes, n) for MinT."""
    S = np.asarray(hier.S)
    kwargs: dict[str, Any] = {}
    if method == "mint_shrink":
        if resid is None:
            raise ValueError("mint_shrink needs backtest residuals")
        kwargs = {"y_insample": resid, "y_hat_insample": np.zeros_like(resid)}
    out = _reconciler(method).fit_predict(S=S, y_hat=base, **kwargs)["mean"]
    return np.asarray(np.maximum(out, 0.0) if method == "bottom_up" else out)


def methods_for(hier: Hierarchy) -> tuple[str, ...]:
    """Methods that fit in memory for this hierarchy."""
    return METHODS if len(hier.bottom) <= MAX_DENSE_BOTTOM else ("bottom_up",)


def to_matrix(frame: pd.DataFrame, hier: Hierarchy, value: str) -> tuple[FloatArray, list[Any]]:
    """(nodes, dates) matrix of `value` (rows keyed by level and unique_id) in node order."""
    import pandas as pd

    wide = frame.pivot_table(index=["level", ID], columns=DS, values=value, aggfunc="first")
    wide = wide.reindex(pd.MultiIndex.from_frame(hier.nodes[["level", ID]]))
    return wide.to_numpy(dtype=np.float64), list(wide.columns)


def from_matrix(mat: FloatArray, hier: Hierarchy, dates: Sequence[Any],
                value: str) -> pd.DataFrame:
    """Long frame unique_id, level, ds, `value` from a (nodes, dates) matrix."""
    import pandas as pd

    n, t = mat.shape
    return pd.DataFrame({
        ID: np.repeat(hier.nodes[ID].to_numpy(), t),
        "level": np.repeat(hier.nodes["level"].to_numpy(), t),
        DS: np.tile(np.asarray(dates), n),
        value: mat.ravel(),
    })
