"""The replay's Poisson draw: exact distribution at small and large rates, deterministic."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from fwdnet.simulation.poisson import DIRECT_RATE, poisson_inversion, zero_probability


@pytest.mark.parametrize("lam", [1e-4, 0.05, 0.8, 4.0, DIRECT_RATE - 0.5, 40.0])
def test_draws_follow_the_poisson_law(lam: float) -> None:
    """Chi-square goodness of fit against scipy's pmf on 200,000 draws (cells with an
    expected count ≥ 20, the tail pooled); a biased or truncated draw fails it."""
    rate = np.full((400, 500), lam)
    x = poisson_inversion(np.random.default_rng(3), rate, zero_probability(rate)).ravel()
    assert x.dtype == np.int64
    assert x.min() >= 0
    n = x.size
    top = int(stats.poisson.ppf(1 - 20 / n, lam))
    observed = np.bincount(np.minimum(x, top + 1), minlength=top + 2)
    expected = n * np.append(stats.poisson.pmf(np.arange(top + 1), lam),
                             stats.poisson.sf(top, lam))
    keep = expected >= 20
    obs = np.append(observed[keep], observed[~keep].sum())
    exp = np.append(expected[keep], expected[~keep].sum())
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    _, p = stats.chisquare(obs, exp * obs.sum() / exp.sum())
    assert p > 1e-3


def test_mixed_rates_keep_their_cells_and_zero_rate_never_sells() -> None:
    """Per-cell means follow their own rates (small, large and zero mixed in one array)."""
    rate = np.tile(np.array([0.0, 0.02, 2.0, 30.0]), (50_000, 1))
    x = poisson_inversion(np.random.default_rng(5), rate, zero_probability(rate))
    assert x.shape == rate.shape
    assert x[:, 0].max() == 0
    se = np.sqrt(rate[0] / rate.shape[0])
    assert np.all(np.abs(x.mean(axis=0) - rate[0]) <= 5 * se + 1e-12)


def test_same_generator_state_gives_the_same_draw() -> None:
    rate = np.random.default_rng(1).gamma(0.3, 0.2, (300, 200))
    rate[0, :5] = 25.0  # some cells on numpy's own sampler
    a = poisson_inversion(np.random.default_rng(9), rate, zero_probability(rate))
    b = poisson_inversion(np.random.default_rng(9), rate, zero_probability(rate))
    assert np.array_equal(a, b)
