"""Stock placement: which SKUs each FW holds and its target stock, within units and m³ capacity.

A held SKU gets the base-stock target mu*T + z*sigma*sqrt(T) (T = review + lead days, z from the
cycle service level) and is served within the FW's short lead time; a SKU not held is served
from the CDC at `cdc_penalty` RMB per unit (the cost of the longer lead time). Choosing the
SKUs is a multi-knapsack per FW coupled by the CDC's stock: the LP relaxation (GLOP) rounded down
and filled greedily gives the plan and a proven bound; small problems then go to SCIP.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fwdnet.logistics.design.status import SolveStatus
from fwdnet.logistics.inventory.safety import order_up_to_level
from fwdnet.logistics.kernel.arrays import frozen, frozen_copy

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _ro(values: object, name: str, shape: tuple[int, ...]) -> FloatArray:
    arr: FloatArray = frozen_copy(values, np.float64)
    if arr.shape != shape:
        raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")
    if not np.all(arr >= 0):
        raise ValueError(f"{name} must be >= 0")
    return arr


@dataclass(frozen=True)
class PlacementProblem:
    """Forecast demand per FW × SKU (from its region), sizes, capacities, service target."""

    daily_mean: FloatArray  # (f, k) forecast units/day in the FW's served stores
    daily_std: FloatArray  # (f, k) forecast error, units/day
    cover_days: float  # review period + CDC→FW lead time, days
    horizon_days: float  # period the holding cost and CDC penalty are counted over
    unit_volume_m3: FloatArray  # (k,)
    holding_cost_per_day: FloatArray  # (k,) RMB per unit-day on hand
    cdc_penalty: FloatArray  # (k,) RMB per unit served from the CDC instead of the FW
    fw_capacity_units: FloatArray  # (f,)
    fw_capacity_m3: FloatArray  # (f,)
    cdc_stock: FloatArray  # (k,) units the CDC can commit to FW targets
    service_level: float = 0.95

    def __post_init__(self) -> None:
        mean = np.asarray(self.daily_mean)
        if mean.ndim != 2:
            raise ValueError("daily_mean must be (fws, skus)")
        f, k = mean.shape
        for name, shape in (
            ("daily_mean", (f, k)),
            ("daily_std", (f, k)),
            ("unit_volume_m3", (k,)),
            ("holding_cost_per_day", (k,)),
            ("cdc_penalty", (k,)),
            ("fw_capacity_units", (f,)),
            ("fw_capacity_m3", (f,)),
            ("cdc_stock", (k,)),
        ):
            object.__setattr__(self, name, _ro(getattr(self, name), name, shape))
        if not 0.5 <= self.service_level < 1.0:
            raise ValueError(f"service_level must be in [0.5, 1), got {self.service_level}")
        if self.cover_days <= 0 or self.horizon_days <= 0:
            raise ValueError("cover_days and horizon_days must be > 0")

    def targets(self) -> FloatArray:
        """(f, k) base-stock target if held: cycle stock plus safety stock for the service level
        over the cover days (`logistics.inventory.safety.order_up_to_level`)."""
        level, _ = order_up_to_level(self.daily_mean, self.daily_std, self.cover_days, 0.0,
                                     self.service_level)
        return np.ceil(level)


@dataclass(frozen=True)
class PlacementResult:
    """Held SKUs and targets per FW; the saving versus serving everything from the CDC."""

    status: SolveStatus
    held: BoolArray  # (f, k)
    target_units: FloatArray  # (f, k), 0 where not held
    objective: float  # RMB saved over the horizon (CDC penalty avoided − holding)
    bound: float  # RMB, LP upper bound on the saving
    gap: float
    runtime_s: float
    share_of_demand_at_fw: float  # fraction of forecast units served from a FW's own stock


PLACEMENT_REL_GAP = 1e-4
MIP_MAX_CANDIDATES = 3000  # above this the LP rounding is already within a small gap


def solve_placement(problem: PlacementProblem, time_limit_s: float = 10.0) -> PlacementResult:
    """LP relaxation rounded down and filled greedily; SCIP MIP when small enough to close gaps."""
    start = time.perf_counter()
    target = problem.targets()
    # average on hand under base stock ≈ safety stock + half the cycle stock
    avg_on_hand = np.maximum(target - problem.daily_mean * problem.cover_days / 2, 0.0)
    value = (
        problem.daily_mean * problem.horizon_days * problem.cdc_penalty[None, :]
        - avg_on_hand * problem.holding_cost_per_day[None, :] * problem.horizon_days
    )
    vol = target * problem.unit_volume_m3[None, :]
    cand = (value > 0) & (target > 0)
    fi, ki = np.nonzero(cand)

    lp_bound, held = _solve(problem, fi, ki, value, target, vol, mip=False, time_limit_s=0.0)
    held = _fill(problem, held, cand, value, target, vol)
    bound = lp_bound
    slack = lp_bound - float(value[held].sum())
    if fi.size <= MIP_MAX_CANDIDATES and slack > PLACEMENT_REL_GAP * max(abs(lp_bound), 1e-9):
        left = max(0.5, time_limit_s - (time.perf_counter() - start))
        mip_bound, mip_held = _solve(problem, fi, ki, value, target, vol, True, left)
        if mip_held.any() and float(value[mip_held].sum()) > float(value[held].sum()):
            held = mip_held
        bound = min(bound, mip_bound)
    saving = float(value[held].sum())
    targets = frozen(np.where(held, target, 0.0))
    frozen(held)
    total = float(problem.daily_mean.sum())
    share = float(problem.daily_mean[held].sum()) / total if total > 0 else 0.0
    gap = max(0.0, bound - saving) / max(abs(bound), 1e-9) if bound > 0 else 0.0
    return PlacementResult(
        status=SolveStatus.OPTIMAL if gap <= PLACEMENT_REL_GAP else SolveStatus.FEASIBLE,
        held=held,
        target_units=targets,
        objective=saving,
        bound=max(bound, saving),
        gap=gap,
        runtime_s=time.perf_counter() - start,
        share_of_demand_at_fw=share,
    )


def _solve(
    problem: PlacementProblem,
    fi: NDArray[np.intp],
    ki: NDArray[np.intp],
    value: FloatArray,
    target: FloatArray,
    vol: FloatArray,
    mip: bool,
    time_limit_s: float,
) -> tuple[float, BoolArray]:
    """LP relaxation (GLOP; held = the x at 1) or MIP (SCIP); returns (bound, held)."""
    from ortools.linear_solver import pywraplp

    f, k = problem.daily_mean.shape
    solver = pywraplp.Solver.CreateSolver("SCIP" if mip else "GLOP")
    inf = solver.infinity()
    xs = [solver.BoolVar("") if mip else solver.NumVar(0.0, 1.0, "") for _ in range(fi.size)]
    units_row = [solver.Constraint(-inf, float(problem.fw_capacity_units[i])) for i in range(f)]
    m3_row = [solver.Constraint(-inf, float(problem.fw_capacity_m3[i])) for i in range(f)]
    cdc_row = [solver.Constraint(-inf, float(problem.cdc_stock[s])) for s in range(k)]
    obj = solver.Objective()
    obj.SetMaximization()
    for x, i, s in zip(xs, fi.tolist(), ki.tolist(), strict=True):
        obj.SetCoefficient(x, float(value[i, s]))
        units_row[i].SetCoefficient(x, float(target[i, s]))
        m3_row[i].SetCoefficient(x, float(vol[i, s]))
        cdc_row[s].SetCoefficient(x, float(target[i, s]))
    params = pywraplp.MPSolverParameters()
    if mip:
        params.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, PLACEMENT_REL_GAP)
        solver.SetTimeLimit(max(1, int(time_limit_s * 1000)))
    code = solver.Solve(params)
    held = np.zeros((f, k), dtype=np.bool_)
    if code not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return float(value[fi, ki].sum()), held  # trivial bound: every candidate held
    bound = float(obj.BestBound()) if mip else float(obj.Value())
    held[fi, ki] = np.array([x.solution_value() > 1 - 1e-6 for x in xs], dtype=np.bool_)
    return bound, held


def _fill(
    problem: PlacementProblem,
    held: BoolArray,
    cand: BoolArray,
    value: FloatArray,
    target: FloatArray,
    vol: FloatArray,
) -> BoolArray:
    """Add the best remaining candidates (value per scarce unit) while every capacity allows."""
    held = held.copy()
    used_u = (np.where(held, target, 0.0)).sum(axis=1)
    used_v = (np.where(held, vol, 0.0)).sum(axis=1)
    used_c = (np.where(held, target, 0.0)).sum(axis=0)
    rest = np.argwhere(cand & ~held)
    if rest.size == 0:
        return held
    cu = np.maximum(problem.fw_capacity_units, 1e-9)
    cv = np.maximum(problem.fw_capacity_m3, 1e-9)
    i, s = rest[:, 0], rest[:, 1]
    density = value[i, s] / np.maximum(target[i, s] / cu[i], vol[i, s] / cv[i]).clip(1e-12)
    for r in np.argsort(-density, kind="stable").tolist():
        a, b = int(i[r]), int(s[r])
        tu, tv = target[a, b], vol[a, b]
        if (
            used_u[a] + tu <= problem.fw_capacity_units[a]
            and used_v[a] + tv <= problem.fw_capacity_m3[a]
            and used_c[b] + tu <= problem.cdc_stock[b]
        ):
            held[a, b] = True
            used_u[a] += tu
            used_v[a] += tv
            used_c[b] += tu
    return held
