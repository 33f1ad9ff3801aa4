"""Order constraints on FW × SKU arrays: case packs, MOQ, FW capacity, CDC allocation.

Arrays are shaped (fw, sku); per-SKU figures broadcast as (sku,), per-FW as (fw, 1). All
quantities in units. Inputs are never modified; every function returns new arrays.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class Allocation(StrEnum):
    """How scarce CDC stock is split between FWs."""

    FAIR_SHARE = "fair_share"  # equalise projected cover (periods of demand) across FWs
    PRIORITY = "priority"  # serve FWs in order of priority (e.g. service target), each in full


def _f(x: npt.ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def round_to_case_pack(qty: npt.ArrayLike, case_pack: npt.ArrayLike) -> FloatArray:
    """Round positive orders up to whole case packs (case_pack ≥ 1 units)."""
    q, c = _f(qty), np.maximum(_f(case_pack), 1.0)
    return np.asarray(np.where(q > 0, np.ceil(q / c - 1e-9) * c, 0.0))


def apply_moq(qty: npt.ArrayLike, moq: npt.ArrayLike) -> FloatArray:
    """Raise positive orders below the minimum order quantity to the MOQ."""
    q = _f(qty)
    return np.asarray(np.where((q > 0) & (q < _f(moq)), np.broadcast_to(_f(moq), q.shape), q))


def cap_to_capacity(
    qty: npt.ArrayLike,
    stock_after: npt.ArrayLike,
    capacity: npt.ArrayLike,
    case_pack: npt.ArrayLike = 1.0,
) -> FloatArray:
    """Scale each FW's orders down so on-hand + on-order + orders ≤ capacity (units per FW).

    `stock_after` is (fw, sku) stock already held or inbound; `capacity` is (fw,). Orders are
    cut proportionally and floored to case packs, so the cap is never exceeded.
    """
    q = _f(qty)
    held = np.maximum(_f(stock_after), 0.0).sum(axis=1)
    room = np.maximum(_f(capacity) - held, 0.0)
    want = q.sum(axis=1)
    scale = np.where(want > room, np.divide(room, want, out=np.zeros_like(want), where=want > 0), 1)
    c = np.maximum(_f(case_pack), 1.0)
    cut = np.floor(q * scale[:, None] / c + 1e-9) * c
    return np.asarray(np.where(scale[:, None] < 1.0, cut, q))


def allocate(
    requests: npt.ArrayLike,
    available: npt.ArrayLike,
    *,
    rule: Allocation = Allocation.FAIR_SHARE,
    position: npt.ArrayLike = 0.0,
    demand_rate: npt.ArrayLike = 1.0,
    priority: npt.ArrayLike | None = None,
) -> FloatArray:
    """Split CDC stock `available` (sku,) among FW `requests` (fw, sku) when it runs short.

    FAIR_SHARE finds, per SKU, the common cover c (periods) with Σ clip(c·d − IP, 0, request)
    = available, so every FW runs out at the same time (Silver–Pyke–Peterson); PRIORITY fills
    FWs in descending `priority` (fw,). SKUs with enough stock get their requests in full.
    Allocations are whole units and never exceed the request.
    """
    req = np.maximum(_f(requests), 0.0)
    avail = np.maximum(_f(available), 0.0)
    short = req.sum(axis=0) > avail
    if not np.any(short):
        return req.copy()
    if rule == Allocation.PRIORITY:
        pri = np.zeros(req.shape[0]) if priority is None else _f(priority)
        order = np.argsort(-pri, kind="stable")
        cum = np.cumsum(req[order], axis=0)
        given = np.clip(avail[None, :] - (cum - req[order]), 0.0, req[order])
        out = np.empty_like(req)
        out[order] = given
    else:
        ip = np.broadcast_to(_f(position), req.shape)
        d = np.maximum(np.broadcast_to(_f(demand_rate), req.shape), 1e-9)
        lo = np.min(ip / d, axis=0) - 1.0
        hi = np.max((ip + req) / d, axis=0) + 1.0
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            got = np.clip(mid[None, :] * d - ip, 0.0, req).sum(axis=0)
            over = got > avail
            hi = np.where(over, mid, hi)
            lo = np.where(over, lo, mid)
        out = np.floor(np.clip(lo[None, :] * d - ip, 0.0, req) + 1e-9)
    return np.asarray(np.where(short[None, :], np.floor(out + 1e-9), req))
