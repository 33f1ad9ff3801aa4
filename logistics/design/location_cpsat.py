"""Single-source location with CP-SAT: every x_ij and y_i is boolean, so no continuous part is lost.

CP-SAT needs integers: costs are scaled to fen (x100) and demands to integers (x `DEMAND_SCALE`
when fractional, demand rounded up and capacity down, so a plan found is always feasible). The
objective and cost parts are recomputed from the float data; the bound is the scaled bound less
the largest total rounding error, so it stays a proven lower bound of the float problem.
On the default scenario (12 FWs x 289 stores) CP-SAT proved the optimum with 1.0-3.0 s of CPU
against SCIP's 6.3 s (benchmarks/results/design.json notes the machine load).
"""

from __future__ import annotations

import math
import time

import numpy as np

from fwdnet.logistics.design.location import (
    LocationProblem,
    LocationResult,
    _gap,
    _infeasible,
    _no_plan,
    _status,
)
from fwdnet.logistics.kernel.arrays import frozen

COST_SCALE = 100
DEMAND_SCALE = 1000
WORKERS = 2  # the design machine has 2 cores; 1 worker measured 4x slower in wall time


def _scaled_demand(problem: LocationProblem) -> tuple[list[int], list[int]]:
    dem = problem.demand
    scale = 1 if np.all(dem == np.round(dem)) and np.all(dem < 2**40) else DEMAND_SCALE
    d = np.ceil(dem * scale - 1e-9).astype(np.int64)
    total = int(d.sum())
    caps = [
        total if not math.isfinite(c) else min(total, math.floor(c * scale + 1e-9))
        for c in problem.capacity
    ]
    return d.tolist(), caps


def solve_location_cpsat(problem: LocationProblem, time_limit_s: float = 30.0) -> LocationResult:
    """CP-SAT on the single-source model; statuses and fields as `solve_location`."""
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    m, n = problem.n_candidates, problem.n_customers
    reach = problem.reach()
    d, caps = _scaled_demand(problem)
    model = cp_model.CpModel()
    y = [model.new_bool_var(f"y{i}") for i in range(m)]
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for i in range(m):
        for j in np.flatnonzero(reach[i]).tolist():
            x[(i, j)] = model.new_bool_var("")
    for j in range(n):
        model.add_exactly_one([x[(i, j)] for i in np.flatnonzero(reach[:, j]).tolist()])
    for i in range(m):
        js = np.flatnonzero(reach[i]).tolist()
        model.add(sum(d[j] * x[(i, j)] for j in js) <= caps[i] * y[i])
        for j in js:
            model.add_implication(x[(i, j)], y[i])
    if problem.capacity_m3 is not None and problem.demand_m3 is not None:
        # litres, demand rounded up and capacity down: a plan found always fits
        vol = np.ceil(problem.demand_m3 * 1000 - 1e-9).astype(np.int64).tolist()
        vol_total = int(sum(vol))
        for i in range(m):
            c3 = float(problem.capacity_m3[i])
            cap_l = vol_total if not math.isfinite(c3) else min(vol_total, math.floor(c3 * 1000))
            js = np.flatnonzero(reach[i]).tolist()
            model.add(sum(vol[j] * x[(i, j)] for j in js) <= cap_l * y[i])
    for i in problem.locked_open:
        model.add(y[i] == 1)
    model.add(sum(y) >= problem.min_open)
    if problem.max_open is not None:
        model.add(sum(y) <= problem.max_open)
    fixed = [round(float(c) * COST_SCALE) for c in problem.fixed_cost]
    err = np.abs(np.round(problem.assign_cost * COST_SCALE) - problem.assign_cost * COST_SCALE)
    err_fixed = np.abs(np.round(problem.fixed_cost * COST_SCALE) - problem.fixed_cost * COST_SCALE)
    terms = [fixed[i] * y[i] for i in range(m)]
    terms += [round(float(problem.assign_cost[i, j]) * COST_SCALE) * v for (i, j), v in x.items()]
    model.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_s)
    solver.parameters.num_workers = WORKERS
    solver.parameters.relative_gap_limit = 1e-9
    code = solver.solve(model)
    runtime = time.perf_counter() - start
    assignment = np.zeros((m, n))
    if code == cp_model.INFEASIBLE:
        why = "no assignment satisfies every capacity with each store served by a single candidate"
        if problem.max_open is not None:
            why += f" and at most {problem.max_open} open"
        return _infeasible(problem, why, runtime)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _no_plan(m, n, runtime, time_limit_s,
                        f"CP-SAT stopped ({solver.status_name(code)}) with no plan")
    for (i, j), v in x.items():
        if solver.boolean_value(v):
            assignment[i, j] = 1.0
    opened = tuple(i for i in range(m) if solver.boolean_value(y[i]))
    fixed_total = float(problem.fixed_cost[list(opened)].sum()) if opened else 0.0
    assign_total = float((assignment * problem.assign_cost).sum())
    obj = fixed_total + assign_total
    # scaled costs differ from the float ones by `err`: one assignment per store, any FW set
    slack = (
        float(np.where(reach, err, 0.0).max(axis=0).sum()) + float(err_fixed.sum())
    ) / COST_SCALE
    bound = min(obj, solver.best_objective_bound / COST_SCALE - slack)
    return LocationResult(
        status=_status(code == cp_model.OPTIMAL, runtime, time_limit_s),
        objective=obj,
        bound=bound,
        gap=_gap(obj, bound),
        runtime_s=runtime,
        open=opened,
        assignment=frozen(assignment),
        fixed_total=fixed_total,
        assign_total=assign_total,
    )
