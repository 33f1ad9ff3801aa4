"""Rebalancing: move excess stock of a SKU to FWs where it is short, as a min-cost flow.

One flow per SKU, all SKUs as disjoint parts of one OR-Tools `SimpleMinCostFlow` built with
numpy: excess at a FW may move to a short FW (truck cost per unit on that lane), go back to the
CDC, or stay; a shortage may stay unmet at the SKU's shortage value. Lanes that cannot carry
the minimum transfer are left out; a flow still below it closes its lane and its SKU is
re-solved. Units: units of stock, RMB; node `n_fw` is the CDC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fwdnet.logistics.design.status import SolveStatus
from fwdnet.logistics.kernel.arrays import frozen_copy

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

COST_SCALE = 100  # RMB → fen: min-cost flow needs integer unit costs


def _ro(values: object, dtype: type, name: str, shape: tuple[int, ...]) -> NDArray[np.generic]:
    arr: NDArray[np.generic] = frozen_copy(values, dtype)
    if arr.shape != shape:
        raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")
    return arr


@dataclass(frozen=True)
class RebalanceProblem:
    """Stock and targets at the FWs for each SKU, and what moving or missing a unit costs."""

    on_hand: IntArray  # (f, k) units at each FW
    target: IntArray  # (f, k) units each FW should hold now
    truck_cost: FloatArray  # (f+1, f+1) RMB per truck trip between nodes; index f = CDC
    truck_capacity_units: int
    shortage_value: FloatArray  # (k,) RMB lost per unit short at a FW (margin of a lost sale)
    excess_cost: FloatArray  # (k,) RMB per unit of excess left at a FW (holding, markdown risk)
    min_transfer_units: int = 1
    return_to_cdc: bool = True
    # True: a FW → FW lane runs only if what it moves is worth its whole trucks (lost sales
    # avoided + excess cleared ≥ trucks × lane cost); lanes that do not pay are closed
    whole_trucks: bool = False
    lane_margin: float = 1.0  # with whole_trucks: value must reach margin × trucks' cost
    fw_labels: tuple[str, ...] = ()
    sku_labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        on_hand = np.asarray(self.on_hand)
        if on_hand.ndim != 2:
            raise ValueError("on_hand must be (fws, skus)")
        f, k = on_hand.shape
        object.__setattr__(self, "on_hand", _ro(self.on_hand, np.int64, "on_hand", (f, k)))
        object.__setattr__(self, "target", _ro(self.target, np.int64, "target", (f, k)))
        object.__setattr__(
            self, "truck_cost", _ro(self.truck_cost, np.float64, "truck_cost", (f + 1, f + 1))
        )
        for name in ("shortage_value", "excess_cost"):
            object.__setattr__(self, name, _ro(getattr(self, name), np.float64, name, (k,)))
        if self.truck_capacity_units < 1 or self.min_transfer_units < 1:
            raise ValueError("truck_capacity_units and min_transfer_units must be >= 1")
        if np.any(self.on_hand < 0) or np.any(self.target < 0):
            raise ValueError("on_hand and target must be >= 0")

    def fw_name(self, i: int) -> str:
        if i == self.on_hand.shape[0]:
            return "CDC"
        return self.fw_labels[i] if i < len(self.fw_labels) else f"FW{i}"

    def sku_name(self, k: int) -> str:
        return self.sku_labels[k] if k < len(self.sku_labels) else f"SKU{k}"


@dataclass(frozen=True)
class Transfer:
    """Move `units` of SKU `sku` from node `src` to node `dst` (index f = CDC)."""

    sku: int
    src: int
    dst: int
    units: int


@dataclass(frozen=True)
class RebalanceResult:
    """Transfers, trucks per lane and the cost picture before and after."""

    status: SolveStatus
    transfers: tuple[Transfer, ...]
    trucks: dict[tuple[int, int], int]  # (src, dst) → trucks needed for all SKUs on the lane
    transport_cost: float  # RMB, trucks × lane cost
    shortage_covered_units: int
    shortage_left_units: int
    objective: float  # RMB: per-unit transport + shortage left + excess left (the flow's cost)


def rebalance(problem: RebalanceProblem) -> RebalanceResult:
    """Min-cost flow per SKU (all SKUs in one graph of disjoint parts, built with numpy);
    lanes below the minimum transfer size are closed and their SKUs re-solved."""
    f, _ = problem.on_hand.shape
    cdc = f
    excess = np.maximum(problem.on_hand - problem.target, 0)
    short = np.maximum(problem.target - problem.on_hand, 0)
    ex_tot, sh_tot = excess.sum(axis=0), short.sum(axis=0)
    lanes = _candidate_lanes(excess, short, problem.min_transfer_units, problem.return_to_cdc)
    # a SKU without a lane keeps its excess and its shortage: no flow to solve
    active = np.zeros(excess.shape[1], dtype=bool)
    active[lanes[2]] = True
    objective = float(ex_tot[~active] @ problem.excess_cost[~active]
                      + sh_tot[~active] @ problem.shortage_value[~active])
    skus = np.flatnonzero(active)
    position = np.cumsum(active) - 1
    lanes = (lanes[0], lanes[1], position[lanes[2]])
    flow = np.zeros(len(lanes[0]), dtype=np.int64)
    cost = np.zeros(skus.size)
    is_open = np.ones(flow.size, dtype=bool)
    todo = np.ones(skus.size, dtype=bool)
    while todo.any():
        part = todo[lanes[2]]
        flow[part] = 0
        _solve_skus(problem, skus, todo, excess[:, skus], short[:, skus], lanes, is_open,
                    flow, cost)
        small = part & (flow > 0) & (flow < problem.min_transfer_units)
        is_open &= ~small
        todo = np.zeros(skus.size, dtype=bool)
        todo[lanes[2][small]] = True
    objective += float(cost.sum())
    moved = np.flatnonzero(flow > 0)
    moved = moved[np.lexsort((lanes[1][moved], lanes[0][moved], lanes[2][moved]))]
    transfers = [Transfer(sku=int(skus[lanes[2][a]]), src=int(lanes[0][a]),
                          dst=int(lanes[1][a]), units=int(flow[a])) for a in moved]
    covered = sum(t.units for t in transfers if t.dst != cdc)
    if problem.whole_trucks:
        transfers = _paying_lanes(problem, transfers)
        covered = sum(t.units for t in transfers if t.dst != cdc)
    load: dict[tuple[int, int], int] = {}
    for t in transfers:
        load[(t.src, t.dst)] = load.get((t.src, t.dst), 0) + t.units
    trucks = {ln: math.ceil(q / problem.truck_capacity_units) for ln, q in load.items()}
    transport = float(sum(n * problem.truck_cost[ln] for ln, n in trucks.items()))
    return RebalanceResult(
        status=SolveStatus.OPTIMAL,
        transfers=tuple(transfers),
        trucks=trucks,
        transport_cost=transport,
        shortage_covered_units=covered,
        shortage_left_units=int(short.sum()) - covered,
        objective=objective,
    )


def lane_value(problem: RebalanceProblem, transfers: list[Transfer]
               ) -> dict[tuple[int, int], float]:
    """RMB each lane's transfers are worth: per unit the lost sale avoided at the receiving FW
    plus the excess cleared at the sending one (to the CDC: the excess only)."""
    f = problem.on_hand.shape[0]
    out: dict[tuple[int, int], float] = {}
    for t in transfers:
        unit = float(problem.excess_cost[t.sku])
        if t.dst != f:
            unit += float(problem.shortage_value[t.sku])
        out[(t.src, t.dst)] = out.get((t.src, t.dst), 0.0) + unit * t.units
    return out


def _paying_lanes(problem: RebalanceProblem, transfers: list[Transfer]) -> list[Transfer]:
    """Drop, one at a time, the lane whose value falls furthest short of its trucks' cost,
    until every remaining lane pays for its whole trucks (a lane's SKUs share its trucks, so
    dropping one lane never changes another's value or cost)."""
    kept = list(transfers)
    while kept:
        value = lane_value(problem, kept)
        units: dict[tuple[int, int], int] = {}
        for t in kept:
            units[(t.src, t.dst)] = units.get((t.src, t.dst), 0) + t.units
        shortfall = {ln: problem.lane_margin * math.ceil(q / problem.truck_capacity_units)
                     * float(problem.truck_cost[ln]) - value[ln] for ln, q in units.items()}
        worst = max(sorted(shortfall), key=lambda ln: shortfall[ln])
        if shortfall[worst] <= 0:
            break
        kept = [t for t in kept if (t.src, t.dst) != worst]
    return kept


def hot_slow_targets(on_hand: FloatArray, on_order: FloatArray, daily_demand: FloatArray,
                     lead_days: FloatArray, review_days: float, slow_cover_days: float
                     ) -> tuple[IntArray, IntArray]:
    """(need, spare) per FW × SKU: what a hot FW lacks and what a slow one can give.

    Hot: stock on hand will not last until its next receipt lands: in `lead_days` (per FW)
    when an order is on the way, else on average half a review period later. A transfer lands
    the next day, so it needs the demand from then to the receipt that today's leftover stock
    cannot meet: ceil(rate × (days − 1) − max(on hand − rate, 0)). Slow: stock on hand
    covers more than `slow_cover_days` (at least its window) of its demand: it can give what
    lies above that cover (a SKU a FW does not sell at all is all spare), so a FW is never
    both. Units: units of stock, days.
    """
    rate = np.maximum(np.asarray(daily_demand, dtype=np.float64), 0.0)
    oh = np.maximum(np.asarray(on_hand, dtype=np.float64), 0.0)
    lead = np.asarray(lead_days, dtype=np.float64).reshape(-1, 1)
    window = lead + review_days
    gap = np.where(np.asarray(on_order) > 0, lead, lead + review_days / 2.0)
    after = np.maximum(gap - 1.0, 0.0)  # a transfer lands the next day
    need = np.maximum(np.ceil(rate * after - np.maximum(oh - rate, 0.0) - 1e-9), 0.0)
    keep = np.ceil(rate * np.maximum(window, slow_cover_days) - 1e-9)
    spare = np.where(oh > keep, np.floor(oh - keep), 0.0)
    return need.astype(np.int64), spare.astype(np.int64)


def _candidate_lanes(excess: IntArray, short: IntArray, min_units: int, return_to_cdc: bool
                     ) -> tuple[IntArray, IntArray, IntArray]:
    """(src, dst, SKU) of every lane a transfer may use: a FW with excess to another FW short
    of the SKU, and with `return_to_cdc` a FW with excess to the CDC (node f). A lane carries
    at most min(excess, shortage) units: lanes that cannot reach `min_units` are left out
    (the solver would only close them one round later)."""
    f = excess.shape[0]
    pair = np.minimum(excess[:, None, :], short[None, :, :]) >= min_units
    pair[np.arange(f), np.arange(f), :] = False
    src, dst, sku = (a.astype(np.int64) for a in np.nonzero(pair))
    if return_to_cdc:
        r_src, r_sku = (a.astype(np.int64) for a in np.nonzero(excess >= min_units))
        src = np.concatenate([src, r_src])
        dst = np.concatenate([dst, np.full(r_src.size, f, dtype=np.int64)])
        sku = np.concatenate([sku, r_sku])
    return src, dst, sku


def _solve_skus(problem: RebalanceProblem, skus: IntArray, todo: NDArray[np.bool_],
                excess: IntArray, short: IntArray, lanes: tuple[IntArray, IntArray, IntArray],
                is_open: NDArray[np.bool_], flow: IntArray, cost: FloatArray) -> None:
    """Solve the SKUs marked `todo` in one min-cost flow; write their lanes' `flow` and their
    `cost` (RMB). SKU part p has nodes FW 0..f-1, CDC f, KEEP (excess stays) f+1 and UNMET
    (shortage stays) f+2, at offset p × (f+3); parts share no arc, so each is solved alone."""
    from ortools.graph.python import min_cost_flow

    f = excess.shape[0]
    keep, unmet, width = f + 1, f + 2, f + 3
    sel = np.flatnonzero(todo)
    part = np.full(todo.size, -1, dtype=np.int64)
    part[sel] = np.arange(sel.size)
    ex, sh = excess[:, sel], short[:, sel]
    k = skus[sel]
    big = ex.sum(axis=0) + sh.sum(axis=0)
    base = np.arange(sel.size, dtype=np.int64) * width
    per_unit = problem.truck_cost / problem.truck_capacity_units
    ex_cost = np.rint(problem.excess_cost[k] * COST_SCALE).astype(np.int64)
    sh_cost = np.rint(problem.shortage_value[k] * COST_SCALE).astype(np.int64)

    use = np.flatnonzero(is_open & todo[lanes[2]])
    src, dst, p = lanes[0][use], lanes[1][use], part[lanes[2][use]]
    # back at the CDC the unit no longer carries the FW's excess cost: cost may be negative
    lane_cost = per_unit[src, dst] - np.where(dst == f, problem.excess_cost[k[p]], 0.0)
    tails, heads, caps, costs, owner = [base[p] + src], [base[p] + dst], [big[p]], \
        [np.rint(lane_cost * COST_SCALE).astype(np.int64)], [p]

    def arcs(pp: IntArray, tail: IntArray, head: IntArray, cap: IntArray, unit: IntArray
             ) -> None:
        tails.append(base[pp] + tail)
        heads.append(base[pp] + head)
        caps.append(cap)
        costs.append(unit)
        owner.append(pp)

    every = np.arange(sel.size, dtype=np.int64)
    zero = np.zeros(sel.size, dtype=np.int64)
    if problem.return_to_cdc:
        arcs(every, np.full_like(every, f), np.full_like(every, keep), big, zero)
    # UNMET's supply covers every shortage; what transfers cover instead drains to KEEP, whose
    # demand is then exactly the total excess (without this arc no transfer could ever happen).
    arcs(every, np.full_like(every, unmet), np.full_like(every, keep), big, zero)
    fi, pi = np.nonzero(ex > 0)
    arcs(pi, fi, np.full_like(fi, keep), ex[fi, pi], ex_cost[pi])
    fi, pi = np.nonzero(sh > 0)
    arcs(pi, np.full_like(fi, unmet), fi, sh[fi, pi], sh_cost[pi])

    supply = np.zeros((sel.size, width), dtype=np.int64)
    supply[:, :f] = (ex - sh).T
    supply[:, keep] = -ex.sum(axis=0)
    supply[:, unmet] = sh.sum(axis=0)
    mcf = min_cost_flow.SimpleMinCostFlow()
    unit = np.concatenate(costs)
    mcf.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), unit)
    mcf.set_nodes_supplies(np.arange(supply.size, dtype=np.int64), supply.reshape(-1))
    status = mcf.solve()
    if status != mcf.OPTIMAL:  # pragma: no cover - balanced by construction
        raise RuntimeError(f"min cost flow for {sel.size} SKUs ended with status {status}")
    all_flow = np.asarray(mcf.flows(np.arange(unit.size, dtype=np.int64)), dtype=np.int64)
    flow[use] = all_flow[:use.size]
    cost[sel] = np.bincount(np.concatenate(owner), weights=(all_flow * unit).astype(np.float64),
                            minlength=sel.size) / COST_SCALE
