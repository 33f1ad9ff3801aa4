"""Stock targets of a design: (R, S) order-up-to levels per stocking node, SKU and ISO week.

The design's assignment fixes which stores each node serves; their expected daily demand by
ISO week (from the sales history) gives S = μ(L+R) + z·σ√(L+R) with σ = overdispersion·√μ
(`logistics.inventory.safety.order_up_to_level`). Units: units of stock, days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.inventory.safety import order_up_to_level
from fwdnet.logistics.kernel.arrays import frozen
from fwdnet.logistics.network.history import node_daily_mean_by_week
from fwdnet.logistics.network.model import FloatArray, IntArray, Scenario

DEMAND_OVERDISPERSION = 1.5  # daily σ ≈ 1.5·√μ
CDC_STOCK_LEAD_DAYS = 1  # the CDC's own store stock is refilled from its warehouse overnight


@dataclass(frozen=True)
class StockTargets:
    """Read-only order-up-to levels of every stocking node."""

    daily_mean_by_week: FloatArray  # (53, nodes, skus) expected units/day by ISO week − 1
    order_up_to_by_week: FloatArray  # (53, nodes, skus) S of the week an order lands in
    lead_days: IntArray  # (nodes,) CDC → node lead time the levels protect
    review_days: int


def stock_targets(scn: Scenario, store_node: IntArray, node_ids: tuple[str, ...],
                  held: npt.NDArray[np.bool_] | None = None) -> StockTargets:
    """Weekly (R, S) levels for the nodes serving `store_node`'s stores (node index per store).

    With `held` (nodes, skus), a node plans only the SKUs it holds; the demand for the others
    is planned at the CDC node, which serves it (the placement's spill, as the replay does).
    """
    p = scn.policy
    cdc = scn.network.cdc.id
    weekly = node_daily_mean_by_week(scn, scn.network.stores, store_node, len(node_ids))
    if held is not None:
        spill = (weekly * ~held[None]).sum(axis=1)
        weekly = weekly * held[None]
        weekly[:, node_ids.index(cdc)] += spill
    lead = np.array([CDC_STOCK_LEAD_DAYS if nid == cdc else p.cdc_fw_lead_days
                     for nid in node_ids], dtype=np.int64)
    sigma = DEMAND_OVERDISPERSION * np.sqrt(weekly)
    level, _ = order_up_to_level(weekly, sigma, lead[None, :, None], p.review_days,
                                 p.service_level)
    return StockTargets(frozen(weekly), frozen(np.ceil(level)), frozen(lead), p.review_days)
