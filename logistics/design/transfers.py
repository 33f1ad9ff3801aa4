"""Rebalancing transfers between FWs: hot in A, slow in B, priced by lost sales avoided.

Used by the replay's weekly review and by `fwdnet rebalance --stock`: given what every FW
holds and has on order and its demand rate, `rebalance.hot_slow_targets` finds the FWs that
will run out of a SKU before a replenishment can land (hot) and those holding weeks more than
they sell (slow), and a min-cost flow (`rebalance`) moves stock from slow to hot where the
lost sales avoided pay for the trucks, lane by lane (truck fixed cost + per km).
Units: units, RMB, km.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fwdnet.logistics.design.rebalance import (
    RebalanceProblem,
    Transfer,
    hot_slow_targets,
    lane_value,
    rebalance,
)
from fwdnet.logistics.network.model import FloatArray

SLOW_COVER_DAYS = 28.0  # a FW holding more than four weeks of its demand can spare the rest
# a lane's expected value must cover its trucks this many times: in the default scenario's
# replay about half the lost sales a transfer is expected to avoid are avoided (the rest were
# met by the next receipt anyway, or reappear at the sending FW)
LANE_MARGIN = 2.0


@dataclass(frozen=True)
class TransferPlan:
    """Transfers (indices into the nodes given), their trucks' cost and the value they carry."""

    transfers: tuple[Transfer, ...]
    cost: float  # RMB, whole trucks × lane cost
    value: float  # RMB, lost sales avoided + excess cleared
    lane_unit_cost: dict[tuple[int, int], float]

    def unit_cost(self, t: Transfer) -> float:
        return self.lane_unit_cost.get((t.src, t.dst), 0.0) * t.units


def lane_costs(km: FloatArray, truck_fixed_rmb: float, truck_rmb_per_km: float) -> FloatArray:
    """(f + 1, f + 1) RMB per truck trip between FWs (transport by distance); the last row and
    column (the CDC) are not used by FW → FW transfers."""
    f = km.shape[0]
    lane = np.zeros((f + 1, f + 1))
    lane[:f, :f] = truck_fixed_rmb + truck_rmb_per_km * km
    np.fill_diagonal(lane, 0.0)
    return lane


def plan_transfers(on_hand: FloatArray, on_order: FloatArray, daily_demand: FloatArray,
                   lead_days: FloatArray, review_days: float, km: FloatArray, truck_capacity: int,
                   truck_fixed_rmb: float, truck_rmb_per_km: float, lost_sale_value: FloatArray,
                   excess_cost: FloatArray, min_units: int,
                   slow_cover_days: float = SLOW_COVER_DAYS,
                   lane_margin: float = LANE_MARGIN) -> TransferPlan:
    """Transfers from slow FWs to hot ones (`hot_slow_targets`) whose lanes pay their trucks."""
    need, spare = hot_slow_targets(on_hand, on_order, daily_demand, lead_days, review_days,
                                   slow_cover_days)
    cand = np.flatnonzero((need > 0).any(axis=0) & (spare > 0).any(axis=0))
    if cand.size == 0:
        return TransferPlan((), 0.0, 0.0, {})
    oh = np.floor(np.maximum(on_hand[:, cand], 0.0)).astype(np.int64)
    target = oh + need[:, cand] - spare[:, cand]
    lane = lane_costs(km, truck_fixed_rmb, truck_rmb_per_km)
    problem = RebalanceProblem(
        on_hand=oh, target=target, truck_cost=lane, truck_capacity_units=truck_capacity,
        shortage_value=np.maximum(lost_sale_value[cand], 0.0), excess_cost=excess_cost[cand],
        min_transfer_units=max(1, min_units), return_to_cdc=False, whole_trucks=True,
        lane_margin=lane_margin)
    res = rebalance(problem)
    f = on_hand.shape[0]
    kept = [t for t in res.transfers if t.dst < f]
    value = sum(lane_value(problem, kept).values())
    moves = tuple(Transfer(int(cand[t.sku]), t.src, t.dst, t.units) for t in kept)
    load: dict[tuple[int, int], float] = {}
    for t in moves:
        load[(t.src, t.dst)] = load.get((t.src, t.dst), 0.0) + t.units
    per_unit = {ln: res.trucks.get(ln, 0) * lane[ln] / q for ln, q in load.items() if q > 0}
    return TransferPlan(moves, float(res.transport_cost), float(value), per_unit)
