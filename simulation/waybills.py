"""E-waybills of simulated shipments, in the feed form `logistics.tracking` ingests.

Events are kept as compact tuples while the replay runs and turned into JSONL lines
(docs/tracking.md §1) only when written. Times are simulation days, shown in UTC+8.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

CHINA = timezone(timedelta(hours=8))
LIFECYCLE = ("created", "picked_up", "in_transit", "arrived_at_hub", "departed_hub",
             "out_for_delivery", "exception", "delivered")


@dataclass(frozen=True, slots=True)
class WaybillRow:
    """One waybill: who ships how much to whom, promised when (simulation days)."""

    waybill_no: str
    carrier: str
    sender: str
    receiver: str
    region: str
    service_level: str
    units: float
    weight_kg: float
    volume_m3: float
    created: float
    promised: float


class WaybillLog:
    """Collects waybills and their events (type, time in days, location code) during a replay.

    Only events up to `as_of` (the end of the horizon) are kept: later ones have not happened.
    """

    def __init__(self, start: date, as_of: float) -> None:
        self.origin = datetime(start.year, start.month, start.day, tzinfo=CHINA)
        self.as_of = as_of
        self.rows: list[WaybillRow] = []
        self.events: list[tuple[int, str, float, str]] = []

    def add(self, row: WaybillRow, events: list[tuple[str, float, str]]) -> None:
        i = len(self.rows)
        self.rows.append(row)
        self.events.extend((i, e, t, loc) for e, t, loc in events if t <= self.as_of)

    def time(self, t: float) -> datetime:
        return self.origin + timedelta(seconds=round(t * 86400.0))

    def iso(self, t: float) -> str:
        return self.time(t).isoformat()

    def lines(self) -> list[str]:
        """JSONL: each waybill line followed by its events, in waybill then time order."""
        by_wb: dict[int, list[tuple[str, float, str]]] = {}
        for i, e, t, loc in self.events:
            by_wb.setdefault(i, []).append((e, t, loc))
        out: list[str] = []
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        for i, r in enumerate(self.rows):
            out.append(dumps({
                "kind": "waybill", "waybill_no": r.waybill_no, "order_ref": f"SIM-{r.waybill_no}",
                "sender_site": r.sender, "receiver_site": r.receiver, "carrier": r.carrier,
                "service_level": r.service_level,
                "parcels": {"count": max(1, int(np.ceil(r.units))),
                            "weight_kg": round(r.weight_kg, 3), "volume_m3": round(r.volume_m3, 4)},
                "promised_at": self.iso(r.promised), "region": r.region,
                "created_at": self.iso(r.created)}))
            for e, t, loc in by_wb.get(i, []):
                out.append(dumps({"waybill_no": r.waybill_no, "event_type": e,
                                  "event_time": self.iso(t), "carrier": r.carrier,
                                  "location": {"code": loc}}))
        return out

    def status(self) -> list[tuple[str, float | None]]:
        """Per waybill: the last event type as of the horizon end and the delivery time."""
        last: list[tuple[str, float]] = [("", -1.0)] * len(self.rows)
        delivered: list[float | None] = [None] * len(self.rows)
        order = {e: k for k, e in enumerate(LIFECYCLE)}
        for i, e, t, _ in self.events:
            cur = last[i]
            if (t, order[e]) >= (cur[1], order.get(cur[0], -1)):
                last[i] = (e, t)
            if e == "delivered":
                delivered[i] = t
        return [(e, d) for (e, _), d in zip(last, delivered, strict=True)]

    def late(self) -> list[bool]:
        """Delivered after the promise, or still undelivered at the horizon end past it."""
        return [(d is not None and d > r.promised) or (d is None and self.as_of > r.promised)
                for r, (_, d) in zip(self.rows, self.status(), strict=True)]


def write_jsonl_atomic(path: Path, lines: list[str]) -> None:
    """Temp file in the same folder, then rename: an interrupted run leaves no partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600: give the usual permissions
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for line in lines:
                fh.write(line)
                fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
