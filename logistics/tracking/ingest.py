"""At-least-once safe ingest: every event stored exactly once, whatever arrives twice.

`ingest_events` takes validated events (API, simulation); `ingest_lines` takes raw JSONL
(feeds), rejecting bad lines with their number and reason while good lines still go in.
With an Engine each batch is its own committed transaction (a crash loses at most the open
batch, and a re-run skips what is stored); with a Connection or Session the caller commits.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from logistics.tracking.model import IngestCounts, Reject, TrackingEvent, Waybill
from logistics.tracking.schema import EventIn, EventType, WaybillIn
from logistics.tracking.store import Row, store_for
from logistics.tracking.tables import waybills as waybills_table

Target = Engine | Connection | Session
DEFAULT_BATCH = 20_000
_T = TypeVar("_T")
_ANY_RECORD: TypeAdapter[EventIn | WaybillIn] = TypeAdapter(EventIn | WaybillIn)
_TYPES = ", ".join(t.value for t in EventType)


@dataclass(frozen=True, slots=True)
class _Item:
    """One parsed input: its position (1-based) and the event or waybill it holds."""

    line: int
    record: TrackingEvent | Waybill
    text: str | None = None


def event_row(ev: TrackingEvent, fmt: Callable[[datetime], Any]) -> Row:
    """The stored columns of an event (order: tables.EVENT_COLUMNS)."""
    loc = ev.location
    return (
        ev.key, ev.waybill_no, ev.event_type.value, fmt(ev.event_time), ev.carrier, ev.event_id,
        None if loc is None else loc.code, None if loc is None else loc.name,
        None if loc is None else loc.lon, None if loc is None else loc.lat,
        ev.details_json, ev.corrects,
    )


def waybill_row(wb: Waybill, fmt: Callable[[datetime], Any]) -> Row:
    """The stored columns of a waybill (order: tables.WAYBILL_COLUMNS)."""
    d = wb.to_json_dict()
    label = {k: d[k] for k in ("sender", "receiver", "sort_code") if k in d}
    return (
        wb.waybill_no, wb.order_ref, wb.sender_site, wb.receiver_site, wb.carrier,
        wb.service_level, wb.parcel_count, wb.weight_kg, wb.volume_m3, fmt(wb.promised_at),
        wb.region, json.dumps(label, ensure_ascii=False) if label else None,
        None if wb.created_at is None else fmt(wb.created_at),
    )


def parse_line(text: str | bytes) -> TrackingEvent | Waybill:
    """Validate one JSONL line into an event (default) or a waybill (`"kind": "waybill"`).

    Raises ValueError with a one-line reason (invalid JSON, unknown type, time without zone…).
    """
    try:
        if ('"kind"' in text) if isinstance(text, str) else (b'"kind"' in text):
            rec = _ANY_RECORD.validate_json(text)
        else:
            rec = EventIn.model_validate_json(text)
    except ValidationError as exc:
        raise ValueError(_reason(exc)) from None
    if isinstance(rec, WaybillIn):
        return Waybill.from_input(rec)
    return TrackingEvent.from_input(rec)


def _str(text: str | bytes) -> str:
    return text if isinstance(text, str) else text.decode("utf-8", "replace")


def _reason(exc: ValidationError) -> str:
    """A short, specific reason from pydantic's first error."""
    errs = exc.errors(include_url=False)
    err = errs[0]
    kind = err["type"]
    if kind == "json_invalid":
        return f"invalid JSON: {err['ctx'].get('error', err['msg'])}" if "ctx" in err \
            else "invalid JSON"
    if kind in ("model_type", "model_attributes_type") or (
        kind == "union_tag_invalid" or (not err["loc"] and kind.endswith("_type"))
    ):
        return "expected a JSON object"
    # For the EventIn|WaybillIn union, report the member the line's "kind" selects.
    loc = tuple(str(p) for p in err["loc"])
    if loc and loc[0] in ("EventIn", "WaybillIn"):
        loc = loc[1:]
    field = ".".join(loc) or "line"
    if kind == "enum" and field == "event_type":
        return f"event_type: unknown type {err['input']!r} (expected one of {_TYPES})"
    if kind == "timezone_aware":
        return f"{field}: time zone missing in {err['input']!r} (ISO 8601 with offset or Z)"
    if kind == "missing":
        return f"{field}: required field missing"
    if kind == "extra_forbidden":
        return f"{field}: unknown field"
    return f"{field}: {err['msg']}"


def ingest_events(
    target: Target,
    events: Iterable[EventIn | TrackingEvent | WaybillIn | Waybill],
    *,
    strict: bool = False,
    batch_size: int = DEFAULT_BATCH,
) -> IngestCounts:
    """Store validated events (and waybills) exactly once; returns the counts.

    `strict` rejects events whose waybill is not registered (rejects carry the 1-based
    position of the item). Waybills in the same batch are stored before its events.
    """
    def items() -> Iterable[_Item]:
        for i, e in enumerate(events, start=1):
            if isinstance(e, EventIn):
                yield _Item(i, TrackingEvent.from_input(e))
            elif isinstance(e, WaybillIn):
                yield _Item(i, Waybill.from_input(e))
            else:
                yield _Item(i, e)

    counts = IngestCounts()
    for chunk in _chunks(items(), batch_size):
        counts = counts + _run(target, partial(_write, items=chunk, strict=strict))
    return counts


def ingest_lines(
    target: Target,
    lines: Iterable[str | bytes],
    *,
    strict: bool = False,
    batch_size: int = DEFAULT_BATCH,
    on_reject: Callable[[Reject], None] | None = None,
    on_batch: Callable[[IngestCounts], None] | None = None,
) -> IngestCounts:
    """Ingest a JSONL feed (str or UTF-8 bytes lines): blank lines are skipped, bad lines
    rejected with their 1-based number and reason (the good ones still go in).

    Rejects go to `on_reject` when given (then not kept in the result), else into
    `IngestCounts.rejects`. `on_batch` sees the running counts after each committed batch.
    """
    counts = IngestCounts()
    parsed: list[_Item] = []
    rejects: list[Reject] = []
    for n, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            parsed.append(_Item(n, parse_line(text), _str(text) if strict else None))
        except ValueError as exc:
            raw = text if isinstance(text, str) else text.decode("utf-8", "replace")
            rejects.append(Reject(n, str(exc), raw.rstrip("\r\n")))
        if len(parsed) + len(rejects) >= batch_size:
            counts = counts + _flush(target, parsed, rejects, strict, on_reject)
            parsed, rejects = [], []
            if on_batch is not None:
                on_batch(counts)
    counts = counts + _flush(target, parsed, rejects, strict, on_reject)
    if on_batch is not None:
        on_batch(counts)
    return counts


def _flush(
    target: Target,
    parsed: list[_Item],
    rejects: list[Reject],
    strict: bool,
    on_reject: Callable[[Reject], None] | None,
) -> IngestCounts:
    written = (_run(target, partial(_write, items=parsed, strict=strict)) if parsed
               else IngestCounts())
    out = IngestCounts(len(rejects), 0, 0, len(rejects)) + written
    ordered = tuple(sorted((*rejects, *written.rejects), key=lambda r: r.line))
    if on_reject is None:
        return IngestCounts(out.read, out.stored, out.duplicates, out.rejected, ordered)
    for r in ordered:
        on_reject(r)
    return out if not out.rejects else IngestCounts(
        out.read, out.stored, out.duplicates, out.rejected)


def _write(conn: Connection, *, items: Sequence[_Item], strict: bool) -> IngestCounts:
    """Write one batch inside `conn`'s transaction: waybills first, then events."""
    store = store_for(conn)
    now = datetime.now(UTC)
    wbs: dict[str, Row] = {}
    evs: dict[str, Row] = {}
    ev_items: list[_Item] = []
    for it in items:
        rec = it.record
        if isinstance(rec, Waybill):
            wbs.setdefault(rec.waybill_no, waybill_row(rec, store.time))
        else:
            ev_items.append(it)
    rejects: list[Reject] = []
    if strict and ev_items:
        known = set(wbs) | _known_waybills(
            conn, {it.record.waybill_no for it in ev_items} - set(wbs)
        )
        keep = []
        for it in ev_items:
            no = it.record.waybill_no
            if no in known:
                keep.append(it)
            else:
                raw = it.text
                if raw is None and isinstance(it.record, TrackingEvent):
                    raw = json.dumps(it.record.to_json_dict(), ensure_ascii=False)
                rejects.append(Reject(it.line, f"waybill_no: unknown waybill {no!r} (strict)",
                                      (raw or "").rstrip("\n")))
        ev_items = keep
    for it in ev_items:
        rec = it.record
        assert isinstance(rec, TrackingEvent)
        if rec.key not in evs:
            evs[rec.key] = event_row(rec, store.time)
    stored_w = store.insert_waybills(conn, list(wbs.values()), now)
    stored_e = store.insert_events(conn, list(evs.values()), now)
    n = len(items)
    stored = stored_w + stored_e
    return IngestCounts(n, stored, n - stored - len(rejects), len(rejects), tuple(rejects))


def _known_waybills(conn: Connection, numbers: set[str]) -> set[str]:
    if not numbers:
        return set()
    found: set[str] = set()
    ordered = sorted(numbers)
    for i in range(0, len(ordered), 5000):
        part = ordered[i:i + 5000]
        q = select(waybills_table.c.waybill_no).where(waybills_table.c.waybill_no.in_(part))
        found.update(conn.execute(q).scalars())
    return found


def _run(target: Target, fn: Callable[[Connection], _T]) -> _T:
    """Run `fn` in one transaction: committed here for an Engine, the caller's otherwise.

    A PostgreSQL deadlock or serialization failure (possible only against writers outside
    this module's key order) is retried a few times, since the batch is idempotent.
    """
    if isinstance(target, Session):
        return fn(target.connection())
    if isinstance(target, Connection):
        return fn(target)
    for attempt in range(5):
        try:
            with target.begin() as conn:
                return fn(conn)
        except DBAPIError as exc:
            code = getattr(exc.orig, "sqlstate", None)
            if code not in ("40P01", "40001") or attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _chunks(it: Iterable[_T], size: int) -> Iterable[list[_T]]:
    chunk: list[_T] = []
    for x in it:
        chunk.append(x)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
