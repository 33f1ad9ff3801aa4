"""Replenishment policies as small frozen objects acting on inventory position.

Each policy works on scalars or on numpy arrays of any shape (e.g. FW × SKU) by broadcasting,
so the simulation can call `policy.order(state)` once per day for every site and SKU.
Guards the classic bug (stockpyl notes): ordering on on-hand stock instead of position.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.kernel.arrays import frozen_copy

FloatArray = npt.NDArray[np.float64]


def _frozen(values: npt.ArrayLike) -> FloatArray:
    return frozen_copy(values, np.float64)


@dataclass(frozen=True)
class InventoryState:
    """Stock of one or many site×SKU pairs (units); arrays broadcast against each other."""

    on_hand: FloatArray
    on_order: FloatArray
    backorders: FloatArray

    @classmethod
    def of(
        cls,
        on_hand: npt.ArrayLike,
        on_order: npt.ArrayLike = 0.0,
        backorders: npt.ArrayLike = 0.0,
    ) -> InventoryState:
        """Build a state from scalars or arrays; rejects negative stock figures."""
        oh, oo, bo = _frozen(on_hand), _frozen(on_order), _frozen(backorders)
        for name, arr in (("on_hand", oh), ("on_order", oo), ("backorders", bo)):
            if np.any(arr < 0) or np.any(~np.isfinite(arr)):
                raise ValueError(f"{name} must be finite and >= 0")
        return cls(oh, oo, bo)

    @property
    def position(self) -> FloatArray:
        """Inventory position = on hand + on order − backorders (the only input of a policy)."""
        return np.asarray(self.on_hand + self.on_order - self.backorders, dtype=np.float64)


class Policy(Protocol):
    """A replenishment rule: order quantity (units, ≥ 0) from the state at review `period`."""

    def order(self, state: InventoryState, period: int = 0) -> FloatArray: ...

    def order_up_to(self) -> FloatArray: ...


@dataclass(frozen=True)
class SS:
    """(s, S): when position ≤ s, order up to S; otherwise nothing. Continuous or daily review."""

    s: FloatArray
    S: FloatArray

    @classmethod
    def of(cls, s: npt.ArrayLike, S: npt.ArrayLike) -> SS:
        s_arr, big = _frozen(s), _frozen(S)
        if np.any(big < s_arr):
            raise ValueError("(s, S) needs S >= s")
        return cls(s_arr, big)

    def order(self, state: InventoryState, period: int = 0) -> FloatArray:
        position = state.position
        return np.where(position <= self.s, np.maximum(self.S - position, 0.0), 0.0)

    def order_up_to(self) -> FloatArray:
        return self.S


@dataclass(frozen=True)
class RS:
    """(R, S) order-up-to: every `review_period` periods (at `offset`), raise position to S."""

    review_period: int
    S: FloatArray
    offset: int = 0

    @classmethod
    def of(cls, review_period: int, S: npt.ArrayLike, offset: int = 0) -> RS:
        if review_period < 1:
            raise ValueError("review_period must be >= 1")
        return cls(review_period, _frozen(S), offset % review_period)

    def reviews(self, period: int) -> bool:
        """True when `period` is a review period."""
        return period % self.review_period == self.offset

    def order(self, state: InventoryState, period: int = 0) -> FloatArray:
        position = state.position
        if not self.reviews(period):
            return np.zeros(np.broadcast(position, self.S).shape)
        return np.maximum(self.S - position, 0.0)

    def order_up_to(self) -> FloatArray:
        return self.S


@dataclass(frozen=True)
class BaseStock:
    """Base stock S: every period replace what was sold, i.e. order S − position when below S."""

    S: FloatArray

    @classmethod
    def of(cls, S: npt.ArrayLike) -> BaseStock:
        return cls(_frozen(S))

    def order(self, state: InventoryState, period: int = 0) -> FloatArray:
        return np.maximum(self.S - state.position, 0.0)

    def order_up_to(self) -> FloatArray:
        return self.S
