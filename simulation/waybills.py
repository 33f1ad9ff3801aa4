"""E-waybills of simulated shipments, in the feed form `logistics.tracking` ingests.

The replay's processes hand what moved to an event emitter: `WaybillEmitter` turns it into
waybills with tracking events (the tracking module's `EventType` vocabulary), `NoWaybills`
drops it. Events are kept as compact tuples during the replay and become JSONL lines
(docs/tracking.md §1) only when written. Times are simulation days, shown in China time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from json.encoder import encode_basestring as enc
from typing import Protocol

import numpy as np

from fwdnet.logistics.kernel.clock import CHINA_TZ
from fwdnet.logistics.network.model import FloatArray, IntArray
from fwdnet.logistics.tracking.schema import EventType
from fwdnet.logistics.tracking.status import LIFECYCLE

E = EventType
Event = tuple[EventType, float, str]  # type, time in days, location code


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
    parent: str | None = None  # the trunk waybill whose drop last filled the sender's stock


class WaybillLog:
    """Collects waybills and their events (type, time in days, location code) during a replay.

    Only events up to `as_of` (the end of the horizon) are kept: later ones have not happened.
    """

    def __init__(self, start: date, as_of: float) -> None:
        self.origin = datetime(start.year, start.month, start.day, tzinfo=CHINA_TZ)
        self.as_of = as_of
        self.rows: list[WaybillRow] = []
        self.events: list[tuple[int, EventType, float, str]] = []
        self._day_prefix: dict[int, str] = {}  # day → "YYYY-MM-DDT" for `iso`
        self._offset = self.origin.isoformat()[19:]  # "+08:00": China has no daylight saving

    def add(self, row: WaybillRow, events: list[Event]) -> None:
        i, as_of = len(self.rows), self.as_of
        self.rows.append(row)
        self.events += [(i, e, t, loc) for e, t, loc in events if t <= as_of]

    def time(self, t: float) -> datetime:
        return self.origin + timedelta(seconds=round(t * 86400.0))

    def iso(self, t: float) -> str:
        """`time(t).isoformat()`, formatted from the whole second (4× faster: the feed
        formats one per event)."""
        day, sec = divmod(round(t * 86400.0), 86400)
        prefix = self._day_prefix.get(day)
        if prefix is None:
            prefix = self._day_prefix[day] = (self.origin + timedelta(days=day)).isoformat()[:11]
        hour, sec = divmod(sec, 3600)
        minute, sec = divmod(sec, 60)
        return f"{prefix}{hour:02d}:{minute:02d}:{sec:02d}{self._offset}"

    def lines(self, keep: Callable[[str], bool] | None = None) -> Iterator[str]:
        """JSONL: each waybill line followed by its events, in waybill then time order; with
        `keep`, only the waybills whose number it keeps (each with all its events).

        `add` appends a waybill's events right after it, so one pass over `events` finds them
        (no per-waybill index: at 1,000 stores it would hold ~150 MB while writing)."""
        events = iter(self.events)
        pending = next(events, None)
        # Event lines are joined from JSON-encoded parts, 4× faster than dumps() per event and
        # the same bytes (dumps' own string encoder, keys in the same order).
        kinds = {e: f',"event_type":{enc(e.value)},"event_time":' for e in EventType}
        places: dict[str, str] = {}
        for i, r in enumerate(self.rows):
            if keep is not None and not keep(r.waybill_no):
                while pending is not None and pending[0] == i:
                    pending = next(events, None)
                continue
            no = enc(r.waybill_no)
            # dumps() of the waybill's dict, key for key, from encoded parts (3× faster)
            yield (f'{{"kind":"waybill","waybill_no":{no},"order_ref":{enc("SIM-" + r.waybill_no)}'
                   f',"sender_site":{enc(r.sender)},"receiver_site":{enc(r.receiver)}'
                   f',"carrier":{enc(r.carrier)},"service_level":{enc(r.service_level)}'
                   f',"parcels":{{"count":{max(1, math.ceil(r.units))}'
                   f',"weight_kg":{round(float(r.weight_kg), 3)!r}'
                   f',"volume_m3":{round(float(r.volume_m3), 4)!r}}}'
                   f',"promised_at":{enc(self.iso(r.promised))},"region":{enc(r.region)}'
                   f',"created_at":{enc(self.iso(r.created))}'
                   + ("}" if r.parent is None else f',"parent_waybill_no":{enc(r.parent)}}}'))
            head = '{"waybill_no":' + no
            carrier = f',"carrier":{enc(r.carrier)},"location":{{"code":'
            while pending is not None and pending[0] == i:
                _, e, t, loc = pending
                place = places.get(loc)
                if place is None:
                    place = places[loc] = enc(loc) + "}}"
                yield head + kinds[e] + enc(self.iso(t)) + carrier + place
                pending = next(events, None)
        if pending is not None:  # an event out of waybill order would be lost: never silently
            raise AssertionError(f"waybill events out of order at waybill {pending[0]}")

    def status(self) -> list[tuple[EventType | None, float | None]]:
        """Per waybill: the last event type as of the horizon end and the delivery time."""
        last: list[tuple[EventType | None, float]] = [(None, -1.0)] * len(self.rows)
        delivered: list[float | None] = [None] * len(self.rows)
        order = {e: k for k, e in enumerate(LIFECYCLE)}
        for i, e, t, _ in self.events:
            cur = last[i]
            rank = -1 if cur[0] is None else order[cur[0]]
            if (t, order[e]) >= (cur[1], rank):
                last[i] = (e, t)
            if e == E.DELIVERED:
                delivered[i] = t
        return [(e, d) for (e, _), d in zip(last, delivered, strict=True)]

    def late(self) -> list[bool]:
        """Delivered after the promise, or still undelivered at the horizon end past it."""
        return [(d is not None and d > r.promised) or (d is None and self.as_of > r.promised)
                for r, (_, d) in zip(self.rows, self.status(), strict=True)]


@dataclass(frozen=True)
class StoreLegs:
    """Today's store deliveries, per drawn store (arrays in draw order): what the emitter needs."""

    day: int
    store: IntArray  # original store index
    node: IntArray  # serving node
    units: FloatArray
    kg: FloatArray
    leave: FloatArray  # day + fraction the van / carrier leaves
    arrive: FloatArray
    third_party: np.ndarray  # bool: parcel carrier from the CDC
    promised: FloatArray
    exception: np.ndarray  # bool per original store index: carrier exception today
    # per node: the trunk waybill of its latest stock receipt (None: none yet, or the CDC)
    node_parent: tuple[str | None, ...] = ()


class Emitter(Protocol):
    """Where the replay's shipments go: waybills, or nowhere."""

    log: WaybillLog | None

    def number(self, prefix: str) -> str: ...

    def trunk(self, row: WaybillRow, events: list[Event]) -> None: ...

    def stores(self, legs: StoreLegs, node_ids: tuple[str, ...], store_ids: tuple[str, ...],
               store_region: tuple[str, ...], volume_per_unit: float) -> None: ...


class NoWaybills:
    """Drops every shipment (replications that only need KPIs)."""

    log: WaybillLog | None = None

    def number(self, prefix: str) -> str:
        return ""

    def trunk(self, row: WaybillRow, events: list[Event]) -> None:
        return None

    def stores(self, legs: StoreLegs, node_ids: tuple[str, ...], store_ids: tuple[str, ...],
               store_region: tuple[str, ...], volume_per_unit: float) -> None:
        return None


class WaybillEmitter:
    """One waybill per trunk drop and per store delivery, with its tracking events."""

    def __init__(self, start: date, days: float) -> None:
        self.log: WaybillLog | None = WaybillLog(start, days)
        self.seq = 0

    def number(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}{self.seq:08d}"

    def trunk(self, row: WaybillRow, events: list[Event]) -> None:
        assert self.log is not None
        self.log.add(row, events)

    def stores(self, legs: StoreLegs, node_ids: tuple[str, ...], store_ids: tuple[str, ...],
               store_region: tuple[str, ...], volume_per_unit: float) -> None:
        """Own vans: created → picked up → out for delivery → delivered; parcels from the
        CDC also pass the carrier's hub (and may raise an exception there)."""
        assert self.log is not None
        order_t = legs.day + 0.5
        sel = np.flatnonzero(legs.units > 0.5)
        exception = legs.exception.tolist()
        parents = legs.node_parent
        add, number = self.log.add, self.number
        # python scalars (`tolist`) instead of numpy ones: this loop runs once per waybill
        for s, n, leave, arrive, third_party, units, kg, promised in zip(
                legs.store[sel].tolist(), legs.node[sel].tolist(), legs.leave[sel].tolist(),
                legs.arrive[sel].tolist(), legs.third_party[sel].tolist(),
                legs.units[sel].tolist(), legs.kg[sel].tolist(), legs.promised[sel].tolist(),
                strict=True):
            src, dst = node_ids[n], store_ids[s]
            ev: list[Event]
            if third_party:
                carrier, svc = "3pl-express", "standard"
                mid = (leave + arrive) / 2
                ev = [(E.CREATED, order_t, src), (E.PICKED_UP, leave, src),
                      (E.IN_TRANSIT, leave + 0.001, src),
                      (E.ARRIVED_AT_HUB, max(mid, leave + 0.002), "HUB-3PL")]
                if exception[s]:
                    ev.append((E.EXCEPTION, mid + 0.01, "HUB-3PL"))
                ofd = max(arrive - 0.05, mid + 0.02)
                ev += [(E.OUT_FOR_DELIVERY, ofd, "HUB-3PL"),
                       (E.DELIVERED, max(arrive, ofd + 0.001), dst)]
            else:
                carrier, svc = "own-fleet", "scheduled"
                ev = [(E.CREATED, order_t, src), (E.PICKED_UP, leave, src),
                      (E.OUT_FOR_DELIVERY, leave + 1e-3, src), (E.DELIVERED, arrive, dst)]
            parent = parents[n] if n < len(parents) else None
            row = WaybillRow(number("ST"), carrier, src, dst, store_region[s], svc, units,
                             kg, units * volume_per_unit, order_t, promised, parent)
            add(row, ev)
