"""Forecasts for new or short-history series from similar series (pooled category profile).

A series with too little history gets the mean forecast of established series that share its
text features (e.g. same category and region) at each horizon step, scaled by how its own
sales compared with theirs over the weeks it has; with no sales yet the scale is 1 (an
average item of its group). Quantiles keep the group's ratio to the mean. Never zero by
default, never an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from fwdnet.logistics.forecast.history import DS, ID, History, Y

if TYPE_CHECKING:
    import pandas as pd

SCALE_BOUNDS = (0.05, 20.0)


def cold_start(
    history: History,
    established: pd.DataFrame,
    short_ids: Sequence[str],
    horizon: int,
    qcols: Sequence[str],
    *,
    new_items: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Profile forecasts for `short_ids` (in the history) and `new_items` (none yet).

    `established` is the forecast of the other series (unique_id, ds, forecast, quantiles);
    `new_items` has unique_id, the static columns and `first_ds` (first forecast date).
    """
    import numpy as np
    import pandas as pd

    frame = history.frame
    from fwdnet.logistics.forecast.engine import MAX_CATEGORIES

    # group by low-cardinality text features (category, region), not by e.g. sku
    keys = [c for c in history.static_features if frame[c].nunique() <= MAX_CATEGORIES]
    step = established.groupby(ID).cumcount() + 1 if len(established) else pd.Series(dtype=int)
    est = established.assign(step=step.to_numpy())
    tags = frame.groupby(ID, sort=False)[keys].first() if keys else None
    if tags is not None and len(est):
        est = est.join(tags, on=ID)
    value_cols = ["forecast", *qcols]

    def profile(group: dict[str, str]) -> pd.DataFrame:
        """Mean forecast and quantile ratios per step for one group (or all series)."""
        sub = est
        for k, v in group.items():
            cand = sub[sub[k].astype(str) == v]
            if len(cand):
                sub = cand
        if not len(sub):
            return pd.DataFrame({"step": range(1, horizon + 1),
                                 **{c: np.zeros(horizon) for c in value_cols}})
        return sub.groupby("step")[value_cols].mean().reset_index()

    # scale of each short series: its mean sales / its group's mean over the same dates
    is_short = frame[ID].isin(short_ids)
    group_mean = (frame[~is_short].groupby([*keys, DS], observed=True)[Y].mean()
                  .rename("group_y").reset_index())
    own = frame[is_short].merge(group_mean, on=[*keys, DS], how="left")
    sums = own.groupby(ID, sort=False)[[Y, "group_y"]].sum(min_count=1)
    ratio = (sums[Y] / sums["group_y"]).where(sums["group_y"] > 0, 1.0).fillna(1.0)
    first_tag = frame[is_short].groupby(ID, sort=False)[keys].first() if keys else None

    rows: list[pd.DataFrame] = []
    last = frame.groupby(ID, sort=False)[DS].max()
    targets: list[tuple[str, dict[str, str], pd.Timestamp, float]] = []
    for uid in short_ids:
        group = ({k: str(first_tag.at[uid, k]) for k in keys} if first_tag is not None
                 else {})
        first = pd.date_range(last[uid], periods=2, freq=history.pandas_freq)[1]
        targets.append((uid, group, first, float(np.clip(ratio.get(uid, 1.0), *SCALE_BOUNDS))))
    if new_items is not None:
        for _, r in new_items.iterrows():
            targets.append((str(r[ID]), {k: str(r[k]) for k in keys if k in r},
                            pd.Timestamp(r["first_ds"]), 1.0))
    if not len(est) and short_ids:
        # nothing established at all: each short series continues its own mean
        for uid, _, first, _ in targets:
            mean = float(frame.loc[frame[ID] == uid, Y].mean()) if uid in last.index else 0.0
            dates = pd.date_range(first, periods=horizon, freq=history.pandas_freq)
            rows.append(pd.DataFrame({ID: uid, DS: dates,
                                      **{c: np.full(horizon, mean) for c in value_cols}}))
        return pd.concat(rows, ignore_index=True)
    if not targets:
        return pd.DataFrame(columns=[ID, DS, *value_cols])
    cache: dict[tuple[str, ...], np.ndarray] = {}
    blocks = []
    for _, group, _, _ in targets:
        key = tuple(group.values())
        if key not in cache:
            cache[key] = profile(group)[value_cols].to_numpy(dtype=np.float64)[:horizon]
        blocks.append(cache[key])
    scale = np.array([t[3] for t in targets])
    values = np.stack(blocks) * scale[:, None, None]  # (targets, horizon, columns)
    firsts = pd.DatetimeIndex([t[2] for t in targets])
    dates = np.empty((len(targets), horizon), dtype="datetime64[ns]")
    for first in firsts.unique():  # few distinct start dates: one date range each
        dates[firsts == first] = pd.date_range(first, periods=horizon,
                                               freq=history.pandas_freq).to_numpy()
    out = pd.DataFrame({ID: np.repeat([t[0] for t in targets], horizon),
                        DS: dates.ravel()})
    for j, c in enumerate(value_cols):
        out[c] = values[:, :, j].ravel()
    return out
