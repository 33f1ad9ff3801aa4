"""Keep a share of a feed's waybills, each with all its lines: smaller feeds on request.

Whether a waybill is kept depends only on (seed, waybill number), so the same seed keeps the
same waybills whatever the feed's order or length, and a sample of 0.1 is a subset of 0.2.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator

_WAYBILL_NO = re.compile(r'"waybill_no"\s*:\s*"((?:[^"\\]|\\.)*)"')


def keeps(seed: int, waybill_no: str, share: float) -> bool:
    """True when `waybill_no` is in the sample of `share` (0 < share <= 1) for `seed`."""
    digest = hashlib.blake2b(f"{seed}:{waybill_no}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") < share * 2.0**64


def sample_lines(lines: Iterable[str], share: float, seed: int) -> Iterator[str]:
    """The lines (waybill or event, JSONL) whose `waybill_no` is kept; every line when
    `share` is 1. A line without a waybill number is kept (the ingest then rejects it)."""
    if not 0.0 < share <= 1.0:
        raise ValueError(f"sample share must be in (0, 1], got {share}")
    if share >= 1.0:
        yield from lines
        return
    last, keep = "", True
    for line in lines:
        m = _WAYBILL_NO.search(line)
        if m is None:
            yield line
            continue
        no = m.group(1)
        if no != last:  # a waybill's lines come together: one hash per waybill
            last, keep = no, keeps(seed, no, share)
        if keep:
            yield line
