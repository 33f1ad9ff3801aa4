"""Lagrangian bound and reduced-cost fixing for large split-demand location problems.

Relaxing "every customer fully served" splits the problem into one continuous knapsack per
candidate (Beasley 1988). Its bound equals the strong LP bound but costs milliseconds in numpy, and
the per-candidate bounds prove that most candidates cannot be open in any design cheaper than a
known one, which leaves a MIP small enough for SCIP. Units as in `LocationProblem` (RMB, units).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fwdnet.logistics.design.location import LocationProblem

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Reduction:
    """What the Lagrangian phase proved: a bound, a design and the candidates still in play."""

    lower_bound: float  # RMB, valid for the whole problem
    upper_bound: float  # RMB, cost of `best_open` with its optimal (transportation) assignment
    best_open: tuple[int, ...]
    survivors: tuple[int, ...]  # candidates that may be open in a design cheaper than upper_bound
    must_open: tuple[int, ...]  # candidates open in every design cheaper than upper_bound
    iterations: int
    open_bound: FloatArray  # (m,) lower bound on any design with candidate i open
    closed_bound: FloatArray  # (m,) lower bound on any design with candidate i closed


def _cover_lp(values: FloatArray, caps: FloatArray, need: float, forced: BoolArray) -> float:
    """min sum v_i y_i, sum cap_i y_i >= need, y in [0, 1], forced ones at 1 (greedy, LP-exact)."""
    total = float(values[forced].sum())
    have = float(caps[forced].sum())
    free = ~forced
    neg = free & (values < 0)
    total += float(values[neg].sum())
    have += float(caps[neg].sum())
    if have >= need:
        return total
    rest = np.flatnonzero(free & ~neg)
    if rest.size == 0:
        return math.inf
    per_unit = values[rest] / np.maximum(caps[rest], 1e-300)
    for k in rest[np.argsort(per_unit, kind="stable")].tolist():
        take = min(1.0, (need - have) / caps[k]) if caps[k] > 0 else 0.0
        total += take * float(values[k])
        have += take * float(caps[k])
        if have >= need * (1 - 1e-12):
            return total
    return math.inf


def _card(values: FloatArray, k: int, forced: BoolArray) -> float:
    """min sum v_i y_i, sum y_i >= k, y binary, forced ones at 1: the count cut of the cover."""
    total = float(values[forced].sum())
    free = values[~forced]
    need = max(0, k - int(forced.sum()))
    if need > free.size:
        return math.inf
    srt = np.sort(free)
    return total + float(srt[:need].sum()) + float(np.minimum(srt[need:], 0.0).sum())


def min_open_count(caps: FloatArray, need: float) -> int:
    """Fewest candidates whose capacities can hold `need` (largest first); m+1 when none can."""
    cum = np.cumsum(np.sort(caps)[::-1])
    k = int(np.searchsorted(cum, need * (1 - 1e-12)))
    return k + 1 if k < caps.size else caps.size + 1


class _Knapsacks:
    """One continuous knapsack per candidate for given multipliers (vectorised over candidates)."""

    def __init__(self, problem: LocationProblem) -> None:
        reach = problem.reach()
        self.cost = np.where(reach, problem.assign_cost, np.inf)
        self.demand = problem.demand
        self.cap = np.minimum(problem.capacity, reach.astype(np.float64) @ problem.demand)
        self.fixed = problem.fixed_cost
        self.locked = np.zeros(problem.n_candidates, dtype=np.bool_)
        self.locked[list(problem.locked_open)] = True
        self.need = float(problem.demand.sum())
        self.k_min = max(min_open_count(self.cap, self.need), problem.min_open)

    def solve(self, lam: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Per-candidate value v_i (fixed cost included) and its fractional assignment x_i."""
        red = self.cost - lam[None, :]
        neg = red < 0
        d = self.demand[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(d > 0, red / d, -np.inf)
        key = np.where(neg, ratio, np.inf)
        order = np.argsort(key, axis=1, kind="stable")
        ds = np.take_along_axis(np.broadcast_to(d, red.shape), order, axis=1)
        negs = np.take_along_axis(neg, order, axis=1)
        used = ds * negs
        prev = np.cumsum(used, axis=1) - used
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(ds > 0, (self.cap[:, None] - prev) / ds, 1.0)
        frac = np.clip(frac, 0.0, 1.0) * negs
        x = np.zeros_like(red)
        np.put_along_axis(x, order, frac, axis=1)
        red_fin = np.where(neg, red, 0.0)
        return self.fixed + (red_fin * x).sum(axis=1), x

    def cover(self, v: FloatArray) -> FloatArray:
        """Open fractions y from the stronger of two relaxations of the integer cover problem."""
        y_lp = self._cover_lp_y(v)
        y_card = np.where(self.locked | (v < 0), 1.0, 0.0)
        short = self.k_min - int(y_card.sum())
        if short > 0:
            rest = np.flatnonzero(y_card == 0)
            y_card[rest[np.argsort(v[rest], kind="stable")[:short]]] = 1.0
        return y_card if float(v @ y_card) > float(v @ y_lp) else y_lp

    def _cover_lp_y(self, v: FloatArray) -> FloatArray:
        y = np.where(self.locked | (v < 0), 1.0, 0.0)
        have = float(self.cap @ y)
        if have < self.need:
            rest = np.flatnonzero(y == 0)
            per_unit = v[rest] / np.maximum(self.cap[rest], 1e-300)
            for k in rest[np.argsort(per_unit, kind="stable")].tolist():
                take = min(1.0, (self.need - have) / self.cap[k]) if self.cap[k] > 0 else 0.0
                y[k] = take
                have += take * float(self.cap[k])
                if have >= self.need * (1 - 1e-12):
                    break
        return y

    def forced_bounds(self, base: float, v: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Lower bounds with candidate i forced open / forced closed (base = sum of multipliers)."""
        m = v.shape[0]
        opened = np.empty(m)
        closed = np.empty(m)
        for i in range(m):
            forced = self.locked.copy()
            forced[i] = False
            others = forced.copy()
            mask = np.ones(m, dtype=np.bool_)
            mask[i] = False
            vm, cm, fm = v[mask], self.cap[mask], others[mask]
            opened[i] = (
                base
                + float(v[i])
                + max(
                    _cover_lp(vm, cm, self.need - float(self.cap[i]), fm),
                    _card(vm, self.k_min - 1, fm),
                )
            )
            closed[i] = (
                math.inf
                if self.locked[i]
                else base + max(_cover_lp(vm, cm, self.need, fm), _card(vm, self.k_min, fm))
            )
        return opened, closed


def transport_cost(problem: LocationProblem, open_idx: tuple[int, ...]) -> tuple[float, FloatArray]:
    """Best split assignment for a fixed open set (transportation LP, GLOP); inf when impossible."""
    from ortools.linear_solver import pywraplp

    m, n = problem.n_candidates, problem.n_customers
    reach = problem.reach()
    solver = pywraplp.Solver.CreateSolver("GLOP")
    inf = solver.infinity()
    cover = [solver.Constraint(1.0, 1.0) for _ in range(n)]
    obj = solver.Objective()
    xs: list[tuple[int, int, object]] = []
    for i in open_idx:
        cap_row = solver.Constraint(-inf, float(problem.capacity[i]))
        cost = problem.assign_cost[i]
        for j in np.flatnonzero(reach[i]).tolist():
            x = solver.NumVar(0.0, 1.0, "")
            cover[j].SetCoefficient(x, 1.0)
            cap_row.SetCoefficient(x, float(problem.demand[j]))
            obj.SetCoefficient(x, float(cost[j]))
            xs.append((i, j, x))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return math.inf, np.zeros((m, n))
    assignment = np.zeros((m, n))
    for i, j, x in xs:
        assignment[i, j] = x.solution_value()  # type: ignore[attr-defined]
    fixed = float(problem.fixed_cost[list(open_idx)].sum())
    return fixed + float(obj.Value()), assignment


def reduce(
    problem: LocationProblem, time_budget_s: float = 10.0, iterations: int = 600
) -> Reduction:
    """Subgradient optimisation of the multipliers, a rounding heuristic, then candidate fixing."""
    start = time.perf_counter()
    ks = _Knapsacks(problem)
    cost = ks.cost
    finite = np.where(np.isfinite(cost), cost, np.nan)
    lam = np.nanmin(finite, axis=0)  # cheapest service per customer: a safe start
    lam = np.where(np.isfinite(lam), lam, 0.0)
    best_lb = -math.inf
    best_lam = lam.copy()
    ub = math.inf
    best_open: tuple[int, ...] = ()
    tried: set[tuple[int, ...]] = set()
    alpha = 2.0
    since_better = 0
    it = 0
    for it in range(1, iterations + 1):
        v, x = ks.solve(lam)
        y = ks.cover(v)
        lb = float(lam.sum() + v @ y)
        if lb > best_lb + 1e-9 * abs(lb):
            best_lb, best_lam, since_better = lb, lam.copy(), 0
        else:
            since_better += 1
            if since_better >= 20:
                alpha, since_better = alpha / 2, 0
        cand = tuple(np.flatnonzero(y > 1e-9).tolist())
        if cand and cand not in tried and (it <= 2 or it % 60 == 0):
            tried.add(cand)
            val, _ = transport_cost(problem, cand)
            if val < ub:
                ub, best_open = val, cand
        g = 1.0 - (y[:, None] * x).sum(axis=0)
        norm = float(g @ g)
        if norm < 1e-12 or alpha < 1e-5 or time.perf_counter() - start > time_budget_s:
            break
        target = ub if math.isfinite(ub) else abs(lb) * 1.05 + 1.0
        lam = lam + alpha * max(target - lb, 1e-9 * abs(lb)) / norm * g
    v, _ = ks.solve(best_lam)
    base = float(best_lam.sum())
    opened, closed = ks.forced_bounds(base, v)
    tol = 1e-9 * max(1.0, abs(ub))
    survivors = set(np.flatnonzero(opened <= ub + tol).tolist()) | set(best_open)
    must = set(np.flatnonzero(closed > ub + tol).tolist()) | set(problem.locked_open)
    return Reduction(
        lower_bound=min(best_lb, ub),
        upper_bound=ub,
        best_open=best_open,
        survivors=tuple(sorted(survivors | must)),
        must_open=tuple(sorted(must)),
        iterations=it,
        open_bound=opened,
        closed_bound=closed,
    )
