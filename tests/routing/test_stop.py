"""Stop criteria objects: argument checks, stateful checks per solve, hard limits."""

from __future__ import annotations

import math

import pytest

from fwdnet.logistics.routing import AnyOf, FirstFeasible, MaxRuntime, NoImprovement
from fwdnet.logistics.routing.stop import DEFAULT_HARD_LIMIT_S, hard_limit


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
