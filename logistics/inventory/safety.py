"""Safety stock and base-stock levels from textbook closed forms (vectorised over arrays).

Normal demand over the protection interval L + R (lead time plus review period, in periods)
for cycle service level (P1) or fill rate (P2, via the standard normal loss function G), and
Poisson lead-time demand for slow movers (unit demands, continuous review base stock).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]


def _f(x: npt.ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _check_target(target: npt.ArrayLike, name: str) -> FloatArray:
    t = _f(target)
    if np.any((t <= 0) | (t >= 1)):
        raise ValueError(f"{name} must be strictly between 0 and 1")
    return t


def normal_loss(z: npt.ArrayLike) -> FloatArray:
    """Standard normal loss G(z) = E[(Z − z)+] = φ(z) − z (1 − Φ(z))."""
    zz = _f(z)
    return np.asarray(stats.norm.pdf(zz) - zz * stats.norm.sf(zz), dtype=np.float64)


def protection_sigma(
    sigma_per_period: npt.ArrayLike,
    lead_time: npt.ArrayLike,
    review_period: npt.ArrayLike = 0.0,
    mean_per_period: npt.ArrayLike = 0.0,
    lead_time_sd: npt.ArrayLike = 0.0,
) -> FloatArray:
    """σ of demand over L + R periods: √((L+R)σ² + μ²σ_L²) (independent periods)."""
    t = _f(lead_time) + _f(review_period)
    var = t * _f(sigma_per_period) ** 2 + (_f(mean_per_period) * _f(lead_time_sd)) ** 2
    return np.sqrt(var)


def cycle_service_safety_stock(
    sigma_per_period: npt.ArrayLike,
    lead_time: npt.ArrayLike,
    review_period: npt.ArrayLike,
    cycle_service: npt.ArrayLike,
) -> FloatArray:
    """Safety stock z·σ·√(L+R) with z = Φ⁻¹(cycle service level), in units."""
    z = stats.norm.ppf(_check_target(cycle_service, "cycle service level"))
    return np.asarray(z * protection_sigma(sigma_per_period, lead_time, review_period))


def fill_rate_safety_factor(
    fill_rate: npt.ArrayLike, demand_per_cycle: npt.ArrayLike, sigma_protect: npt.ArrayLike
) -> FloatArray:
    """Safety factor k solving G(k) = (1 − β)·Q / σ (Silver–Pyke–Peterson P2 rule).

    Q is the expected demand per replenishment cycle (units), σ the protection-interval sigma.
    Solved by bisection (G is decreasing), vectorised; k is clipped to [−4, 8].
    """
    beta = _check_target(fill_rate, "fill rate")
    sigma = _f(sigma_protect)
    target = np.divide(
        (1.0 - beta) * _f(demand_per_cycle),
        sigma,
        out=np.full(np.broadcast(beta, sigma, _f(demand_per_cycle)).shape, np.inf),
        where=sigma > 0,
    )
    lo = np.full(target.shape, -4.0)
    hi = np.full(target.shape, 8.0)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        too_much = normal_loss(mid) > target  # loss still too high → need larger k
        lo = np.where(too_much, mid, lo)
        hi = np.where(too_much, hi, mid)
    return np.asarray(0.5 * (lo + hi))


def order_up_to_level(
    mean_per_period: npt.ArrayLike,
    sigma_per_period: npt.ArrayLike,
    lead_time: npt.ArrayLike,
    review_period: npt.ArrayLike,
    target: npt.ArrayLike,
    *,
    measure: str = "cycle_service",
    lead_time_sd: npt.ArrayLike = 0.0,
) -> tuple[FloatArray, FloatArray]:
    """(S, safety stock) for an (R, S) policy: S = μ(L+R) + k·σ_p, in units, where
    σ_p = √((L+R)σ² + μ²σ_L²) (`lead_time_sd` σ_L > 0 when lead times vary).

    `measure` is "cycle_service" (P(no stock-out in a cycle) = target) or "fill_rate"
    (fraction of demand served from stock = target; cycle demand Q = μ·R).
    """
    mu = _f(mean_per_period)
    sigma_p = protection_sigma(sigma_per_period, lead_time, review_period, mu, lead_time_sd)
    if measure == "cycle_service":
        k = stats.norm.ppf(_check_target(target, "cycle service level"))
    elif measure == "fill_rate":
        q = mu * np.maximum(_f(review_period), 1.0)
        k = fill_rate_safety_factor(target, q, sigma_p)
    else:
        raise ValueError(f"unknown measure {measure!r}: expected cycle_service or fill_rate")
    safety = np.asarray(k * sigma_p, dtype=np.float64)
    level = mu * (_f(lead_time) + _f(review_period)) + safety
    return np.asarray(np.maximum(level, 0.0)), safety


def poisson_fill_rate(base_stock: npt.ArrayLike, mean_lead_demand: npt.ArrayLike) -> FloatArray:
    """Fill rate of a base-stock level S with Poisson(λ) lead-time demand: P(D ≤ S − 1)."""
    return np.asarray(stats.poisson.cdf(_f(base_stock) - 1.0, _f(mean_lead_demand)))


def poisson_expected_backorders(
    base_stock: npt.ArrayLike, mean_lead_demand: npt.ArrayLike
) -> FloatArray:
    """E[(D − S)+] for D ~ Poisson(λ): (λ − S)(1 − F(S)) + λ·f(S)."""
    s, lam = _f(base_stock), _f(mean_lead_demand)
    return np.asarray((lam - s) * stats.poisson.sf(s, lam) + lam * stats.poisson.pmf(s, lam))


def poisson_base_stock(mean_lead_demand: npt.ArrayLike, fill_rate: npt.ArrayLike) -> FloatArray:
    """Smallest integer S whose Poisson fill rate P(D ≤ S − 1) reaches the target."""
    beta = _check_target(fill_rate, "fill rate")
    lam = _f(mean_lead_demand)
    # P(D ≤ S − 1) ≥ β  ⇔  S − 1 ≥ F⁻¹(β): scipy's ppf is the smallest k with F(k) ≥ β.
    level = np.where(lam > 0, stats.poisson.ppf(beta, np.maximum(lam, 1e-12)) + 1.0, 0.0)
    return np.asarray(level, dtype=np.float64)


def reorder_levels(
    mean_per_period: npt.ArrayLike,
    sigma_per_period: npt.ArrayLike,
    lead_time: npt.ArrayLike,
    review_period: npt.ArrayLike,
    cycle_service: npt.ArrayLike,
    order_quantity: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """(s, S) for an (s, S) policy: s = μ(L+R) + z·σ√(L+R) and S = s + Q (units)."""
    mu = _f(mean_per_period)
    safety = cycle_service_safety_stock(sigma_per_period, lead_time, review_period, cycle_service)
    s = np.maximum(mu * (_f(lead_time) + _f(review_period)) + safety, 0.0)
    return np.asarray(s), np.asarray(s + np.maximum(_f(order_quantity), 0.0))


def discrete_order_up_to(
    mean_protect: npt.ArrayLike, sigma_protect: npt.ArrayLike, cycle_service: npt.ArrayLike
) -> FloatArray:
    """Smallest integer S with P(D ≤ S) ≥ target for slow movers, D over L + R (units).

    D is negative binomial with the given mean and variance when σ² > μ (over-dispersed
    forecast error), else Poisson(μ): the normal approximation is poor for a few units.
    """
    target, mu, sigma = np.broadcast_arrays(
        _check_target(cycle_service, "cycle service level"),
        np.maximum(_f(mean_protect), 0.0), _f(sigma_protect))
    var = np.maximum(sigma**2, mu)
    over = var > mu * (1 + 1e-9)
    level = np.zeros(mu.shape)
    nb = over & (mu > 0)  # each ppf only where it applies (a million pairs at 1,000 stores)
    po = ~over & (mu > 0)
    n = mu[nb] ** 2 / np.maximum(var[nb] - mu[nb], 1e-12)
    level[nb] = stats.nbinom.ppf(target[nb], np.maximum(n, 1e-12),
                                 np.clip(mu[nb] / var[nb], 1e-12, 1.0))
    level[po] = stats.poisson.ppf(target[po], np.maximum(mu[po], 1e-12))
    return np.asarray(level, dtype=np.float64)
