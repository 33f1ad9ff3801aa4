"""Forward-warehouse location and store assignment as a MIP (OR-Tools pywraplp, SCIP by default).

Strong formulation: x_ij <= y_i per pair, capacity sum_j d_j x_ij <= cap_i y_i, and the aggregate
cut sum_i cap_i y_i >= sum_j d_j. Units: RMB for costs, units of stock over the horizon for demand.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fwdnet.logistics.design.status import SolveStatus
from fwdnet.logistics.kernel.arrays import frozen, frozen_copy

__all__ = [
    "LocationProblem",
    "LocationResult",
    "SolveStatus",
    "diagnose_infeasibility",
    "solve_location",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

BACKENDS = ("AUTO", "SCIP", "HIGHS", "CBC", "CP-SAT")
# Relative optimality tolerance handed to the solver; OR-Tools' default 1e-4 is far looser than
# the 1e-6 we promise against published optima.
MIP_REL_GAP = 1e-9
# Candidates x customers from which split-demand problems go through the Lagrangian reduction.
REDUCE_FROM = 20_000
# Candidates x customers from which single-source problems go to the open-set search: CP-SAT
# proves the default (12 x 300) in seconds but ran to its 120 s cap at 12 x 1,000, where the
# open-set search proves 0.1 % in half a second.
OPEN_SET_FROM = 5_000
LINK_MIN, LINK_SHARE = 6, 0.4  # reduced MIPs: x_ij <= y_i cuts for the cheapest 40 % per customer


def _frozen(values: object, dtype: type, name: str, ndim: int) -> NDArray[Any]:
    arr: NDArray[Any] = frozen_copy(values, dtype)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    return arr


@dataclass(frozen=True)
class LocationProblem:
    """Which candidates to open and which stores each serves, at least fixed + assignment cost."""

    fixed_cost: FloatArray  # (m,) RMB for opening candidate i over the planning horizon
    capacity: FloatArray  # (m,) units over the horizon (np.inf = uncapacitated)
    demand: FloatArray  # (n,) units over the horizon per customer/store
    assign_cost: FloatArray  # (m, n) RMB for serving ALL of customer j's demand from i
    reachable: BoolArray | None = None  # (m, n) bool; False = i may not serve j
    single_source: bool = True
    min_open: int = 0
    max_open: int | None = None
    locked_open: tuple[int, ...] = ()
    store_labels: tuple[str, ...] = ()  # optional names used in reasons (else 0-based indices)
    capacity_m3: FloatArray | None = None  # (m,) second capacity, m³ over the horizon
    demand_m3: FloatArray | None = None  # (n,) m³ over the horizon per customer/store

    def __post_init__(self) -> None:
        fixed = _frozen(self.fixed_cost, np.float64, "fixed_cost", 1)
        cap = _frozen(self.capacity, np.float64, "capacity", 1)
        dem = _frozen(self.demand, np.float64, "demand", 1)
        cost = _frozen(self.assign_cost, np.float64, "assign_cost", 2)
        m, n = fixed.shape[0], dem.shape[0]
        if cap.shape != (m,):
            raise ValueError(f"capacity has shape {cap.shape}, expected ({m},)")
        if cost.shape != (m, n):
            raise ValueError(f"assign_cost has shape {cost.shape}, expected ({m}, {n})")
        for name, arr in (("fixed_cost", fixed), ("assign_cost", cost), ("demand", dem)):
            if not np.all(np.isfinite(arr)) or np.any(arr < 0):
                raise ValueError(f"{name} must be finite and >= 0")
        if np.any(np.isnan(cap)) or np.any(cap < 0):
            raise ValueError("capacity must be >= 0 (np.inf for uncapacitated)")
        reach = None
        if self.reachable is not None:
            reach = _frozen(self.reachable, np.bool_, "reachable", 2)
            if reach.shape != (m, n):
                raise ValueError(f"reachable has shape {reach.shape}, expected ({m}, {n})")
        if self.min_open < 0 or (self.max_open is not None and self.max_open < 0):
            raise ValueError("min_open and max_open must be >= 0")
        locked = tuple(int(i) for i in self.locked_open)
        if any(i < 0 or i >= m for i in locked):
            raise ValueError(f"locked_open {locked} has an index outside 0..{m - 1}")
        object.__setattr__(self, "fixed_cost", fixed)
        object.__setattr__(self, "capacity", cap)
        object.__setattr__(self, "demand", dem)
        object.__setattr__(self, "assign_cost", cost)
        object.__setattr__(self, "reachable", reach)
        object.__setattr__(self, "locked_open", tuple(sorted(set(locked))))
        if (self.capacity_m3 is None) != (self.demand_m3 is None):
            raise ValueError("capacity_m3 and demand_m3 go together")
        if self.capacity_m3 is not None and self.demand_m3 is not None:
            cap3 = _frozen(self.capacity_m3, np.float64, "capacity_m3", 1)
            dem3 = _frozen(self.demand_m3, np.float64, "demand_m3", 1)
            if cap3.shape != (m,) or dem3.shape != (n,):
                raise ValueError(f"capacity_m3/demand_m3 must have shapes ({m},)/({n},)")
            if np.any(np.isnan(cap3)) or np.any(cap3 < 0) or not np.all(np.isfinite(dem3)):
                raise ValueError("capacity_m3 must be >= 0 and demand_m3 finite")
            object.__setattr__(self, "capacity_m3", cap3)
            object.__setattr__(self, "demand_m3", dem3)

    @property
    def n_candidates(self) -> int:
        return int(self.fixed_cost.shape[0])

    @property
    def n_customers(self) -> int:
        return int(self.demand.shape[0])

    def reach(self) -> BoolArray:
        """The (m, n) reachability mask, all True when none was given."""
        if self.reachable is None:
            return np.ones((self.n_candidates, self.n_customers), dtype=np.bool_)
        return self.reachable


@dataclass(frozen=True)
class LocationResult:
    """Outcome of `solve_location`; objective/bound are NaN when no solution is known."""

    status: SolveStatus
    objective: float
    bound: float
    gap: float
    runtime_s: float
    open: tuple[int, ...]  # indices of opened candidates
    assignment: FloatArray = field(repr=False)  # (m, n) fractions (0/1 when single_source)
    reason: str = ""  # words when infeasible (capacity below demand, unreachable store j, ...)
    fixed_total: float = math.nan  # RMB, fixed cost of the opened candidates
    assign_total: float = math.nan  # RMB, assignment cost of the solution


def _stores(js: list[int], labels: tuple[str, ...] = (), limit: int = 8) -> str:
    """'store(s) 3, 7' by index, or the labels themselves when the problem has them."""
    prefix = "" if labels else "store(s) "
    shown = prefix + ", ".join(labels[j] if j < len(labels) else str(j) for j in js[:limit])
    return shown + (f" and {len(js) - limit} more" if len(js) > limit else "")


def diagnose_infeasibility(problem: LocationProblem) -> str:
    """Reasons, in words, why no design can exist; empty string when none is obvious.

    Checks cheap necessary conditions: open-count limits, stores out of reach, total and
    reachable capacity against demand (a max flow), single-source demand above every capacity.
    """
    m, n = problem.n_candidates, problem.n_customers
    reach = problem.reach()
    cap, dem = problem.capacity, problem.demand
    reasons: list[str] = []
    max_open = m if problem.max_open is None else min(problem.max_open, m)
    if problem.min_open > m:
        reasons.append(f"min_open={problem.min_open} exceeds the {m} candidates")
    if len(problem.locked_open) > max_open:
        reasons.append(
            f"{len(problem.locked_open)} candidates are locked open but max_open={max_open}"
        )
    if problem.min_open > max_open:
        reasons.append(f"min_open={problem.min_open} exceeds max_open={max_open}")
    unreachable = [j for j in range(n) if not reach[:, j].any() and dem[j] >= 0]
    if unreachable:
        reasons.append(
            f"{_stores(unreachable, problem.store_labels)} out of reach of every candidate"
        )
    total = float(dem.sum())
    total_cap = float(cap.sum())
    if total_cap < total * (1 - 1e-12):
        reasons.append(f"total capacity {total_cap:g} is below total demand {total:g}")
    elif max_open < m:
        best = float(np.sort(cap)[::-1][:max_open].sum())
        if best < total * (1 - 1e-12):
            reasons.append(
                f"the {max_open} largest candidates (max_open) hold {best:g} < demand {total:g}"
            )
    if problem.single_source:
        too_big = [
            j
            for j in range(n)
            if reach[:, j].any() and dem[j] > float(cap[reach[:, j]].max()) * (1 + 1e-12)
        ]
        if too_big:
            reasons.append(
                f"{_stores(too_big, problem.store_labels)} demand more than any single candidate "
                "that reaches them can hold (single-source)"
            )
    if problem.capacity_m3 is not None and problem.demand_m3 is not None:
        cap3, dem3 = problem.capacity_m3, problem.demand_m3
        if float(cap3.sum()) < float(dem3.sum()) * (1 - 1e-12):
            reasons.append(
                f"total volume capacity {float(cap3.sum()):g} m³ is below the "
                f"{float(dem3.sum()):g} m³ demanded"
            )
        if problem.single_source:
            big3 = [
                j
                for j in range(n)
                if reach[:, j].any() and dem3[j] > float(cap3[reach[:, j]].max()) * (1 + 1e-12)
            ]
            if big3:
                reasons.append(
                    f"{_stores(big3, problem.store_labels)} need more m³ than any single "
                    "candidate that reaches them holds (single-source)"
                )
    if not reasons and problem.reachable is not None and np.isfinite(total):
        short = _reachable_capacity_shortfall(problem)
        if short:
            reasons.append(short)
    return "; ".join(reasons)


def _reachable_capacity_shortfall(problem: LocationProblem) -> str:
    """Max flow stores→candidates: names the stores whose reachable capacity is too small."""
    import networkx as nx

    reach = problem.reach()
    g = nx.DiGraph()
    for j, d in enumerate(problem.demand):
        g.add_edge("src", ("s", j), capacity=float(d))
        for k in np.flatnonzero(reach[:, j]).tolist():
            g.add_edge(("s", j), ("w", k))  # no capacity attribute = infinite
    for i, c in enumerate(problem.capacity):
        if np.isfinite(c):
            g.add_edge(("w", i), "sink", capacity=float(c))
        else:
            g.add_edge(("w", i), "sink")
    flow, (side, _) = nx.minimum_cut(g, "src", "sink")
    total = float(problem.demand.sum())
    if flow >= total * (1 - 1e-9):
        return ""
    stuck = sorted(k[1] for k in side if isinstance(k, tuple) and k[0] == "s")
    return (
        f"capacity reachable from {_stores(stuck, problem.store_labels)} covers only {flow:g} "
        f"of total demand {total:g}"
    )


def solve_location(
    problem: LocationProblem,
    time_limit_s: float = 30.0,
    *,
    backend: str = "auto",
    reduce: bool | None = None,
) -> LocationResult:
    """Solve the location/assignment MIP; infeasible results carry the reason in words.

    backend "auto": CP-SAT for single-source (all-boolean model; measured 2-6x less CPU than
    SCIP on the default scenario), SCIP via pywraplp for split demand (continuous x).
    Large split-demand problems (`reduce=None` decides by size) first go through the Lagrangian
    phase, which proves most candidates closed; the MIP then runs on the candidates left.
    """
    start = time.perf_counter()
    reason = diagnose_infeasibility(problem)
    if reason:
        return _infeasible(problem, reason, time.perf_counter() - start)
    if backend.upper() not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    backend = backend.upper()
    if backend == "CP-SAT" and not problem.single_source:
        raise ValueError("CP-SAT needs single_source=True (split demand has continuous x)")
    if backend == "AUTO" and problem.single_source and _open_set_fits(problem, reduce):
        from fwdnet.logistics.design.open_set import solve_open_set

        res = solve_open_set(problem, time_limit_s)
        left = time_limit_s - (time.perf_counter() - start)
        if res.open or left < 1.0:
            return dataclasses.replace(res, runtime_s=time.perf_counter() - start)
        time_limit_s = left  # no plan from the open-set search: CP-SAT with the time left
    if backend == "CP-SAT" or (backend == "AUTO" and problem.single_source):
        from fwdnet.logistics.design.location_cpsat import solve_location_cpsat

        res = solve_location_cpsat(problem, time_limit_s)
        return dataclasses.replace(res, runtime_s=time.perf_counter() - start)
    if backend == "AUTO":
        backend = "SCIP"
    if reduce is None:
        reduce = problem.n_candidates * problem.n_customers >= REDUCE_FROM
    simple = problem.max_open is None and problem.capacity_m3 is None
    if reduce and not problem.single_source and simple:
        return _solve_reduced(problem, time_limit_s, backend, start)
    return _solve_mip(problem, time_limit_s, backend, start)


def _open_set_fits(problem: LocationProblem, reduce: bool | None) -> bool:
    """Large single-source problems (or `reduce=True`) go to the branch and bound over the open
    set; CP-SAT keeps the small ones, where it proves the optimum in seconds."""
    large = problem.n_candidates * problem.n_customers >= OPEN_SET_FROM
    return large if reduce is None else reduce


def _restricted(
    problem: LocationProblem, keep: list[int], locked: set[int], time_limit_s: float, backend: str
) -> tuple[LocationResult, FloatArray, tuple[int, ...]]:
    """The MIP over candidates `keep` only; returns its result, full assignment, open indices."""
    pos = {i: k for k, i in enumerate(keep)}
    sub = LocationProblem(
        fixed_cost=problem.fixed_cost[keep],
        capacity=problem.capacity[keep],
        demand=problem.demand,
        assign_cost=problem.assign_cost[keep],
        reachable=None if problem.reachable is None else problem.reachable[keep],
        single_source=False,
        min_open=problem.min_open,
        locked_open=tuple(pos[i] for i in sorted(locked) if i in pos),
    )
    # x_ij <= y_i cuts only for each customer's cheapest candidates: far smaller LPs, and the
    # measured solve on capa-sized pools was 1.5-2x faster than with every cut
    k = max(LINK_MIN, math.ceil(LINK_SHARE * len(keep)))
    rank = np.argsort(np.argsort(sub.assign_cost, axis=0, kind="stable"), axis=0)
    res = _solve_mip(sub, time_limit_s, backend, time.perf_counter(), link=rank < k)
    full = np.zeros((problem.n_candidates, problem.n_customers))
    full[keep] = res.assignment
    return res, full, tuple(keep[k] for k in res.open)


def _solve_reduced(
    problem: LocationProblem, time_limit_s: float, backend: str, start: float
) -> LocationResult:
    """Lagrangian bound + candidate fixing, then the exact MIP on the surviving candidates.

    A short MIP over the most promising candidates first sharpens the upper bound, which lets
    the per-candidate Lagrangian bounds close most of the rest; if every candidate that could
    still beat it is in that pool, its optimum is proven for the whole problem.
    """
    from fwdnet.logistics.design.lagrangian import reduce, transport_cost

    red = reduce(problem, time_budget_s=min(0.4 * time_limit_s, 30.0))
    if not math.isfinite(red.upper_bound):  # no heuristic design: solve the whole MIP
        return _solve_mip(problem, time_limit_s, backend, start)
    m = problem.n_candidates
    ub = red.upper_bound
    best_obj, best_assign = transport_cost(problem, red.best_open)
    best_open = red.best_open
    locked = set(problem.locked_open)
    order = np.argsort(red.open_bound, kind="stable").tolist()
    size = min(m, max(len(red.best_open) + 6, 2 * len(red.best_open)))
    pool = sorted(set(order[:size]) | set(red.best_open) | locked)
    left = time_limit_s - (time.perf_counter() - start)
    first, full, opened = _restricted(problem, pool, locked, max(1.0, 0.3 * left), backend)
    if math.isfinite(first.objective) and first.objective < best_obj:
        best_obj, best_open, best_assign = first.objective, opened, full
        ub = min(ub, first.objective)
    tol = 1e-9 * max(1.0, abs(ub))
    survivors = set(np.flatnonzero(red.open_bound <= ub + tol).tolist()) | set(best_open)
    must = set(np.flatnonzero(red.closed_bound > ub + tol).tolist()) | locked
    bound = red.lower_bound
    final = first
    if first.status is SolveStatus.OPTIMAL and survivors <= set(pool):
        bound = max(bound, min(first.bound, ub))
    else:
        keep = sorted(survivors | must)
        left = max(1.0, time_limit_s - (time.perf_counter() - start))
        final, full, opened = _restricted(problem, keep, must, left, backend)
        if math.isfinite(final.objective) and final.objective < best_obj:
            best_obj, best_open, best_assign = final.objective, opened, full
        if math.isfinite(final.bound):
            # any design cheaper than ub lies in the reduced space, so its bound holds
            bound = max(bound, min(final.bound, ub))
    bound = min(bound, best_obj)
    runtime = time.perf_counter() - start
    gap = _gap(best_obj, bound)
    return LocationResult(
        status=_status(final.status is SolveStatus.OPTIMAL or gap <= MIP_REL_GAP, runtime,
                       time_limit_s),
        objective=best_obj,
        bound=bound,
        gap=gap,
        runtime_s=runtime,
        open=tuple(sorted(best_open)),
        assignment=frozen(best_assign),
        fixed_total=float(problem.fixed_cost[list(best_open)].sum()),
        assign_total=float((best_assign * problem.assign_cost).sum()),
    )


def _solve_mip(
    problem: LocationProblem,
    time_limit_s: float,
    backend: str,
    start: float,
    link: BoolArray | None = None,
) -> LocationResult:
    """The strong MIP on all candidates (pywraplp; SCIP unless another backend is asked for).

    `link` (m, n) limits the x_ij <= y_i cuts to the pairs marked; the capacity rows alone
    already keep x_ij = 0 at a closed candidate, so the model stays exact (only its LP weakens).
    """
    from ortools.linear_solver import pywraplp

    m, n = problem.n_candidates, problem.n_customers

    solver = pywraplp.Solver.CreateSolver(backend.upper())
    if solver is None:  # pragma: no cover - every OR-Tools wheel ships SCIP
        raise RuntimeError(f"OR-Tools has no {backend} backend here")
    inf = solver.infinity()
    reach = problem.reach()
    dem = problem.demand
    cost = problem.assign_cost
    total = float(dem.sum())
    objective = solver.Objective()
    objective.SetMinimization()

    locked = set(problem.locked_open)
    y = [solver.BoolVar(f"y{i}") for i in range(m)]
    for i in range(m):
        objective.SetCoefficient(y[i], float(problem.fixed_cost[i]))
        if i in locked:
            y[i].SetLb(1.0)
        if not reach[i].any() and i not in locked:
            y[i].SetUb(0.0)  # serves nobody: opening it can only cost
    # Capacity usable by i: never more than the demand it could possibly serve.
    reach_dem = reach.astype(np.float64) @ dem
    eff_cap = np.minimum(problem.capacity, reach_dem)

    xs: dict[tuple[int, int], object] = {}
    cover = [solver.Constraint(1.0, 1.0, f"cover{j}") for j in range(n)]
    caps = [solver.Constraint(-inf, 0.0, f"cap{i}") if eff_cap[i] > 0 else None for i in range(m)]
    for i in range(m):
        ci = caps[i]
        if ci is not None:
            ci.SetCoefficient(y[i], -float(eff_cap[i]))
        row_cost = cost[i]
        for j in np.flatnonzero(reach[i]).tolist():
            x = solver.BoolVar("") if problem.single_source else solver.NumVar(0.0, 1.0, "")
            xs[(i, j)] = x
            objective.SetCoefficient(x, float(row_cost[j]))
            cover[j].SetCoefficient(x, 1.0)
            if ci is not None and dem[j] > 0:
                ci.SetCoefficient(x, float(dem[j]))
            if link is None or link[i, j] or not (ci is not None and dem[j] > 0):
                row = solver.Constraint(-inf, 0.0)
                row.SetCoefficient(x, 1.0)
                row.SetCoefficient(y[i], -1.0)
    if problem.capacity_m3 is not None and problem.demand_m3 is not None:
        for i in range(m):
            if not math.isfinite(float(problem.capacity_m3[i])):
                continue
            vol = solver.Constraint(-inf, 0.0, f"m3_{i}")
            vol.SetCoefficient(y[i], -float(problem.capacity_m3[i]))
            for j in np.flatnonzero(reach[i] & (problem.demand_m3 > 0)).tolist():
                vol.SetCoefficient(xs[(i, j)], float(problem.demand_m3[j]))
    if np.isfinite(eff_cap).all() and total > 0:
        agg = solver.Constraint(total, inf, "aggregate_capacity")
        for i in range(m):
            agg.SetCoefficient(y[i], float(eff_cap[i]))
    n_open = solver.Constraint(
        float(problem.min_open),
        float(problem.max_open) if problem.max_open is not None else inf,
        "open_count",
    )
    for i in range(m):
        n_open.SetCoefficient(y[i], 1.0)

    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, MIP_REL_GAP)
    solver.SetTimeLimit(max(1, int(time_limit_s * 1000)))
    code = solver.Solve(params)
    runtime = time.perf_counter() - start

    if code == pywraplp.Solver.INFEASIBLE:
        why = "no assignment satisfies every capacity"
        if problem.single_source:
            why += " with each store served by a single candidate"
        if problem.max_open is not None:
            why += f" and at most {problem.max_open} open"
        return _infeasible(problem, why, runtime)
    if code not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return _no_plan(m, n, runtime, time_limit_s,
                        f"solver stopped with code {code} and no solution")

    assignment = np.zeros((m, n))
    for (i, j), x in xs.items():
        assignment[i, j] = x.solution_value()  # type: ignore[attr-defined]
    assignment = np.rint(assignment) if problem.single_source else np.clip(assignment, 0.0, 1.0)
    opened = tuple(i for i in range(m) if y[i].solution_value() > 0.5)
    obj = float(objective.Value())
    bound = float(objective.BestBound()) if code != pywraplp.Solver.OPTIMAL else obj
    if code == pywraplp.Solver.OPTIMAL:
        bound = min(obj, float(objective.BestBound()))
        if not math.isfinite(bound):
            bound = obj
    gap = _gap(obj, bound)
    return LocationResult(
        status=_status(code == pywraplp.Solver.OPTIMAL, runtime, time_limit_s),
        objective=obj,
        bound=bound,
        gap=gap,
        runtime_s=runtime,
        open=opened,
        assignment=frozen(assignment),
        fixed_total=float(problem.fixed_cost[list(opened)].sum()) if opened else 0.0,
        assign_total=float((assignment * cost).sum()),
    )


def _status(proven: bool, runtime: float, time_limit_s: float) -> SolveStatus:
    """optimal when proven; timed_out when the time limit was (all but) used; else feasible."""
    if proven:
        return SolveStatus.OPTIMAL
    if runtime >= 0.95 * time_limit_s:
        return SolveStatus.TIMED_OUT
    return SolveStatus.FEASIBLE


def _no_plan(m: int, n: int, runtime: float, time_limit_s: float, why: str) -> LocationResult:
    """A solver that stopped without any plan: timed out, or `why` when it stopped early."""
    timed = runtime >= 0.95 * time_limit_s
    return LocationResult(
        status=SolveStatus.TIMED_OUT if timed else SolveStatus.FEASIBLE,
        objective=math.nan,
        bound=math.nan,
        gap=math.inf,
        runtime_s=runtime,
        open=(),
        assignment=frozen(np.zeros((m, n))),
        reason="" if timed else why,
    )


def _gap(obj: float, bound: float) -> float:
    if not (math.isfinite(obj) and math.isfinite(bound)):
        return math.inf
    return max(0.0, obj - bound) / max(abs(obj), 1e-9)


def _infeasible(problem: LocationProblem, reason: str, runtime: float) -> LocationResult:
    return LocationResult(
        status=SolveStatus.INFEASIBLE,
        objective=math.nan,
        bound=math.nan,
        gap=math.inf,
        runtime_s=runtime,
        open=(),
        assignment=frozen(np.zeros((problem.n_candidates, problem.n_customers))),
        reason=reason,
    )
