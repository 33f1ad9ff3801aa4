"""Order suggestions per FW × SKU: policy on inventory position, then the constraints.

The policy gives the unconstrained quantity; MOQ, case packs, CDC allocation and FW capacity
are applied in that order, each recorded as a reason flag so a planner can read why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntFlag
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.inventory.constraints import (
    Allocation,
    allocate,
    apply_moq,
    cap_to_capacity,
    round_to_case_pack,
)
from fwdnet.logistics.inventory.policies import InventoryState, Policy, _frozen

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.float64]


class Reason(IntFlag):
    """Why an order line has the quantity it has (bit flags, combinable)."""

    NONE = 0
    POLICY = 1  # the policy asked for stock (position below s / below S at a review)
    MOQ = 2  # raised to the minimum order quantity
    CASE_PACK = 4  # rounded up to whole case packs
    CDC_SHORT = 8  # cut because the CDC had too little stock
    CAPACITY = 16  # cut to fit the FW capacity
    NO_DEMAND = 32  # no forecast demand: nothing to cover


@dataclass(frozen=True)
class OrderPlan:
    """Suggested orders (units) with the figures behind them; all arrays (fw, sku), read-only."""

    state: InventoryState
    order_up_to: FloatArray
    requested: FloatArray  # what the policy alone asked for
    order: FloatArray  # after MOQ, case packs, CDC allocation and FW capacity
    demand_rate: FloatArray  # forecast units per period
    reason: npt.NDArray[np.int64]

    @property
    def cover(self) -> FloatArray:
        """Projected cover in periods: (position + order) / forecast demand per period."""
        stock = self.state.position + self.order
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(np.where(self.demand_rate > 0, stock / self.demand_rate, np.inf))


def plan_orders(
    policy: Policy,
    state: InventoryState,
    demand_rate: npt.ArrayLike,
    *,
    period: int = 0,
    case_pack: npt.ArrayLike = 1.0,
    moq: npt.ArrayLike = 0.0,
    capacity: npt.ArrayLike | None = None,
    cdc_available: npt.ArrayLike | None = None,
    allocation: Allocation = Allocation.FAIR_SHARE,
    priority: npt.ArrayLike | None = None,
) -> OrderPlan:
    """Orders for every FW × SKU at review `period` (vectorised; nothing is written in place).

    `capacity` is units per FW (fw,), `cdc_available` units per SKU (sku,), `priority` (fw,)
    ranks FWs when allocation is PRIORITY (higher first).
    """
    rate = np.asarray(demand_rate, dtype=np.float64)
    position = state.position
    shape = np.broadcast(position, rate, policy.order_up_to()).shape
    # orders are whole units: round the policy's quantity up before the constraints
    requested = np.ceil(np.broadcast_to(policy.order(state, period), shape) - 1e-9)
    reason = np.where(requested > 0, int(Reason.POLICY), 0).astype(np.int64)
    reason |= np.where(np.broadcast_to(rate, shape) <= 0, int(Reason.NO_DEMAND), 0)

    q = apply_moq(requested, moq)
    reason |= np.where(q > requested, int(Reason.MOQ), 0)
    before = q
    q = round_to_case_pack(q, case_pack)
    reason |= np.where(q > before, int(Reason.CASE_PACK), 0)

    if cdc_available is not None:
        before = q
        q = allocate(
            q,
            cdc_available,
            rule=allocation,
            position=np.broadcast_to(position, shape),
            demand_rate=np.broadcast_to(rate, shape),
            priority=priority,
        )
        c = np.maximum(np.asarray(case_pack, dtype=np.float64), 1.0)
        q = np.where(q < before, np.floor(q / c + 1e-9) * c, q)
        reason |= np.where(q < before, int(Reason.CDC_SHORT), 0)
    if capacity is not None:
        before = q
        held = np.broadcast_to(state.on_hand + state.on_order, shape)
        q = cap_to_capacity(q, held, capacity, case_pack)
        reason |= np.where(q < before, int(Reason.CAPACITY), 0)
    return OrderPlan(
        state=state,
        order_up_to=_frozen(np.broadcast_to(policy.order_up_to(), shape)),
        requested=_frozen(requested),
        order=_frozen(q),
        demand_rate=_frozen(np.broadcast_to(rate, shape)),
        reason=np.asarray(reason),
    )


_TEXT = {
    Reason.POLICY: "position below target",
    Reason.MOQ: "raised to MOQ",
    Reason.CASE_PACK: "rounded up to case pack",
    Reason.CDC_SHORT: "cut: CDC short",
    Reason.CAPACITY: "cut: FW capacity",
    Reason.NO_DEMAND: "no forecast demand",
}


def reason_text(flags: int) -> str:
    """Planner-readable reason for a flag combination, e.g. 'position below target; …'."""
    parts = [text for flag, text in _TEXT.items() if flags & flag]
    return "; ".join(parts) if parts else "position covers target: no order"


def suggestion_table(
    plan: OrderPlan,
    fw_ids: Sequence[str],
    sku_ids: Sequence[str],
    *,
    period_unit: str = "weeks",
) -> pd.DataFrame:
    """One row per FW × SKU: stock figures, order-up-to level, order qty, cover and reason."""
    import pandas as pd

    shape = plan.order.shape
    fw = np.repeat(np.asarray(fw_ids, dtype=object), shape[1])
    sku = np.tile(np.asarray(sku_ids, dtype=object), shape[0])

    def flat(a: npt.ArrayLike) -> FloatArray:
        return np.broadcast_to(np.asarray(a, dtype=np.float64), shape).ravel()

    return pd.DataFrame(
        {
            "fw": fw,
            "sku": sku,
            "on_hand": flat(plan.state.on_hand),
            "on_order": flat(plan.state.on_order),
            "backorders": flat(plan.state.backorders),
            "position": flat(plan.state.position),
            "demand_per_period": np.round(flat(plan.demand_rate), 3),
            "order_up_to": np.round(flat(plan.order_up_to), 1),
            "order_qty": flat(plan.order),
            f"cover_{period_unit}": np.round(flat(plan.cover), 2),
            "reason": reason_column(plan.reason.ravel()),
        }
    )


def reason_column(flags: npt.ArrayLike) -> pd.Categorical:
    """Reason texts for many flags at once: each distinct combination is spelled once."""
    import pandas as pd

    codes, inverse = np.unique(np.asarray(flags, dtype=np.int64), return_inverse=True)
    texts = [reason_text(int(c)) for c in codes]
    # distinct flag sets can share a text only if they are equal, so categories are unique
    return pd.Categorical.from_codes(inverse.ravel(), categories=texts)
