"""Bottom-up reconciliation: forecasts of the bottom series (region × SKU or store × SKU)
summed to every upper level (category, region, total), so the levels always add up.

MinT (hierarchicalforecast) is not used: stock is planned at the bottom level (FW × SKU from
region × SKU), where bottom-up keeps each series' own forecast and its intervals unchanged.
Quantiles are not additive, so upper levels carry sums of the mean forecast only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from fwdnet.logistics.forecast.history import DS, ID

if TYPE_CHECKING:
    import pandas as pd


def aggregate(frame: pd.DataFrame, tags: pd.DataFrame | None, key: str | None,
              value_cols: Sequence[str], extra_keys: Sequence[str] = ()) -> pd.DataFrame:
    """Sum `value_cols` of bottom series into the level `key` (a column of `tags`; None = total)."""
    df = frame
    if key is None:
        df = df.assign(**{ID: "total"})
    elif key != ID:
        if tags is None or key not in tags.columns:
            raise ValueError(f"no tag column {key!r} to aggregate by")
        df = df.merge(tags[[ID, key]], on=ID, how="left").drop(columns=ID)
        df = df.rename(columns={key: ID})
    return df.groupby([ID, *extra_keys, DS], observed=True)[list(value_cols)].sum().reset_index()



def bottom_up(forecast: pd.DataFrame, tags: pd.DataFrame, levels: Mapping[str, str | None],
              value_col: str = "forecast") -> dict[str, pd.DataFrame]:
    """Each level name → `unique_id, ds, <value_col>` summed from the bottom forecasts."""
    return {name: aggregate(forecast, tags, key, [value_col]) for name, key in levels.items()}
