"""Rebalancing transfers between FWs: `logistics.design.rebalance` (min-cost flow) per review.

Only SKUs with a FW above its order-up-to level S *and* a FW below a quarter of S go to the
flow, so a weekly review over 2,000 SKUs stays cheap. Units: units of stock, RMB, km.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fwdnet.logistics.design.rebalance import RebalanceProblem, Transfer, rebalance
from fwdnet.logistics.network.model import FloatArray

SHORT_SHARE = 0.25  # a FW below this share of S is short


@dataclass(frozen=True)
class TransferPlan:
    """Transfers (indices into the nodes given) and their truck cost, RMB."""

    transfers: tuple[Transfer, ...]
    cost: float
    lane_unit_cost: dict[tuple[int, int], float]

    def unit_cost(self, t: Transfer) -> float:
        return self.lane_unit_cost.get((t.src, t.dst), 0.0) * t.units


def plan_transfers(on_hand: FloatArray, level: FloatArray, km: FloatArray, truck_capacity: int,
                   truck_fixed_rmb: float, truck_rmb_per_km: float, margin: FloatArray,
                   excess_cost: FloatArray, min_units: int) -> TransferPlan:
    """Transfers from FWs holding more than S to FWs under `SHORT_SHARE`·S, as a min-cost flow."""
    over = on_hand > level
    under = on_hand < SHORT_SHARE * level
    cand = np.flatnonzero(over.any(axis=0) & under.any(axis=0))
    if cand.size == 0:
        return TransferPlan((), 0.0, {})
    oh = np.floor(on_hand[:, cand]).astype(np.int64)
    target = np.where(over[:, cand], np.floor(level[:, cand]),
                      np.where(under[:, cand], np.ceil(SHORT_SHARE * level[:, cand]), oh))
    f = on_hand.shape[0]
    lane = np.zeros((f + 1, f + 1))
    lane[:f, :f] = truck_fixed_rmb + truck_rmb_per_km * km
    np.fill_diagonal(lane, 0.0)
    res = rebalance(RebalanceProblem(
        on_hand=oh, target=target.astype(np.int64), truck_cost=lane,
        truck_capacity_units=truck_capacity, shortage_value=np.maximum(margin[cand], 0.0),
        excess_cost=excess_cost[cand], min_transfer_units=max(1, min_units),
        return_to_cdc=False))
    moves = tuple(Transfer(int(cand[t.sku]), t.src, t.dst, t.units) for t in res.transfers
                  if t.dst < f)
    load: dict[tuple[int, int], float] = {}
    for t in moves:
        load[(t.src, t.dst)] = load.get((t.src, t.dst), 0.0) + t.units
    per_unit = {ln: res.trucks.get(ln, 0) * lane[ln] / q for ln, q in load.items() if q > 0}
    return TransferPlan(moves, float(res.transport_cost), per_unit)
