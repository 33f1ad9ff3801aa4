"""Safety stock, (s, S) and base-stock levels against textbook closed forms and tables."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fwdnet.logistics.inventory.safety import (
    cycle_service_safety_stock,
    fill_rate_safety_factor,
    normal_loss,
    order_up_to_level,
    poisson_base_stock,
    poisson_expected_backorders,
    poisson_fill_rate,
    protection_sigma,
    reorder_levels,
)

Z95 = 1.6448536269514722  # Φ⁻¹(0.95)


def test_normal_loss_matches_the_printed_table() -> None:
    """G(z) = φ(z) − z(1 − Φ(z)) equals Silver–Pyke–Peterson table values to 4 decimals."""
    got = normal_loss([0.0, 1.0, 1.25, 1.26, 2.0])
    assert got == pytest.approx([0.3989, 0.08332, 0.05059, 0.04954, 0.008491], abs=6e-5)


def test_cycle_service_safety_stock_is_z_sigma_root_l_plus_r() -> None:
    """σ = 20/week, L = 3, R = 1 weeks, 95 % cycle service → SS = 1.6449 · 20 · √4 = 65.79."""
    ss = cycle_service_safety_stock(20.0, 3, 1, 0.95)
    assert float(ss) == pytest.approx(Z95 * 40.0, rel=1e-9)


def test_protection_sigma_adds_lead_time_variability() -> None:
    """σ over L with variable lead time: √(L σ_d² + μ² σ_L²) = √(4·400 + 100²·1) = 109.54."""
    assert float(protection_sigma(20.0, 4, 0, 100.0, 1.0)) == pytest.approx(math.sqrt(11600))


def test_fill_rate_factor_solves_the_p2_equation() -> None:
    """Q = 200, σ_L = 40, β = 0.99: G(k) = 0.01·200/40 = 0.05, so k lies between 1.25 and 1.26."""
    k = float(fill_rate_safety_factor(0.99, 200.0, 40.0))
    assert 1.25 < k < 1.26
    assert float(normal_loss(k)) == pytest.approx(0.05, abs=1e-9)


def test_order_up_to_level_for_cycle_service() -> None:
    """(R, S): μ = 100, σ = 20 per week, L = 3, R = 1 → S = 400 + 1.6449·40."""
    level, safety = order_up_to_level(100.0, 20.0, 3, 1, 0.95)
    assert float(safety) == pytest.approx(Z95 * 40)
    assert float(level) == pytest.approx(400 + Z95 * 40)


def test_order_up_to_level_for_fill_rate_uses_demand_per_review() -> None:
    """Fill-rate target: cycle demand Q = μR = 200 (R = 2), σ over L+R = 20·√2·... solves G."""
    level, safety = order_up_to_level(100.0, 20.0, 2, 2, 0.99, measure="fill_rate")
    sigma = 20.0 * 2.0  # √(L+R) = 2
    k = float(safety) / sigma
    assert float(normal_loss(k)) == pytest.approx(0.01 * 200 / sigma, abs=1e-9)
    assert float(level) == pytest.approx(400 + k * sigma)


def test_reorder_levels_for_s_big_s() -> None:
    """(s, S): s = μL + zσ√L = 400 + 1.6449·40, S = s + Q with Q = 300."""
    s, big = reorder_levels(100.0, 20.0, 4, 0, 0.95, 300.0)
    assert float(s) == pytest.approx(400 + Z95 * 40)
    assert float(big) == pytest.approx(700 + Z95 * 40)


def test_poisson_base_stock_hand_computed() -> None:
    """λ = 3: P(D ≤ 4) = 0.8153 < 0.9 ≤ P(D ≤ 5) = 0.9161, so S = 6 and its fill rate 0.9161."""
    assert float(poisson_base_stock(3.0, 0.90)) == 6.0
    p5 = math.exp(-3) * (1 + 3 + 4.5 + 4.5 + 3.375 + 2.025)
    assert float(poisson_fill_rate(6, 3.0)) == pytest.approx(p5)
    assert float(poisson_fill_rate(5, 3.0)) < 0.9


def test_poisson_expected_backorders_closed_form_equals_definition() -> None:
    """E[(D − S)+] from the closed form equals the sum Σ (d − S) p(d) for λ = 3, S = 0..8."""
    lam = 3.0
    for s in range(9):
        direct = sum(
            (d - s) * math.exp(-lam) * lam**d / math.factorial(d) for d in range(s + 1, 80)
        )
        assert float(poisson_expected_backorders(s, lam)) == pytest.approx(direct, abs=1e-12)


def test_zero_demand_needs_no_stock_and_bad_targets_are_refused() -> None:
    """No demand → S = 0 (not 1); a service target of 1.0 or 0 is an error, not infinity."""
    assert poisson_base_stock(np.array([0.0, 3.0]), 0.9).tolist() == [0.0, 6.0]
    with pytest.raises(ValueError, match="fill rate"):
        poisson_base_stock(3.0, 1.0)
    with pytest.raises(ValueError, match="cycle service"):
        cycle_service_safety_stock(1.0, 1, 1, 0.0)


def test_safety_functions_are_vectorised() -> None:
    """An array of σ gives the same numbers as calling one by one."""
    sigmas = np.array([[1.0, 5.0], [10.0, 0.0]])
    got = cycle_service_safety_stock(sigmas, 2, 2, 0.95)
    assert got.shape == (2, 2)
    assert got == pytest.approx(Z95 * 2 * sigmas)


def test_discrete_order_up_to_for_slow_movers() -> None:
    """μ = 2, σ² = 4 → NB(n = 2, p = ½): P(X = k) = (k+1)/2^(k+2), F(5) = 0.9375 < 0.95 ≤
    F(6) = 0.9648, so S = 6. σ² = μ = 3 falls back to Poisson: F(4) = 0.8153 < 0.9 ≤
    F(5) = 0.9161, so S = 5. No demand, no stock."""
    from fwdnet.logistics.inventory.safety import discrete_order_up_to

    cdf = [sum((j + 1) / 2 ** (j + 2) for j in range(k + 1)) for k in range(8)]
    assert cdf[5] < 0.95 <= cdf[6]
    got = discrete_order_up_to(np.array([2.0, 3.0, 0.0]), np.array([2.0, math.sqrt(3), 0.0]),
                               np.array([0.95, 0.9, 0.95]))
    assert got.tolist() == [6.0, 5.0, 0.0]
