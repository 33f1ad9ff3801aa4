"""Stop criteria objects: argument checks, stateful checks per solve, hard limits."""

from __future__ import annotations

import math

import pytest

from fwdnet.logistics.routing import (
    AnyOf,
    Converged,
    FirstFeasible,
    MaxCpuTime,
    MaxRuntime,
    NoImprovement,
    default_stop,
)
from fwdnet.logistics.routing.stop import (
    DEFAULT_HARD_LIMIT_S,
    hard_limit,
    is_time_only,
    patience,
    start_for,
)


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="seconds > 0"):
        MaxRuntime(0)
    with pytest.raises(ValueError, match="iterations >= 1"):
        NoImprovement(0)
    with pytest.raises(ValueError, match="at least one"):
        AnyOf()


def test_no_improvement_counts_checks_since_the_last_better_cost():
    check = NoImprovement(2).start()
    assert [check(c) for c in (10, 9, 9, 8, 8, 8)] == [False, False, False, False, False, True]


def test_min_gain_ignores_tiny_gains_but_counts_from_the_first_plan():
    """With min_gain 1%, 100 → 99.5 is no gain (the count goes on); 100 → 98 restarts it,
    measured from 98 on."""
    check = NoImprovement(3, min_gain=0.01).start()
    assert [check(c) for c in (math.inf, 100, 99.5, 99.2, 98, 97.5, 97.3, 97.2)] == [
        False, False, False, False, False, False, False, True]
    conv = Converged(0, min_gain=0.01)
    k = conv.patience("pyvrp")
    check = conv.start()
    assert not any(check(100.0 - 0.001 * i) for i in range(k))
    assert check(99.0) is True
    with pytest.raises(ValueError, match="min_gain"):
        NoImprovement(3, min_gain=1.0)
    with pytest.raises(ValueError, match="min_gain"):
        Converged(3, min_gain=-0.1)


def test_max_cpu_time_counts_this_process_cpu_not_sleep():
    """Sleeping (what a loaded machine looks like to a process) does not use up the cap;
    computing does. It is no hard limit."""
    import time

    check = MaxCpuTime(0.05).start()
    time.sleep(0.1)
    assert check(1.0) is False
    t0 = time.process_time()
    while time.process_time() - t0 < 0.06:
        pass
    assert check(1.0) is True
    assert MaxCpuTime(1).hard_limit_s() is None
    with pytest.raises(ValueError, match="seconds > 0"):
        MaxCpuTime(0)


def test_each_start_is_fresh():
    crit = NoImprovement(1)
    first = crit.start()
    assert first(5) is False
    assert first(5) is True
    assert crit.start()(5) is False


def test_first_feasible_waits_for_a_finite_cost():
    check = FirstFeasible().start()
    assert check(math.inf) is False
    assert check(123.0) is True


def test_any_of_and_hard_limits():
    crit = AnyOf(NoImprovement(1), MaxRuntime(30), MaxRuntime(5))
    assert crit.hard_limit_s() == 5
    assert hard_limit(FirstFeasible()) == DEFAULT_HARD_LIMIT_S
    check = AnyOf(FirstFeasible(), MaxRuntime(100)).start()
    assert check(math.inf) is False
    assert check(1.0) is True


def test_converged_patience_grows_with_size_and_differs_by_engine():
    small, big = Converged(20), Converged(200)
    for engine in ("pyvrp", "ortools", "hgs"):
        assert big.patience(engine) > small.patience(engine) >= 1  # type: ignore[arg-type]
    assert Converged(100, scale=2.0).patience("pyvrp") == 2 * Converged(100).patience("pyvrp")
    with pytest.raises(ValueError, match="clients >= 0"):
        Converged(-1)


def test_converged_stops_after_its_patience_without_improvement():
    crit = Converged(0)
    k = crit.patience("pyvrp")
    check = crit.start()
    assert not any(check(10.0) for _ in range(k))  # first call improves, then k-1 equal
    assert check(10.0) is True
    ortools = start_for(AnyOf(crit, MaxRuntime(60)), "ortools")
    assert not any(ortools(5.0) for _ in range(crit.patience("ortools")))
    assert ortools(5.0) is True


def test_default_stop_is_converged_or_the_cap():
    stop = default_stop(50, 7.5)
    assert stop.hard_limit_s() == 7.5
    assert patience(stop, "hgs") == Converged(50).patience("hgs")
    assert not is_time_only(stop)
    assert is_time_only(AnyOf(MaxRuntime(3), MaxRuntime(4)))
    assert patience(MaxRuntime(3), "pyvrp") is None
    assert patience(AnyOf(NoImprovement(7), Converged(1000)), "pyvrp") == 7
