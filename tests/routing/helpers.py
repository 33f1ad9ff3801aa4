"""Tiny hand-checkable instances: points on a line, distance = travel time = |x_i - x_j|."""

from __future__ import annotations

import numpy as np

from fwdnet.logistics.routing import (
    AnyOf,
    MaxRuntime,
    NoImprovement,
    RoutingModel,
    RoutingProblem,
    RoutingResult,
    solve,
)
from fwdnet.logistics.routing.checker import assert_valid

QUICK = AnyOf(NoImprovement(300), MaxRuntime(1.0))


def line_model(xs: list[int]) -> RoutingModel:
    """A model whose location k sits at x = xs[k] (metres; 1 m/s)."""
    a = np.array(xs)
    d = np.abs(a[:, None] - a[None, :])
    m = RoutingModel("line")
    m.set_matrices(d, d)
    return m


def checked_solve(problem: RoutingProblem, **kwargs: object) -> RoutingResult:
    """solve() with the quick stop, then the independent checker on the result."""
    res = solve(problem, kwargs.pop("stop", QUICK), **kwargs)  # type: ignore[arg-type]
    assert_valid(problem, res)
    return res
