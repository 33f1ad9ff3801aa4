"""Supplier contracts with a flexibility band, and the rule that revises open orders within it.

Units: units of stock, days, RMB. An order placed on day t for delivery on day t+L may be revised
until `cutoff_days` before delivery, each line within ±`flex_pct` of its original quantity (or
within [`band_min_units`, `band_max_units`]); `flex_pct = 0` with no unit band is a fixed contract.
Contracts are read from TOML at the boundary (`load_contracts`) with one-line `InputError`s.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.kernel.arrays import frozen_copy

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class LeadTime:
    """A discrete lead-time distribution in whole days: `days[i]` with probability `probs[i]`."""

    days: tuple[int, ...]
    probs: tuple[float, ...]

    @property
    def mean(self) -> float:
        return float(np.dot(self.days, self.probs))

    @property
    def min(self) -> int:
        return min(self.days)

    @property
    def max(self) -> int:
        return max(self.days)

    def quantile(self, u: npt.ArrayLike) -> IntArray:
        """Lead times by inverse CDF of uniforms in [0, 1): every contract replayed on the same
        uniforms sees the same luck (common random numbers)."""
        days = np.array(self.days, dtype=np.int64)
        idx = np.searchsorted(np.cumsum(self.probs), np.asarray(u), side="right")
        return np.asarray(days[np.minimum(idx, len(days) - 1)], dtype=np.int64)

    def sample(self, rng: np.random.Generator, n: int) -> IntArray:
        """`n` independent lead times drawn from the supplier's random stream."""
        return np.asarray(rng.choice(np.array(self.days, dtype=np.int64), size=n,
                                     p=np.array(self.probs)), dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Contract:
    """A supply agreement for some SKU categories (empty = all): lead time, lot rules, band, fees.

    `premium_rmb_per_unit` is paid on every unit delivered under a flexible contract (the price of
    the band); `revision_fee_rmb_per_unit` on every unit added or removed by a revision.
    """

    name: str
    lead_time: LeadTime
    categories: tuple[str, ...] = ()
    moq: float = 0.0  # minimum units per order line
    case_pack: float = 1.0  # units per case; lines are whole cases
    capacity_units: float = math.inf  # most units the supplier ships per order line
    flex_pct: float = 0.0  # ±share of the original line quantity a revision may move
    band_min_units: float | None = None  # absolute band per line instead of ±flex_pct
    band_max_units: float | None = None
    cutoff_days: int = 0  # last revision at least this many days before delivery
    premium_rmb_per_unit: float = 0.0
    revision_fee_rmb_per_unit: float = 0.0
    review_days: int = 7  # days between order placements

    @property
    def flexible(self) -> bool:
        return self.flex_pct > 0 or self.band_min_units is not None

    def band(self, base: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """(low, high) units each line with original quantity `base` may be revised to."""
        b = np.asarray(base, dtype=np.float64)
        if self.band_min_units is not None and self.band_max_units is not None:
            lo = np.full_like(b, self.band_min_units)
            hi = np.full_like(b, self.band_max_units)
        else:
            lo, hi = b * (1.0 - self.flex_pct), b * (1.0 + self.flex_pct)
        return np.asarray(lo), np.asarray(np.minimum(hi, self.capacity_units))

    def lot(self, qty: npt.ArrayLike) -> FloatArray:
        """Order lines made orderable: positive lines raised to the MOQ, then up to whole cases."""
        q = np.asarray(qty, dtype=np.float64)
        q = np.where((q > 0) & (q < self.moq), self.moq, q)
        c = max(self.case_pack, 1.0)
        q = np.where(q > 0, np.ceil(q / c - 1e-9) * c, 0.0)
        return np.asarray(np.minimum(q, self.capacity_units))


@dataclass(frozen=True)
class Revision:
    """What one revision review changed on one open order (summed over its SKU lines)."""

    day: int
    placed_day: int
    due_day: int
    units_up: float
    units_down: float
    lines: int  # SKU lines changed
    fee_rmb: float


@dataclass(frozen=True)
class RevisionResult:
    """Revised open-order quantities (orders × skus) and the change on each order."""

    qty: FloatArray
    changed_units: FloatArray  # (orders, skus) new − old
    fee_rmb: float


def _frozen(x: npt.ArrayLike) -> FloatArray:
    return frozen_copy(x, np.float64)


def revise_orders(
    contract: Contract,
    *,
    today: int,
    on_hand: npt.ArrayLike,
    open_qty: npt.ArrayLike,
    base_qty: npt.ArrayLike,
    due_days: Sequence[int],
    forecast: npt.ArrayLike,
    safety_stock: npt.ArrayLike,
    next_arrival: float | None = None,
) -> RevisionResult:
    """Revise open orders to the quantity the latest forecast and stock call for, within the band.

    Orders are taken in due order; before each arrival the on-hand is projected (lost sales: never
    below 0) from `on_hand`, earlier arrivals and `forecast` (units/day per SKU). A revisable order
    (due ≥ `cutoff_days` from today) is set to cover the forecast until the next arrival (the
    next open order's due day, else `next_arrival`, else `review_days` later) plus the safety
    stock, clipped to its band around `base_qty` and made a whole lot; others stay as they are.
    """
    q = np.array(open_qty, dtype=np.float64).reshape(len(due_days), -1)
    base = np.asarray(base_qty, dtype=np.float64).reshape(q.shape)
    f = np.asarray(forecast, dtype=np.float64)
    ss = np.asarray(safety_stock, dtype=np.float64)
    new = q.copy()
    stock = np.asarray(on_hand, dtype=np.float64).copy()
    t = today
    order = [int(j) for j in np.argsort(np.asarray(due_days, dtype=np.int64), kind="stable")]
    for pos, j in enumerate(order):
        due = int(due_days[j])
        stock = np.maximum(stock - f * max(due - t, 0), 0.0)
        t = max(due, t)
        if contract.flexible and due - today >= contract.cutoff_days:
            # a bug to avoid: covering only `review_days` after arrival when lead times vary
            # leaves the gap to a later-due next order uncovered
            if pos + 1 < len(order):
                until = float(due_days[order[pos + 1]])
            else:
                until = next_arrival if next_arrival is not None else due + contract.review_days
            lo, hi = contract.band(base[j])
            want = np.clip(f * max(until - due, 0.0) + ss - stock, lo, hi)
            lot = contract.lot(want)
            # a lot rounded up past the band's top is cut back to whole cases inside it
            c = max(contract.case_pack, 1.0)
            inside = np.floor(hi / c + 1e-9) * c
            lot = np.where(lot > hi + 1e-9, inside, lot)
            new[j] = np.where(np.abs(lot - q[j]) > 1e-9, lot, q[j])
        stock = stock + new[j]
    changed = new - q
    fee = float(np.abs(changed).sum() * contract.revision_fee_rmb_per_unit)
    return RevisionResult(qty=_frozen(new), changed_units=_frozen(changed), fee_rmb=fee)


# ---------------------------------------------------------------- loading (the boundary)


class _ContractIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    categories: list[str] = []
    lead_days: list[int] = Field(min_length=1)
    lead_probs: list[float] | None = None
    moq: float = 0.0
    case_pack: float = 1.0
    capacity_units: float = math.inf
    flex_pct: float = 0.0
    band_min_units: float | None = None
    band_max_units: float | None = None
    cutoff_days: int = 0
    premium_rmb_per_unit: float = 0.0
    revision_fee_rmb_per_unit: float = 0.0
    review_days: int = 7


def _check(c: _ContractIn, where: str) -> Contract:
    """Cross-field rules of a contract; the first broken one is reported naming its key."""
    def bad(key: str, msg: str) -> InputError:
        return InputError(f"{where} key '{key}': {msg}")

    if any(d < 1 for d in c.lead_days):
        raise bad("lead_days", f"expected whole days >= 1, got {c.lead_days}")
    probs = c.lead_probs or [1.0 / len(c.lead_days)] * len(c.lead_days)
    if len(probs) != len(c.lead_days) or any(p < 0 for p in probs) or abs(sum(probs) - 1) > 1e-6:
        raise bad("lead_probs", f"expected {len(c.lead_days)} probabilities >= 0 summing to 1, "
                                f"got {probs}")
    if c.flex_pct < 0:
        raise bad("flex_pct", f"band below zero ({c.flex_pct}); expected >= 0 (0 = fixed)")
    if c.flex_pct > 1:
        raise bad("flex_pct", f"expected a share in [0, 1] (0.3 = ±30%), got {c.flex_pct}")
    if (c.band_min_units is None) != (c.band_max_units is None):
        raise bad("band_min_units" if c.band_min_units is None else "band_max_units",
                  "give both band_min_units and band_max_units, or neither")
    if c.band_min_units is not None and c.band_max_units is not None:
        if c.band_min_units < 0:
            raise bad("band_min_units", f"band below zero ({c.band_min_units}); expected >= 0")
        if c.band_max_units < c.band_min_units:
            raise bad("band_max_units", f"{c.band_max_units} is below band_min_units "
                                        f"{c.band_min_units}")
        if c.flex_pct:
            raise bad("flex_pct", "give flex_pct or a unit band [band_min_units, "
                                  "band_max_units], not both")
    if c.cutoff_days < 0:
        raise bad("cutoff_days", f"cut-off after delivery ({c.cutoff_days} days before it); "
                                 "expected >= 0")
    if c.cutoff_days > max(c.lead_days):
        raise bad("cutoff_days", f"cut-off {c.cutoff_days} days before delivery is before any "
                                 f"order is placed (longest lead time {max(c.lead_days)} days)")
    if c.case_pack < 1:
        raise bad("case_pack", f"expected >= 1 unit per case, got {c.case_pack}")
    if c.capacity_units <= 0:
        raise bad("capacity_units", f"expected > 0, got {c.capacity_units}")
    if c.moq < 0:
        raise bad("moq", f"expected >= 0, got {c.moq}")
    if c.moq > c.capacity_units:
        raise bad("moq", f"MOQ {c.moq} is above the supplier capacity {c.capacity_units} units")
    if c.case_pack > c.capacity_units:
        raise bad("case_pack", f"case pack {c.case_pack} is above the capacity "
                               f"{c.capacity_units} units")
    for key in ("premium_rmb_per_unit", "revision_fee_rmb_per_unit"):
        if getattr(c, key) < 0:
            raise bad(key, f"expected >= 0 RMB, got {getattr(c, key)}")
    if c.review_days < 1:
        raise bad("review_days", f"expected >= 1, got {c.review_days}")
    return Contract(
        name=c.name, lead_time=LeadTime(tuple(c.lead_days), tuple(probs)),
        categories=tuple(c.categories), moq=c.moq, case_pack=c.case_pack,
        capacity_units=c.capacity_units, flex_pct=c.flex_pct, band_min_units=c.band_min_units,
        band_max_units=c.band_max_units, cutoff_days=c.cutoff_days,
        premium_rmb_per_unit=c.premium_rmb_per_unit,
        revision_fee_rmb_per_unit=c.revision_fee_rmb_per_unit, review_days=c.review_days,
    )


def contract_from_mapping(data: dict[str, Any], where: str = "contract") -> Contract:
    """One contract from a TOML-like mapping; errors name `where` and the key."""
    try:
        parsed = _ContractIn.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "?"
        raise InputError(f"{where} key '{key}': {err['msg']}") from None
    return _check(parsed, where)


def load_contracts(path: str | Path) -> tuple[Contract, ...]:
    """Contracts from a TOML file of `[[contract]]` tables (see docs/contracts.md)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("file not found", source=str(p))
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=str(p)) from None
    unknown = set(data) - {"contract"}
    if unknown:
        raise InputError(f"unknown table(s) {', '.join(sorted(unknown))}; expected [[contract]]",
                         source=str(p))
    rows = data.get("contract", [])
    if not isinstance(rows, list) or not rows:
        raise InputError("expected at least one [[contract]] table", source=str(p))
    out = tuple(contract_from_mapping(r, f"{p}: contract[{i}]") for i, r in enumerate(rows))
    names = [c.name for c in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"key 'name': duplicate contract name(s) {', '.join(dup)}",
                         source=str(p))
    return out


def contract_named(contracts: Sequence[Contract], name: str, source: str = "contracts") -> Contract:
    """The contract called `name` (InputError listing the known names otherwise)."""
    for c in contracts:
        if c.name == name:
            return c
    known = ", ".join(c.name for c in contracts)
    raise InputError(f"no contract named {name!r} (known: {known})", source=source)
