"""One frozen `NetworkDesign` per named design: open FWs, assignment, placement, stock targets,
routes — made by `plan_network` for `fwdnet run`, `simulate` and `design` alike.

Names: `optimal` (the location MIP), `best-K` (the MIP with at most K FWs), `all-open`,
`cdc-only`, `top-K` (the K FWs that can reach the most demand) and `FW-A+FW-B` (a fixed list).
A fixed open set still gets a capacity-checked single-source assignment (the same MIP with the
open set locked), so every design carries the solver's honest status. Stores no open FW reaches
are served straight from the CDC. Units: RMB over the horizon, units of stock, days.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.assortment.model import RangePlan, restrict_placement
from fwdnet.logistics.design.costs import (
    DesignContext,
    DesignCosts,
    design_context,
    evaluate,
    location_problem,
    place_stock,
    placement_problem,
)
from fwdnet.logistics.design.location import LocationResult, solve_location
from fwdnet.logistics.design.placement import PlacementResult, solve_placement
from fwdnet.logistics.design.routes import DesignRoutes
from fwdnet.logistics.design.stock import StockTargets, stock_targets
from fwdnet.logistics.errors import InputError
from fwdnet.logistics.kernel.arrays import frozen
from fwdnet.logistics.kernel.status import SolveStatus
from fwdnet.logistics.network.history import store_annual_units
from fwdnet.logistics.network.model import IntArray, Scenario

BoolArray = npt.NDArray[np.bool_]

SOLVED = (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.TIMED_OUT)


@dataclass(frozen=True)
class DesignName:
    """A parsed design name: the MIP choosing FWs (`open_set` None) or a fixed open set."""

    name: str
    open_set: tuple[int, ...] | None  # candidate indices; None = the MIP chooses
    max_open: int | None = None  # `best-K`: at most K FWs


def parse_design(scn: Scenario, name: str) -> DesignName:
    """The design a name stands for; an unknown name or FW is an InputError in words."""
    fws = scn.network.fw_candidates
    ids = [f.id for f in fws]
    name = name.strip()
    if name == "optimal":
        return DesignName(name, None)
    if name == "all-open":
        return DesignName(name, tuple(range(len(fws))))
    if name == "cdc-only":
        return DesignName(name, ())
    for prefix in ("top-", "best-"):
        if name.startswith(prefix) and name[len(prefix):].isdigit():
            k = int(name[len(prefix):])
            if not 1 <= k <= len(fws):
                raise InputError(f"design '{name}': K must be between 1 and {len(fws)}",
                                 source=scn.source)
            if prefix == "best-":
                return DesignName(name, None, max_open=k)
            return DesignName(name, _top(scn, k))
    wanted = [s.strip() for s in name.split("+") if s.strip()]
    unknown = [w for w in wanted if w not in ids]
    if unknown or not wanted:
        raise InputError(
            f"design '{name}': unknown FW {', '.join(unknown) or '(empty)'}; expected optimal, "
            f"best-K, all-open, cdc-only, top-K or FW ids joined by '+' ({', '.join(ids)})",
            source=scn.source)
    return DesignName(name, tuple(sorted(ids.index(w) for w in dict.fromkeys(wanted))))


def _top(scn: Scenario, k: int) -> tuple[int, ...]:
    """The K candidates whose service regions hold the most expected demand."""
    reach = design_context(scn).reach
    demand = store_annual_units(scn, scn.network.stores)
    order = np.argsort(-(reach * demand[None, :]).sum(axis=1), kind="stable")[:k]
    return tuple(sorted(int(i) for i in order))


@dataclass(frozen=True)
class NetworkDesign:
    """A design from planning to replay: which FWs are open, which node serves each store,
    what each FW holds (placement), the (R, S) stock targets and, once planned, the routes.

    Stocking nodes are the open FWs (candidate order), then the CDC when it serves stores.
    """

    name: str
    scenario: str
    status: SolveStatus
    reason: str  # solver's words (e.g. why a fixed set cannot be assigned otherwise)
    objective_rmb: float  # MIP objective: fixed + assignment cost of the FW-served stores
    bound_rmb: float
    gap: float
    runtime_s: float
    open_fw: tuple[str, ...]
    closed_fw: tuple[str, ...]
    node_ids: tuple[str, ...]
    store_ids: tuple[str, ...]
    sku_ids: tuple[str, ...]
    store_node: IntArray  # (stores,) index into node_ids
    unreachable_stores: tuple[str, ...]  # no open FW reaches them: served from the CDC
    fixed_cost_rmb: float  # over the horizon
    transport_cost_estimate_rmb: float  # objective − fixed
    placement: PlacementResult | None  # rows follow open_fw; None when no FW is open
    stock: StockTargets
    horizon_days: int
    routes: DesignRoutes | None = None
    held: BoolArray | None = None  # (nodes, skus) SKUs each node stocks; the CDC node serves
    # the rest (None: every node stocks every SKU its stores buy)

    @property
    def assignment(self) -> dict[str, str]:
        """Store id → id of the stocking node serving it (a FW, or the CDC)."""
        return {s: self.node_ids[int(n)] for s, n in zip(self.store_ids, self.store_node,
                                                         strict=True)}

    @property
    def fixed_cost_per_year(self) -> float:
        """RMB a year for the open FWs (the comparison prorates it over the counted days)."""
        return self.fixed_cost_rmb / (self.horizon_days / 365.0)

    def with_routes(self, routes: DesignRoutes) -> NetworkDesign:
        """The same design with its typical-day routes planned."""
        return dataclasses.replace(self, routes=routes)


def _num(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _assign(ctx: DesignContext, spec: DesignName, time_limit_s: float
            ) -> tuple[LocationResult, np.ndarray, tuple[int, ...]]:
    """Solve the assignment: (result, served stores, candidate index of each MIP row)."""
    fws = ctx.scn.network.fw_candidates
    if spec.open_set is None:
        if spec.max_open is None:
            problem, served = location_problem(ctx)
        else:
            k = spec.max_open
            base, _ = location_problem(ctx)
            problem, served = location_problem(ctx, min_open=min(base.min_open, k), max_open=k)
        return solve_location(problem, time_limit_s=time_limit_s), served, tuple(range(len(fws)))
    rows = spec.open_set
    if not rows:
        n = len(ctx.scn.network.stores)
        served = np.zeros(0, dtype=np.intp)
        res = LocationResult(SolveStatus.OPTIMAL, 0.0, 0.0, 0.0, 0.0, (), np.zeros((0, 0)),
                             f"no FW open: all {n} stores are served from the CDC", 0.0, 0.0)
        return res, served, rows
    problem, served = location_problem(ctx, rows, min_open=len(rows), max_open=len(rows),
                                       locked_open=range(len(rows)))
    return solve_location(problem, time_limit_s=time_limit_s), served, rows


def plan_network(scn: Scenario, name: str = "optimal", *, time_limit_s: float | None = None,
                 ctx: DesignContext | None = None) -> NetworkDesign:
    """The named design with its capacity-checked assignment, placement and stock targets.

    Raises InputError (with the solver's reason) when no assignment exists, e.g. a fixed
    open set too small for the demand its FWs reach.
    """
    t0 = time.perf_counter()
    spec = parse_design(scn, name)
    ctx = ctx or design_context(scn)
    limit = scn.design_time_limit_s if time_limit_s is None else time_limit_s
    res, served, rows = _assign(ctx, spec, limit)
    if res.status not in SOLVED or (rows and not res.open):
        what = "no feasible network" if spec.name == "optimal" else f"'{spec.name}' has no plan"
        raise InputError(f"design: {what} ({res.reason or res.status.value})", source=scn.source)
    net = scn.network
    fws, stores, cdc = net.fw_candidates, net.stores, net.cdc
    open_idx = [rows[i] for i in res.open]
    store_fw = np.full(len(stores), -1, dtype=np.intp)  # candidate index, −1 = CDC
    if open_idx:
        store_fw[served] = np.asarray(rows)[np.argmax(res.assignment, axis=0)]
    node_ids = tuple(fws[i].id for i in open_idx)
    direct = store_fw < 0
    placed = place_stock(ctx, open_idx, store_fw) if open_idx else None
    spills = placed is not None and not bool(placed.held.all())
    if direct.any() or spills:  # the CDC serves unreachable stores and SKUs no FW holds
        node_ids = (*node_ids, cdc.id)
    held = None
    if spills:
        assert placed is not None
        held = np.ones((len(node_ids), len(net.skus)), dtype=bool)
        held[:len(open_idx)] = placed.held
    node_of_fw = {i: n for n, i in enumerate(open_idx)}
    store_node = np.array([node_of_fw[int(i)] if i >= 0 else len(node_ids) - 1
                           for i in store_fw], dtype=np.int64)
    yearly = np.array([f.fixed_cost_rmb for f in fws]) * (scn.horizon_days / 365.0)
    fixed = float(yearly[open_idx].sum())
    return NetworkDesign(
        name=spec.name, scenario=scn.name, status=res.status, reason=res.reason,
        objective_rmb=float(res.objective), bound_rmb=float(res.bound), gap=float(res.gap),
        runtime_s=time.perf_counter() - t0,
        open_fw=node_ids[:len(open_idx)],
        closed_fw=tuple(f.id for i, f in enumerate(fws) if i not in node_of_fw),
        node_ids=node_ids, store_ids=tuple(s.id for s in stores),
        sku_ids=tuple(k.id for k in net.skus),
        store_node=frozen(store_node),
        unreachable_stores=tuple(s.id for s, d in zip(stores, direct, strict=True) if d),
        fixed_cost_rmb=fixed, transport_cost_estimate_rmb=float(res.objective) - fixed,
        placement=placed, stock=stock_targets(scn, store_node, node_ids, held),
        horizon_days=scn.horizon_days, held=None if held is None else frozen(held))


def with_ranges(scn: Scenario, design: NetworkDesign, ranges: RangePlan,
                ctx: DesignContext | None = None) -> NetworkDesign:
    """The design stocking only what each FW's region lists: placement re-solved on the
    listed SKUs (`restrict_placement`, any season's range), stock targets without the unlisted
    ones. A FW keeps the demand for SKUs its region does not list (no stock: those sales are
    lost); listed SKUs it does not hold are served from the CDC node. Same open FWs,
    assignment and routes; the replay applies each season's range (`restrict_to_assortment`).
    """
    ctx = ctx or design_context(scn)
    ids = [f.id for f in scn.network.fw_candidates]
    open_idx = [ids.index(f) for f in design.open_fw]
    if not open_idx:
        return design
    first = ranges.ranges[0]
    year = first.replace(listed=np.logical_or.reduce([a.listed for a in ranges.ranges]))
    listed = year.site_mask(scn.network, design.open_fw)  # (open FWs, skus)
    placed = solve_placement(restrict_placement(
        placement_problem(ctx, open_idx, store_fw(scn, design)), year, scn.network,
        design.open_fw))
    cdc = scn.network.cdc.id
    node_ids = design.node_ids if cdc in design.node_ids else (*design.node_ids, cdc)
    held = np.ones((len(node_ids), len(scn.network.skus)), dtype=bool)
    held[:len(open_idx)] = placed.held | ~listed  # unlisted: stays at the FW, unstocked
    stock = stock_targets(scn, np.asarray(design.store_node), node_ids, held)
    level = np.array(stock.order_up_to_by_week)
    level[:, :len(open_idx)] *= listed[None]
    return dataclasses.replace(
        design, name=f"{design.name} ({ranges.kind} range)", node_ids=node_ids,
        placement=placed, held=frozen(held),
        stock=dataclasses.replace(stock, order_up_to_by_week=frozen(level)))


def store_fw(scn: Scenario, design: NetworkDesign) -> np.ndarray:
    """(stores,) candidate index of each store's FW, −1 where the CDC serves it."""
    ids = [f.id for f in scn.network.fw_candidates]
    fw_of_node = [ids.index(n) if n in ids else -1 for n in design.node_ids]
    return np.array([fw_of_node[int(n)] for n in design.store_node], dtype=np.intp)


def design_costs(scn: Scenario, design: NetworkDesign, ctx: DesignContext | None = None
                 ) -> DesignCosts:
    """The design model's cost breakdown and service figures of a planned design."""
    ids = [f.id for f in scn.network.fw_candidates]
    open_idx = [ids.index(f) for f in design.open_fw]
    fw_of = {f: i for i, f in enumerate(ids)}
    node_fw = np.array([fw_of.get(n, -1) for n in design.node_ids], dtype=np.intp)
    return evaluate(ctx or design_context(scn), design.name, open_idx, store_fw(scn, design),
                    design.placement, design.stock, node_fw, np.asarray(design.store_node),
                    None if design.held is None else np.asarray(design.held))


def compare_designs(scn: Scenario, optimal: NetworkDesign, names: Sequence[str] | None = None,
                    *, time_limit_s: float | None = None, ctx: DesignContext | None = None
                    ) -> tuple[tuple[DesignCosts, ...], tuple[tuple[str, str], ...]]:
    """The optimal design next to alternatives (default: all-open, one FW fewer, cdc-only),
    each planned by `plan_network`; returns the cost rows and (name, why) of any skipped."""
    ctx = ctx or design_context(scn)
    if names is None:
        k = len(optimal.open_fw) - 1
        names = ["all-open", *([f"best-{k}"] if k >= 1 else []), "cdc-only"]
    rows = [design_costs(scn, optimal, ctx)]
    skipped: list[tuple[str, str]] = []
    for n in names:
        try:
            d = plan_network(scn, n, time_limit_s=time_limit_s, ctx=ctx)
        except InputError as exc:
            skipped.append((n, str(exc).removeprefix(f"{scn.source}: ")))
            continue
        rows.append(design_costs(scn, d, ctx))
    return tuple(rows), tuple(skipped)


def design_dict(design: NetworkDesign, compare: Sequence[DesignCosts] = (),
                skipped: Sequence[tuple[str, str]] = (), start_week: int = 0) -> dict[str, Any]:
    """JSON-ready design (the file `fwdnet design run` writes): location, placement, the (R, S)
    stock targets of `start_week` (ISO week − 1) per node, and the comparison."""
    placed = design.placement
    held = placed.held if placed is not None else np.zeros((0, 0), dtype=bool)
    level = design.stock.order_up_to_by_week[start_week]
    sku_ids = design.sku_ids
    out: dict[str, Any] = {
        "scenario": design.scenario,
        "design": design.name,
        "location": {
            "status": design.status.value,
            "objective_rmb": _num(design.objective_rmb),
            "bound_rmb": _num(design.bound_rmb),
            "gap": _num(design.gap),
            "runtime_s": round(design.runtime_s, 3),
            "open_fw": list(design.open_fw),
            "assignment": design.assignment,
            "unreachable_stores": list(design.unreachable_stores),
            "reason": design.reason,
        },
        "placement": None if placed is None else {
            "status": placed.status.value,
            "skus": int(held.shape[1]),
            "saving_rmb": round(placed.objective, 2),
            "bound_rmb": round(placed.bound, 2),
            "gap": placed.gap,
            "share_of_demand_from_fw_stock": round(placed.share_of_demand_at_fw, 4),
            "skus_held": {fw: int(held[i].sum()) for i, fw in enumerate(design.open_fw)},
            "target_units": {fw: {sku_ids[k]: int(placed.target_units[i, k])
                                  for k in np.flatnonzero(held[i])}
                             for i, fw in enumerate(design.open_fw)},
        },
        "stock": {
            "iso_week": start_week + 1,
            "review_days": design.stock.review_days,
            "nodes": {n: {"lead_days": int(design.stock.lead_days[i]),
                          "skus_stocked": int((level[i] > 0).sum()),
                          "order_up_to_units": int(level[i].sum())}
                      for i, n in enumerate(design.node_ids)},
        },
        "compare": [c.row() for c in compare],
        "compare_skipped": [{"design": d, "reason": r} for d, r in skipped],
    }
    return out


