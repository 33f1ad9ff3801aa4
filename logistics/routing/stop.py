"""Stop criteria as small immutable objects; `start()` gives a fresh stateful check per solve.

A check is called with the best cost so far (`math.inf` while no feasible solution exists) and
returns True to stop. Every solve also has a hard time limit: `hard_limit_s()`.
`Converged` is the default: iterations without improvement scaled by problem size, per engine,
so a solve stops when its search has settled (deterministic for a seed), at the latest at the cap.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

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
class MaxCpuTime:
    """Stop after `seconds` of this process's CPU time (`time.process_time`, all its threads):
    a cap that a loaded machine does not bring forward, unlike wall time. Not hard: pair it
    with a `MaxRuntime` backstop."""

    seconds: float

    def __post_init__(self) -> None:
        if not self.seconds > 0:
            raise ValueError("MaxCpuTime: seconds > 0 expected")

    def start(self) -> Check:
        end = time.process_time() + self.seconds
        return lambda _best: time.process_time() >= end

    def hard_limit_s(self) -> float | None:
        return None


@dataclass(frozen=True)
class NoImprovement:
    """Stop after `iterations` checks without a better best cost (iterations of the engine).

    With `min_gain` > 0 only a gain of at least that share of the best cost restarts the
    count (0.001 = 0.1%): a long tail of tiny gains then no longer keeps a search going."""

    iterations: int
    min_gain: float = 0.0

    def __post_init__(self) -> None:
        if self.iterations < 1:
            raise ValueError("NoImprovement: iterations >= 1 expected")
        if not 0.0 <= self.min_gain < 1.0:
            raise ValueError("NoImprovement: 0 <= min_gain < 1 expected")

    def start(self) -> Check:
        state = {"ref": math.inf, "count": 0}
        keep = 1.0 - self.min_gain

        def check(best: float) -> bool:
            if best < state["ref"] * keep:  # inf * keep is inf: the first plan counts
                state["ref"], state["count"] = best, 0
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


Engine = Literal["pyvrp", "ortools", "hgs"]


@dataclass(frozen=True)
class Converged:
    """Stop after `patience(engine)` engine iterations without a better plan.

    The patience grows with the number of stops `clients` (bigger plans improve more slowly);
    `scale` multiplies it (2.0 = search twice as long before calling it settled). The counts
    are iterations, not seconds, so the same seed gives the same plan on any machine.
    """

    clients: int
    scale: float = 1.0
    min_gain: float = 0.0  # see NoImprovement

    def __post_init__(self) -> None:
        if self.clients < 0 or not self.scale > 0:
            raise ValueError("Converged: clients >= 0 and scale > 0 expected")
        if not 0.0 <= self.min_gain < 1.0:
            raise ValueError("Converged: 0 <= min_gain < 1 expected")

    def patience(self, engine: Engine = "pyvrp") -> int:
        """Iterations without improvement before stopping, for `engine`'s kind of iteration.

        PyVRP: one perturbation + local search; OR-Tools: one solution callback; HGS: one
        crossover + local search (HGS-CVRP's own stop rule, `nbIter`)."""
        n = self.clients
        base = {"pyvrp": 150 + 5 * n, "ortools": 300 + 10 * n, "hgs": 100 + 2 * n}[engine]
        return max(1, round(base * self.scale))

    def start(self) -> Check:
        return self.start_for("pyvrp")

    def start_for(self, engine: Engine) -> Check:
        return NoImprovement(self.patience(engine), self.min_gain).start()

    def hard_limit_s(self) -> float | None:
        return None


def start_for(stop: StopCriterion, engine: Engine) -> Check:
    """`stop.start()`, with every `Converged` inside scaled to `engine`'s iterations."""
    if isinstance(stop, Converged):
        return stop.start_for(engine)
    if isinstance(stop, AnyOf):
        checks = [start_for(c, engine) for c in stop.criteria]
        return lambda best: any([chk(best) for chk in checks])
    return stop.start()


def patience(stop: StopCriterion, engine: Engine) -> int | None:
    """Iterations without improvement after which `stop` ends `engine`'s search (None: never)."""
    if isinstance(stop, Converged):
        return stop.patience(engine)
    if isinstance(stop, NoImprovement):
        return stop.iterations
    if isinstance(stop, AnyOf):
        found = [p for c in stop.criteria if (p := patience(c, engine)) is not None]
        return min(found) if found else None
    return None


def is_time_only(stop: StopCriterion) -> bool:
    """True when only wall-clock criteria can end the search (it then runs to its cap)."""
    if isinstance(stop, MaxRuntime):
        return True
    if isinstance(stop, AnyOf):
        return all(is_time_only(c) for c in stop.criteria)
    return False


def default_stop(clients: int, cap_s: float = DEFAULT_HARD_LIMIT_S) -> AnyOf:
    """The stop every solve uses unless told otherwise: converged, or `cap_s` seconds (hard).

    Deterministic for a seed whenever the search settles before the cap."""
    return AnyOf(Converged(clients), MaxRuntime(cap_s))


def hard_limit(stop: StopCriterion) -> float:
    """The hard wall-clock limit of a solve (seconds)."""
    s = stop.hard_limit_s()
    return DEFAULT_HARD_LIMIT_S if s is None else s
