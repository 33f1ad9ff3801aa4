"""The forecast section fwdnet run writes: watched SKUs, backtest accuracy, future interval."""

from __future__ import annotations

from pathlib import Path

from fwdnet.logistics.network import load_scenario
from fwdnet.scenarios.forecast_view import HORIZON_WEEKS, forecast_view


def test_forecast_view_on_a_generated_scenario(small_toml: Path) -> None:
    scn = load_scenario(small_toml)
    view = forecast_view(scn)
    hot = {k.id for k in scn.network.skus if k.hot}
    keys = {s.key for s in view.series}
    assert hot <= keys  # every hot item is watched
    assert {s.region for s in view.series} <= set(scn.network.regions)
    totals = {a.key: a for a in view.accuracy if a.level == "total"}
    # each model alone, the ensemble chosen on the backtest and (with levels) the reconciled
    assert {"naive", "window_average", "lgbm", "ensemble"} <= set(totals)
    assert set(totals) <= {"naive", "seasonal_naive", "window_average", "lgbm", "ensemble",
                           "reconciled"}
    assert all(0 <= a.wape < 5 for a in view.accuracy)
    cats = {a.key for a in view.accuracy if a.level == "category"}
    assert cats <= set(scn.network.categories)
    assert cats
    for s in view.series:
        future = [i for i, a in enumerate(s.actual) if a is None]
        assert len(future) == HORIZON_WEEKS  # the forecast runs past the last known week
        for i in future:
            lo, f, hi = s.low[i], s.forecast[i], s.high[i]
            assert lo is not None
            assert f is not None
            assert hi is not None
            assert lo <= f <= hi
        # history weeks carry actuals and no interval
        assert all(s.low[i] is None for i in range(len(s.dates)) if i not in future)
