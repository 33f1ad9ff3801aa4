"""Read side of the event log: a waybill's trace, late waybills, all events in order.

Every function takes an Engine, Connection or Session and returns frozen objects; status is
derived on read (never stored), so it always reflects every event received so far.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Select, select
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.orm import Session

from fwdnet.logistics.tracking.model import Location, Party, StoredEvent, TrackingEvent, Waybill
from fwdnet.logistics.tracking.schema import EventType
from fwdnet.logistics.tracking.status import DerivedStatus, derive_status
from fwdnet.logistics.tracking.tables import events as ev_t
from fwdnet.logistics.tracking.tables import waybills as wb_t

Target = Engine | Connection | Session


@dataclass(frozen=True, slots=True)
class WaybillTrace:
    """Everything known about one waybill: registration (if any), events, derived status."""

    waybill_no: str
    waybill: Waybill | None
    events: tuple[StoredEvent, ...]
    status: DerivedStatus

    def to_json_dict(self) -> dict[str, Any]:
        """JSON form shared by `track show --json` and the HTTP API: the waybill (or null),
        the derived status, and the events by event time, each marked `corrected`."""
        corrected = {s.event.corrects for s in self.events if s.event.corrects}
        return {
            "waybill_no": self.waybill_no,
            "waybill": None if self.waybill is None else self.waybill.to_json_dict(),
            **self.status.to_json_dict(),
            "events": [dict(s.to_json_dict(), corrected=s.event.key in corrected)
                       for s in self.events],
        }


@dataclass(frozen=True, slots=True)
class WaybillChain:
    """A waybill and its ancestors through `parent_waybill_no`: the source's waybill first
    (e.g. the CDC → FW trunk drop), the asked one last. `missing_parent` names a parent the
    log does not hold (the chain stops there); `withheld` counts links the reader may not see.
    """

    waybill_no: str
    links: tuple[WaybillTrace, ...]
    missing_parent: str | None = None
    withheld: int = 0

    def to_json_dict(self) -> dict[str, Any]:
        """JSON form shared by `track show --chain --json` and the HTTP API."""
        return {"waybill_no": self.waybill_no,
                "chain": [t.to_json_dict() for t in self.links],
                "missing_parent": self.missing_parent, "withheld": self.withheld}


@dataclass(frozen=True, slots=True)
class WaybillSummary:
    """A registered waybill with its status and lateness at time `as_of` (UTC).

    `lateness_s`: seconds past the promise (delivery time, or `as_of` while undelivered);
    negative when still inside the promise.
    """

    waybill: Waybill
    status: DerivedStatus
    late: bool
    lateness_s: float
    as_of: datetime

    def to_json_dict(self) -> dict[str, Any]:
        """JSON form shared by `track late --json` and the HTTP API."""
        return {
            "waybill": self.waybill.to_json_dict(),
            **self.status.to_json_dict(),
            "late": self.late,
            "lateness_s": round(self.lateness_s, 3),
            "as_of": self.as_of.isoformat().replace("+00:00", "Z"),
        }


@contextmanager
def _conn(target: Target) -> Iterator[Connection]:
    if isinstance(target, Session):
        yield target.connection()
    elif isinstance(target, Connection):
        yield target
    else:
        with target.connect() as c:
            yield c


def _utc(t: datetime) -> datetime:
    """Stored times are UTC; SQLite hands them back naive."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _hex(key: str) -> str:
    """Keys are 32 hex digits; PostgreSQL's uuid type hands them back with dashes."""
    return key.replace("-", "")


def _event(m: RowMapping) -> StoredEvent:
    loc = None
    if any(m[c] is not None for c in ("loc_code", "loc_name", "lon", "lat")):
        loc = Location(m["loc_code"], m["loc_name"], m["lon"], m["lat"])
    t = _utc(m["event_time"])
    rec = _utc(m["recorded_at"])
    corrects = None if m["corrects"] is None else _hex(m["corrects"])
    ev = TrackingEvent(_hex(m["event_key"]), m["waybill_no"], EventType(m["event_type"]), t,
                       m["carrier"], loc, m["event_id"], m["details"], corrects)
    return StoredEvent(ev, rec)


def _waybill(m: RowMapping) -> Waybill:
    label: dict[str, Any] = json.loads(m["label"]) if m["label"] else {}

    def party(key: str) -> Party | None:
        p = label.get(key)
        return None if p is None else Party(p["name"], p.get("phone"), p.get("address"))

    promised = _utc(m["promised_at"])
    return Waybill(
        waybill_no=m["waybill_no"], order_ref=m["order_ref"], sender_site=m["sender_site"],
        receiver_site=m["receiver_site"], carrier=m["carrier"],
        service_level=m["service_level"], parcel_count=m["parcel_count"],
        weight_kg=m["weight_kg"], volume_m3=m["volume_m3"], promised_at=promised,
        region=m["region"], sender=party("sender"), receiver=party("receiver"),
        sort_code=label.get("sort_code"),
        created_at=None if m["created_at"] is None else _utc(m["created_at"]),
        parent_waybill_no=m["parent_waybill_no"],
    )


_EVENT_ORDER = (ev_t.c.waybill_no, ev_t.c.event_time, ev_t.c.event_key)


def get_waybill(target: Target, waybill_no: str) -> Waybill | None:
    """The registered waybill, or None if it was never registered."""
    with _conn(target) as c:
        m = c.execute(select(wb_t).where(wb_t.c.waybill_no == waybill_no)).mappings().first()
    return None if m is None else _waybill(m)


def events_of(target: Target, waybill_no: str) -> tuple[StoredEvent, ...]:
    """All stored events of one waybill, by event time (corrected ones included)."""
    q = select(ev_t).where(ev_t.c.waybill_no == waybill_no).order_by(*_EVENT_ORDER)
    with _conn(target) as c:
        return tuple(_event(m) for m in c.execute(q).mappings())


def get_trace(target: Target, waybill_no: str) -> WaybillTrace | None:
    """A waybill's registration, timeline and derived status; None if nothing is known."""
    with _conn(target) as c:
        wb = get_waybill(c, waybill_no)
        evs = events_of(c, waybill_no)
    if wb is None and not evs:
        return None
    return WaybillTrace(waybill_no, wb, evs, derive_status(e.event for e in evs))


MAX_CHAIN = 16  # links followed before a chain is cut (a loop of parents is cut at once)


def get_chain(target: Target, waybill_no: str) -> WaybillChain | None:
    """The waybill's trace and its ancestors', source first; None if nothing is known."""
    with _conn(target) as c:
        first = get_trace(c, waybill_no)
        if first is None:
            return None
        links = [first]
        seen = {waybill_no}
        missing = None
        parent = first.waybill.parent_waybill_no if first.waybill is not None else None
        while parent is not None and parent not in seen and len(links) < MAX_CHAIN:
            seen.add(parent)
            trace = get_trace(c, parent)
            if trace is None:
                missing = parent
                break
            links.append(trace)
            parent = trace.waybill.parent_waybill_no if trace.waybill is not None else None
    return WaybillChain(waybill_no, tuple(reversed(links)), missing)


def iter_events(
    target: Target, *, waybill_no: str | None = None, batch: int = 10_000
) -> Iterator[StoredEvent]:
    """Every stored event (or one waybill's), by waybill, event time and key; streamed."""
    q: Select[Any] = select(ev_t).order_by(*_EVENT_ORDER)
    if waybill_no is not None:
        q = q.where(ev_t.c.waybill_no == waybill_no)
    with _conn(target) as c:
        result = c.execution_options(stream_results=True, yield_per=batch).execute(q)
        for m in result.mappings():
            yield _event(m)


def count_events(target: Target) -> int:
    """How many events the log holds."""
    from sqlalchemy import func

    with _conn(target) as c:
        return int(c.execute(select(func.count()).select_from(ev_t)).scalar_one())


def is_late(waybill: Waybill, status: DerivedStatus, as_of: datetime) -> tuple[bool, float]:
    """Late = delivered after the promise, or not delivered (nor cancelled) past it."""
    if status.status is EventType.CANCELLED:
        return False, 0.0
    end = status.delivered_at if status.delivered_at is not None else as_of
    lateness = (end - waybill.promised_at).total_seconds()
    return lateness > 0, lateness


def list_waybills(
    target: Target,
    *,
    late: bool | None = None,
    region: str | None = None,
    as_of: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[WaybillSummary]:
    """Registered waybills (by promise time, then number) with status and lateness.

    `late=True` keeps only late ones, `late=False` only on-time ones; `region` filters.
    """
    now = (as_of or datetime.now(UTC)).astimezone(UTC)
    q: Select[Any] = select(wb_t).order_by(wb_t.c.promised_at, wb_t.c.waybill_no)
    if region is not None:
        q = q.where(wb_t.c.region == region)
    if late:
        q = q.where(wb_t.c.promised_at < now)
    out: list[WaybillSummary] = []
    skipped = 0
    with _conn(target) as c:
        rows = [_waybill(m) for m in c.execute(q).mappings()]
        for chunk in _chunked(rows, 1000):
            evs = _events_for(c, [w.waybill_no for w in chunk])
            for wb in chunk:
                st = derive_status(e.event for e in evs.get(wb.waybill_no, ()))
                is_l, lateness = is_late(wb, st, now)
                if late is not None and is_l != late:
                    continue
                if skipped < offset:
                    skipped += 1
                    continue
                out.append(WaybillSummary(wb, st, is_l, lateness, now))
                if limit is not None and len(out) >= limit:
                    return out
    return out


def late_waybills(
    target: Target, *, region: str | None = None, as_of: datetime | None = None
) -> list[WaybillSummary]:
    """Waybills past their promise at `as_of` (default now), oldest promise first."""
    return list_waybills(target, late=True, region=region, as_of=as_of)


def _events_for(c: Connection, numbers: Sequence[str]) -> dict[str, list[StoredEvent]]:
    q = select(ev_t).where(ev_t.c.waybill_no.in_(numbers)).order_by(*_EVENT_ORDER)
    out: dict[str, list[StoredEvent]] = {}
    for m in c.execute(q).mappings():
        out.setdefault(m["waybill_no"], []).append(_event(m))
    return out


def _chunked(xs: Sequence[Waybill], n: int) -> Iterator[Sequence[Waybill]]:
    for i in range(0, len(xs), n):
        yield xs[i:i + n]
