"""The forecast section fwdnet run writes: watched SKUs, backtest accuracy, future interval."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from fwdnet.logistics.network import load_scenario
from fwdnet.scenarios.forecast_view import BACKTEST_WINDOWS, HORIZON_WEEKS, forecast_view


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
    assert all(a.wape >= 0 for a in view.accuracy)
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


def _naive_wape(y: np.ndarray) -> float:
    """Rolling-origin naive forecast of one series, origins HORIZON_WEEKS apart (oracle)."""
    err = act = 0.0
    for w in range(BACKTEST_WINDOWS):
        cut = len(y) - (BACKTEST_WINDOWS - w) * HORIZON_WEEKS - 1  # last week the model sees
        test = y[cut + 1: cut + 1 + HORIZON_WEEKS]
        err += float(np.abs(test - y[cut]).sum())
        act += float(test.sum())
    return err / act


@pytest.mark.parametrize("jump_weeks_before_end", [None, 5, 9])
def test_backtest_accuracy_has_the_known_answer(small_toml: Path,
                                                jump_weeks_before_end: int | None) -> None:
    """A flat history is forecast exactly; a step from 5 to 10 units costs the naive model
    exactly the error of the one window whose origin precedes the step."""
    scn = load_scenario(small_toml)
    qty = np.full(np.asarray(scn.history.quantity).shape, 5.0)
    if jump_weeks_before_end is not None:
        qty[:, :, -jump_weeks_before_end:] = 10.0
    flat = dataclasses.replace(scn, history=dataclasses.replace(scn.history, quantity=qty))
    totals = {a.key: a.wape for a in forecast_view(flat).accuracy if a.level == "total"}
    expected = _naive_wape(qty[0, 0])
    assert totals["naive"] == pytest.approx(expected, abs=1e-9)
    if jump_weeks_before_end is None:
        assert expected == 0.0
        assert totals["window_average"] == pytest.approx(0.0, abs=1e-9)
    else:
        assert expected > 0.0  # the step lands inside a backtest window
        assert totals["ensemble"] <= totals["window_average"] + 1e-9
