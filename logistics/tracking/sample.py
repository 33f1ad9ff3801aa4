"""Keep a share of a feed's waybills, each with all its lines: smaller feeds on request.

Whether a waybill is kept depends only on (seed, waybill number), so the same seed keeps the
same waybills whatever the feed's order or length, and a sample of 0.1 is a subset of 0.2.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable


def keeps(seed: int, waybill_no: str, share: float) -> bool:
    """True when `waybill_no` is in the sample of `share` (0 < share <= 1) for `seed`."""
    digest = hashlib.blake2b(f"{seed}:{waybill_no}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") < share * 2.0**64


def waybill_sample(share: float, seed: int) -> Callable[[str], bool] | None:
    """Which waybill numbers the sample of `share` (0 < share <= 1) keeps for `seed`; None
    when it keeps every waybill."""
    if not 0.0 < share <= 1.0:
        raise ValueError(f"sample share must be in (0, 1], got {share}")
    if share >= 1.0:
        return None
    return lambda waybill_no: keeps(seed, waybill_no, share)
