"""Stop criteria as small immutable objects; `start()` gives a fresh stateful check per solve.

A check is called with the best cost so far (`math.inf` while no feasible solution exists) and
returns True to stop. Every solve also has a hard time limit: `hard_limit_s()`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

Check = Callable[[float], bool]

DEFAULT_HARD_LIMIT_S = 30.0
"""Hard time limit when no MaxRuntime is given (seconds)."""


class StopCriterion(Protocol):
    """Anything with `start()` returning a check, and a hard time limit (or None)."""

    def start(self) -> Check: ...

    def hard_limit_s(self) -> float | None: ...


@dataclass(frozen=True)
class MaxRuntime:
    """Stop after `seconds` of wall-clock time; this limit is hard."""

    seconds: float

    def __post_init__(self) -> None:
        if not self.seconds > 0:
            raise ValueError("MaxRuntime: seconds > 0 expected")

    def start(self) -> Check:
        deadline = time.perf_counter() + self.seconds
        return lambda _best: time.perf_counter() >= deadline

    def hard_limit_s(self) -> float | None:
        return self.seconds


@dataclass(frozen=True)
class NoImprovement:
    """Stop after `iterations` checks without a better best cost (iterations of the engine)."""

    iterations: int

    def __post_init__(self) -> None:
        if self.iterations < 1:
            raise ValueError("NoImprovement: iterations >= 1 expected")

    def start(self) -> Check:
        state = {"best": math.inf, "count": 0}

        def check(best: float) -> bool:
            if best < state["best"]:
                state["best"], state["count"] = best, 0
            else:
                state["count"] += 1
            return state["count"] >= self.iterations

        return check

    def hard_limit_s(self) -> float | None:
        return None


@dataclass(frozen=True)
class FirstFeasible:
    """Stop as soon as a feasible solution is known."""

    def start(self) -> Check:
        return lambda best: best < math.inf

    def hard_limit_s(self) -> float | None:
        return None


@dataclass(frozen=True)
class AnyOf:
    """Stop when any of the criteria says stop; the hard limit is the smallest one."""

    criteria: tuple[StopCriterion, ...]

    def __init__(self, *criteria: StopCriterion) -> None:
        if not criteria:
            raise ValueError("AnyOf: at least one criterion expected")
        object.__setattr__(self, "criteria", tuple(criteria))

    def start(self) -> Check:
        checks = [c.start() for c in self.criteria]
        # evaluate all (stateful ones must see every call), then combine
        return lambda best: any([chk(best) for chk in checks])

    def hard_limit_s(self) -> float | None:
        limits = [s for c in self.criteria if (s := c.hard_limit_s()) is not None]
        return min(limits) if limits else None


def hard_limit(stop: StopCriterion) -> float:
    """The hard wall-clock limit of a solve (seconds)."""
    s = stop.hard_limit_s()
    return DEFAULT_HARD_LIMIT_S if s is None else s
