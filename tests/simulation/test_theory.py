"""The replay against closed forms: Poisson base stock with backorders, and an M/M/c dock."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
import simpy
from scipy import stats

from fwdnet.logistics.inventory.safety import poisson_expected_backorders, poisson_fill_rate
from fwdnet.logistics.network import DemandModel
from fwdnet.simulation.docks import erlang_c_wait, use_dock
from fwdnet.simulation.engine import SimulationInput, poisson_sampler, simulate


def _base_stock(skus: int, days: int, mu: float, s_level: float, lead: int) -> SimulationInput:
    """One store, `skus` identical independent SKUs, daily review (R = 1), backorders."""
    ro = lambda a, t=np.float64: np.array(a, dtype=t)  # noqa: E731
    demand = DemandModel(store_weight=ro([1.0]), store_region=ro([0], np.int64),
                         sku_base=np.full(skus, mu), sku_category=np.zeros(skus, np.int64),
                         seasonality=np.ones((1, 1, 53)), promo_lift=())
    return SimulationInput(
        start=date(2026, 1, 5), days=days, demand=demand, store_node=ro([0], np.int64),
        node_ids=("FW",), order_up_to_by_week=np.full((53, 1, skus), s_level), review_days=1,
        lead_days=ro([lead], np.int64), initial_on_hand=np.full((1, skus), s_level),
        unit_cost=np.full(skus, 10.0), price=np.full(skus, 20.0), holding_rate_per_year=0.2,
        replenishment_cost_per_delivery=ro([0.0]), delivery_cost_per_day=0.0,
        lost_sales=False, sampler=poisson_sampler)


def _batch_ci(num: np.ndarray, den: np.ndarray | None, batches: int = 40) -> tuple[float, float]:
    """Ratio estimate and its standard error by batch means over days."""
    n = num.size // batches * batches
    b_num = num[:n].reshape(batches, -1).sum(axis=1)
    b_den = den[:n].reshape(batches, -1).sum(axis=1) if den is not None else np.full(
        batches, n / batches)
    ratios = b_num / b_den
    return float(num[:n].sum() / (b_den.sum())), float(ratios.std(ddof=1) / np.sqrt(batches))


def test_poisson_base_stock_with_backorders_matches_closed_forms() -> None:
    """Base stock S = 8, lead L = 3 days, Poisson μ = 2/day, backorders, review every day.

    End-of-day backorders are E[(D_L − S)+] with D_L ~ Poisson(Lμ) (`poisson_expected_backorders`).
    Orders are placed at the end of a day, so a unit demanded at fraction u of day t finds the
    orders of the last L − 1 + u days outstanding: the fill rate is `poisson_fill_rate(S, (L−1+u)μ)`
    averaged over u ∈ [0, 1] (the continuous-review closed form, integrated over the day).
    """
    skus, days, mu, s_level, lead, warm = 200, 1600, 2.0, 8.0, 3, 10
    res = simulate(_base_stock(skus, days, mu, s_level, lead), np.random.default_rng(42),
                   warmup_days=warm)
    k = res.kpis
    bo, bo_se = _batch_ci(k.backorders[warm:] / skus, None)
    assert bo == pytest.approx(float(poisson_expected_backorders(s_level, lead * mu)),
                               abs=4 * bo_se)
    u = (np.arange(2000) + 0.5) / 2000
    theory = float(np.mean(poisson_fill_rate(s_level, (lead - 1 + u) * mu)))
    # the same number from the discrete-period sum Σ_j P(X ≥ j) P(Y ≤ S − j) / μ
    j = np.arange(1, 60)
    discrete = float((stats.poisson.sf(j - 1, mu)
                      * stats.poisson.cdf(s_level - j, (lead - 1) * mu)).sum() / mu)
    assert theory == pytest.approx(discrete, abs=1e-4)
    fill, fill_se = _batch_ci(k.filled[warm:], k.demand[warm:])
    assert fill == pytest.approx(theory, abs=4 * fill_se)
    assert fill_se < 0.0025  # the check has teeth: a 1-point error would be caught
    # inventory position stays at S: everything demanded is eventually shipped
    assert k.sales.sum() + k.backorders[-1] == pytest.approx(k.demand.sum())


def test_erlang_c_formula_by_hand() -> None:
    """M/M/1: Wq = ρ / (μ − λ); M/M/2 with λ = 1, μ = 1: P(wait) = 1/3, Wq = 1/3."""
    assert erlang_c_wait(0.5, 1.0, 1) == pytest.approx(0.5 / (1.0 - 0.5))
    assert erlang_c_wait(1.0, 1.0, 2) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="unstable"):
        erlang_c_wait(3.0, 1.0, 3)


def test_dock_as_mmc_matches_erlang_c() -> None:
    """Trucks arrive Poisson (λ = 2.4/h) at 3 docks, unloading exp(mean 1 h): mean queue wait
    matches Erlang C within its batch-means confidence limits."""
    lam, mu, c, n = 2.4, 1.0, 3, 30000
    rng = np.random.default_rng(7)
    env = simpy.Environment()
    dock = simpy.Resource(env, capacity=c)
    waits: list[float] = []

    def arrivals() -> simpy.events.ProcessGenerator:
        for _ in range(n):
            yield env.timeout(rng.exponential(1 / lam) / 24.0)
            env.process(use_dock(env, dock, rng.exponential(1 / mu),
                                 on_start=lambda w: waits.append(w * 24.0)))

    env.process(arrivals())
    env.run()
    w = np.array(waits[1000:])
    batches = w[: w.size // 50 * 50].reshape(50, -1).mean(axis=1)
    se = batches.std(ddof=1) / np.sqrt(50)
    assert w.mean() == pytest.approx(erlang_c_wait(lam, mu, c), abs=4 * se)
    assert se < 0.1 * erlang_c_wait(lam, mu, c)
