"""Seasonal ranges: re-planned from last year's same weeks, and worth it when taste moves."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fwdnet.logistics.assortment import AssortmentRules, RangePlan, plan_ranges, resolve_rules
from fwdnet.logistics.assortment.suggest import seasons
from fwdnet.logistics.network.model import frozen_array
from fwdnet.simulation.assortment import compare_assortments, scenario_case
from tests.assortment.conftest import tiny_scenario


def test_season_blocks():
    assert seasons(0) == (tuple(range(53)),)
    q = seasons(13)
    assert [b[0] for b in q] == [0, 13, 26, 39]
    assert q[-1][-1] == 52  # week 53 joins the last quarter, no one-week season
    assert sum(len(b) for b in seasons(4)) == 53


def test_range_plan_lookup_and_checks():
    sc = tiny_scenario()
    rules = resolve_rules(sc, AssortmentRules(units_per_sku=100))
    reg, _, _ = plan_ranges(sc, rules, season_weeks=26)
    assert reg.season_starts == (0, 26)
    assert reg.season_of(25) == 0
    assert reg.season_of(52) == 1
    with pytest.raises(ValueError, match="rise from 0"):
        RangePlan("x", (3,), reg.ranges[:1])


def _summer_winter():
    """North buys c0, c1 in weeks 1-26 and c2, c3 in weeks 27-53; South the reverse."""
    sc = tiny_scenario()
    season = np.empty((2, 4, 53))
    season[0, :, :26] = np.array([1.0, 1.0, 0.1, 0.1])[:, None]
    season[0, :, 26:] = np.array([0.1, 0.1, 1.0, 1.0])[:, None]
    season[1] = season[0][[2, 3, 0, 1]]
    net = dataclasses.replace(sc.network, seasonality=frozen_array(season))
    w = np.array([min(d.isocalendar()[1], 53) - 1 for d in sc.history.week_start])
    base = np.array([20.0, 10.0, 18.0, 9.0])
    qty = np.rint(season[:, :, w] * base[None, :, None] * 7)
    hist = dataclasses.replace(sc.history, quantity=frozen_array(qty, np.int64))
    return sc.replace(network=net, history=hist, horizon_days=364)


def test_seasonal_ranges_follow_the_season():
    """North's half-year ranges swap with its taste; re-planning beats one yearly range."""
    sc = _summer_winter()
    rules = resolve_rules(sc, AssortmentRules(units_per_sku=100, shrinkage=0.0))
    reg, nat, _ = plan_ranges(sc, rules, season_weeks=26)
    assert set(reg.ranges[0].listed_skus("N")) == {"K0", "K1"}
    assert set(reg.ranges[1].listed_skus("N")) == {"K2", "K3"}
    assert set(reg.ranges[0].listed_skus("S")) == {"K2", "K3"}
    # nationally both halves sell the same: the national range stays K0, K2
    assert set(nat.ranges[0].listed_skus("N")) == {"K0", "K2"}
    yearly, _, _ = plan_ranges(sc, rules, season_weeks=0)
    seasonal = reg.replace(kind="seasonal")
    comp = compare_assortments(scenario_case(sc), [yearly, seasonal], seed=3, replications=2)
    assert comp.paired("seasonal", "fill_rate").low > 0.1
