"""Scenario adapter: the region × SKU weekly history as a long table with its features.

Rows before an SKU's first sale anywhere are dropped (the loader stores a dense array, so a
new SKU's pre-launch weeks are zeros); such SKUs then get the cold-start profile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fwdnet.logistics.forecast.features import promotion_lift
from fwdnet.logistics.forecast.frequency import Frequency
from fwdnet.logistics.forecast.history import DS, ID, History, validate_history
from fwdnet.logistics.network.model import Scenario

if TYPE_CHECKING:
    import pandas as pd

SEP = "|"  # unique_id = region|sku


def scenario_frame(scenario: Scenario) -> pd.DataFrame:
    """Long table unique_id, date, quantity, region, category, promo_lift (weekly)."""
    import numpy as np
    import pandas as pd

    net, hist = scenario.network, scenario.history
    qty = np.asarray(hist.quantity)
    n_reg, n_sku, n_week = qty.shape
    sold = qty.sum(axis=0) > 0  # (skus, weeks)
    launch = np.where(sold.any(axis=1), sold.argmax(axis=1), n_week)
    r, k, w = np.meshgrid(np.arange(n_reg), np.arange(n_sku), np.arange(n_week), indexing="ij")
    keep = (w >= launch[k]).ravel()
    regions = np.asarray(net.regions, dtype=object)
    skus = np.asarray([s.id for s in net.skus], dtype=object)
    cats = np.asarray([s.category for s in net.skus], dtype=object)
    weeks = pd.to_datetime(pd.Series(hist.week_start)).to_numpy()
    rr, kk, ww = r.ravel()[keep], k.ravel()[keep], w.ravel()[keep]
    frame = pd.DataFrame({
        ID: regions[rr] + SEP + skus[kk],
        "date": weeks[ww],
        "quantity": qty.ravel()[keep].astype(np.float64),
        "region": regions[rr],
        "category": cats[kk],
    })
    frame["promo_lift"] = promotion_lift(frame.rename(columns={"date": DS}),
                                         net.promotions, Frequency.WEEK).to_numpy()
    return frame


def scenario_history(scenario: Scenario) -> History:
    """The scenario's weekly history validated as a forecasting `History`."""
    return validate_history(scenario_frame(scenario), source=scenario.source, freq="W")


def future_promotions(history: History, scenario: Scenario, horizon: int) -> pd.DataFrame:
    """unique_id, ds, promo_lift for the `horizon` weeks after each series' last week."""
    import pandas as pd

    f = history.frame
    last = f.groupby(ID, sort=False)[[DS, "region", "category"]].last().reset_index()
    parts = []
    for step in range(1, horizon + 1):
        part = last.copy()
        part[DS] = part[DS] + pd.Timedelta(weeks=step)
        parts.append(part)
    grid = pd.concat(parts, ignore_index=True)
    grid["promo_lift"] = promotion_lift(grid, scenario.network.promotions, Frequency.WEEK)
    return grid[[ID, DS, "promo_lift"]]
