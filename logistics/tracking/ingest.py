"""At-least-once safe ingest: every event stored exactly once, whatever arrives twice.

`ingest_events` takes validated events (API, simulation); `ingest_lines` takes raw JSONL
(feeds), rejecting bad lines with their number and reason while good lines still go in.
With an Engine each batch is its own committed transaction (a crash loses at most the open
batch, and a re-run skips what is stored); with a Connection or Session the caller commits.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, NamedTuple, TypeVar

from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fwdnet.logistics.tracking.fastline import fast_event_row
from fwdnet.logistics.tracking.model import (
    IngestCounts,
    Reject,
    TrackingEvent,
    Waybill,
    content_key,
    details_text,
    key_for_event_id,
)
from fwdnet.logistics.tracking.schema import EventIn, EventType, WaybillIn
from fwdnet.logistics.tracking.store import Row, Store, store_for_dialect
from fwdnet.logistics.tracking.tables import waybills as waybills_table

Target = Engine | Connection | Session
DEFAULT_BATCH = 20_000
_T = TypeVar("_T")
_TYPES = ", ".join(t.value for t in EventType)
_TYPE_VALUE = {t: t.value for t in EventType}  # dict lookup beats Enum.value in the hot loop


class _Item(NamedTuple):
    """One parsed input: its position (1-based) and the event or waybill it holds.

    A NamedTuple, not a frozen dataclass: a million of them are built per million lines.
    """

    line: int
    record: Row | Waybill  # an event as its stored row (key first, waybill_no second)
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


def event_row_from_input(item: EventIn, fmt: Callable[[datetime], Any]) -> Row:
    """`event_row(TrackingEvent.from_input(item))` without building the event: the hot path.

    tests/tracking/test_ingest.py checks that both give the same row for any input.
    """
    t = item.event_time.astimezone(UTC)
    loc = item.location
    code = name = lon = lat = None
    if loc is not None:
        code, name, lon, lat = loc.code, loc.name, loc.lon, loc.lat
    corrects = None
    if item.corrects is not None:
        c = item.corrects
        corrects = (c.event_key if c.event_key is not None
                    else key_for_event_id(item.waybill_no, item.carrier, str(c.event_id)))
    etype = _TYPE_VALUE[item.event_type]
    if item.event_id is not None:
        key = key_for_event_id(item.waybill_no, item.carrier, item.event_id)
    else:
        key = content_key(item.waybill_no, etype, t.isoformat(timespec="microseconds"),
                          code, name, lon, lat, corrects)  # t is UTC: = utc_iso(t)
    details = None if item.details is None else details_text(item.details)
    return (key, item.waybill_no, etype, fmt(t), item.carrier, item.event_id,
            code, name, lon, lat, details, corrects)


def waybill_row(wb: Waybill, fmt: Callable[[datetime], Any]) -> Row:
    """The stored columns of a waybill (order: tables.WAYBILL_COLUMNS)."""
    d = wb.to_json_dict()
    label = {k: d[k] for k in ("sender", "receiver", "sort_code") if k in d}
    return (
        wb.waybill_no, wb.order_ref, wb.sender_site, wb.receiver_site, wb.carrier,
        wb.service_level, wb.parcel_count, wb.weight_kg, wb.volume_m3, fmt(wb.promised_at),
        wb.region, json.dumps(label, ensure_ascii=False) if label else None,
        None if wb.created_at is None else fmt(wb.created_at), wb.parent_waybill_no,
    )


def parse_line(text: str | bytes) -> TrackingEvent | Waybill:
    """Validate one JSONL line into an event (default) or a waybill (`"kind": "waybill"`).

    Raises ValueError with a one-line reason (invalid JSON, unknown type, time without zone…).
    """
    rec = _validate(text)
    try:
        if isinstance(rec, WaybillIn):
            return Waybill.from_input(rec)
        return TrackingEvent.from_input(rec)
    except OverflowError:
        raise ValueError("time out of range once converted to UTC") from None


def _validate(text: str | bytes) -> EventIn | WaybillIn:
    """EventIn straight from JSON (the fast, common case); a line mentioning "kind" is
    decoded first so that its top-level kind picks the model."""
    try:
        if ('"kind"' in text) if isinstance(text, str) else (b'"kind"' in text):
            try:
                obj = json.loads(text)
            except ValueError:
                return EventIn.model_validate_json(text)  # raises the JSON error
            kind = obj.get("kind", "event") if isinstance(obj, dict) else "event"
            if kind == "waybill":
                return WaybillIn.model_validate(obj)
            if kind != "event":
                raise ValueError(f"kind: unknown kind {kind!r} (expected event or waybill)")
            return EventIn.model_validate(obj)
        return EventIn.model_validate_json(text)
    except ValidationError as exc:
        raise ValueError(_reason(exc)) from None


def _parse(n: int, text: str | bytes, fmt: Callable[[datetime], Any], strict: bool
           ) -> Row | _Item:
    """parse_line's fast twin for ingest: an event line becomes its stored row (the common
    line through msgspec, any other through the schema), kept with its line number and
    text in strict mode; a waybill line becomes an _Item."""
    row = fast_event_row(text, fmt)
    if row is None:
        rec = _validate(text)
        try:
            if isinstance(rec, WaybillIn):
                return _Item(n, Waybill.from_input(rec))
            row = event_row_from_input(rec, fmt)
        except OverflowError:  # e.g. 9999-12-31T23:30-05:00 has no UTC form
            raise ValueError("time out of range once converted to UTC") from None
    return _Item(n, row, _str(text)) if strict else row


def _str(text: str | bytes) -> str:
    return text if isinstance(text, str) else text.decode("utf-8", "replace")


def _reason(exc: ValidationError) -> str:
    """A short, specific reason from pydantic's first error."""
    errs = exc.errors(include_url=False)
    err = errs[0]
    kind = err["type"]
    if kind == "json_invalid":
        return f"invalid JSON: {err.get('ctx', {}).get('error', err['msg'])}"
    loc = tuple(str(p) for p in err["loc"])
    if not loc and kind.endswith("_type"):
        return "expected a JSON object"
    field = ".".join(loc)
    if kind == "enum" and field == "event_type":
        return f"event_type: unknown type {err['input']!r} (expected one of {_TYPES})"
    if kind == "string_pattern_mismatch" and "\x00" in str(err.get("input", "")):
        return f"{field}: NUL character (\\u0000) not allowed"
    if kind == "value_error":
        return f"{field}: {err.get('ctx', {}).get('error', err['msg'])}"
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
    store = _store_of(target)
    fmt = store.time

    def items() -> Iterable[_Item | Reject]:
        for i, e in enumerate(events, start=1):
            try:
                if isinstance(e, WaybillIn):
                    yield _Item(i, Waybill.from_input(e))
                elif isinstance(e, Waybill):
                    yield _Item(i, e)
                else:
                    ev = TrackingEvent.from_input(e) if isinstance(e, EventIn) else e
                    text = json.dumps(ev.to_json_dict(), ensure_ascii=False) if strict else None
                    yield _Item(i, event_row(ev, fmt), text)
            except OverflowError:
                yield Reject(i, "time out of range once converted to UTC", "")
            except ValueError as exc:  # e.g. NaN in details
                yield Reject(i, str(exc), "")

    counts = IngestCounts()
    for chunk in _chunks(items(), batch_size):
        good = [x for x in chunk if isinstance(x, _Item)]
        bad = tuple(x for x in chunk if isinstance(x, Reject))
        written = (_run(target, partial(_write, store=store, items=good, strict=strict))
                   if good else IngestCounts())
        counts = counts + IngestCounts(len(bad), 0, 0, len(bad)) + IngestCounts(
            written.read, written.stored, written.duplicates, written.rejected,
            tuple(sorted((*bad, *written.rejects), key=lambda r: r.line)))
    return counts


def ingest_lines(
    target: Target,
    lines: Iterable[str | bytes],
    *,
    strict: bool = False,
    batch_size: int = DEFAULT_BATCH,
    on_reject: Callable[[Reject], None] | None = None,
    on_batch: Callable[[IngestCounts], None] | None = None,
    first_line: int = 1,
) -> IngestCounts:
    """Ingest a JSONL feed (str or UTF-8 bytes lines): blank lines are skipped, bad lines
    rejected with their 1-based number and reason (the good ones still go in).
    `first_line` is the number of the first given line (for a slice of a file).

    Rejects go to `on_reject` when given (then not kept in the result), else into
    `IngestCounts.rejects`. `on_batch` sees the running counts after each committed batch.
    """
    store = _store_of(target)
    fmt = store.time
    counts = IngestCounts()
    pending: Future[IngestCounts] | None = None
    # With an Engine, one writer thread commits batch k while this thread parses batch k+1
    # (the drivers release the GIL while the database works); at most one batch in flight.
    pool = ThreadPoolExecutor(1, thread_name_prefix="tracking-ingest") \
        if isinstance(target, Engine) else None

    def submit(batch: _Batch) -> None:
        nonlocal counts, pending
        if pending is not None:
            counts = counts + pending.result()
            pending = None
            if on_batch is not None:
                on_batch(counts)
        if pool is not None:
            pending = pool.submit(_flush, target, store, batch, strict, on_reject)
        else:
            counts = counts + _flush(target, store, batch, strict, on_reject)
            if on_batch is not None:
                on_batch(counts)

    # Keys this ingest already sent to the database: a line repeating one is a duplicate
    # without a round trip, which keeps batches all new (the fast COPY). Strict mode keeps
    # events as items and skips this: a sent event may still be rejected there.
    sent = _RecentKeys(4 * batch_size)
    batch = _Batch()
    size = 0
    try:
        with _gc_paused():
            for n, text in enumerate(lines, start=first_line):
                if not text or text.isspace():
                    continue
                size += 1
                try:
                    x = _parse(n, text, fmt, strict)
                except ValueError as exc:
                    raw = text if isinstance(text, str) else text.decode("utf-8", "replace")
                    batch.rejects.append(Reject(n, str(exc), raw.rstrip("\r\n")))
                else:
                    if isinstance(x, _Item):  # a waybill, or an event in strict mode
                        batch.items.append(x)
                    elif sent.seen(x[1], x[0]):
                        batch.repeats += 1
                    else:
                        batch.rows.append(x)
                if size >= batch_size:
                    submit(batch)
                    batch, size = _Batch(), 0
            submit(batch)
            if pending is not None:  # the last batch in flight
                counts = counts + pending.result()
                if on_batch is not None:
                    on_batch(counts)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return counts


@dataclass(slots=True)
class _Batch:
    """A batch as read: waybill (and strict-mode event) items, event rows already known
    unique, rejects, and how many lines repeated an event sent before."""

    items: list[_Item] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    repeats: int = 0


class _RecentKeys:
    """The latest `size` to `2·size` (waybill_no, event_key) pairs seen: two generations."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._new: set[str] = set()
        self._old: set[str] = set()

    def seen(self, waybill_no: str, key: str) -> bool:
        """True if the pair was seen lately; else remember it and return False."""
        k = waybill_no + key  # keys have a fixed length: the pair is recoverable
        if k in self._new or k in self._old:
            return True
        self._new.add(k)
        if len(self._new) >= self._size:
            self._old, self._new = self._new, set()
        return False


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while a batch of many small acyclic objects is built: otherwise
    repeated full collections triple the parse time. Restored afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _flush(
    target: Target,
    store: Store,
    batch: _Batch,
    strict: bool,
    on_reject: Callable[[Reject], None] | None,
) -> IngestCounts:
    """Write one batch in its own transaction; what it did."""
    written = (_run(target, partial(_write, store=store, items=batch.items, strict=strict,
                                    rows=batch.rows))
               if batch.items or batch.rows else IngestCounts())
    rejects = batch.rejects
    out = IngestCounts(len(rejects) + batch.repeats, 0, batch.repeats, len(rejects)) + written
    ordered = tuple(sorted((*rejects, *written.rejects), key=lambda r: r.line))
    if on_reject is None:
        return IngestCounts(out.read, out.stored, out.duplicates, out.rejected, ordered)
    for r in ordered:
        on_reject(r)
    return out if not out.rejects else IngestCounts(
        out.read, out.stored, out.duplicates, out.rejected)


def _write(conn: Connection, *, store: Store, items: Sequence[_Item], strict: bool,
           rows: Sequence[Row] = ()) -> IngestCounts:
    """Write one batch inside `conn`'s transaction: waybills first, then events. `rows` are
    more event rows, unique among themselves and not among `items` (lenient mode only)."""
    store.begin_write(conn)
    now = datetime.now(UTC)
    wbs: dict[str, Row] = {}
    evs: dict[tuple[str, str], Row] = {}
    ev_items: list[tuple[_Item, Row]] = []
    for it in items:
        rec = it.record
        if isinstance(rec, Waybill):
            wbs.setdefault(rec.waybill_no, waybill_row(rec, store.time))
        else:
            ev_items.append((it, rec))
    rejects: list[Reject] = []
    if strict and ev_items:
        known = set(wbs) | _known_waybills(conn, {r[1] for _, r in ev_items} - set(wbs))
        keep = []
        for it, row in ev_items:
            if row[1] in known:
                keep.append((it, row))
            else:
                rejects.append(Reject(it.line, f"waybill_no: unknown waybill {row[1]!r} (strict)",
                                      (it.text or "").rstrip("\r\n")))
        ev_items = keep
    for _, row in ev_items:
        evs.setdefault((row[1], row[0]), row)
    stored_w = store.insert_waybills(conn, list(wbs.values()), now)
    stored_e = store.insert_events(conn, [*evs.values(), *rows] if evs else rows, now)
    n = len(items) + len(rows)
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


def _store_of(target: Target) -> Store:
    """The writer for the target's dialect (known before any connection is opened)."""
    if isinstance(target, Session):
        bind = target.get_bind()
        name = bind.dialect.name
    else:
        name = target.dialect.name
    return store_for_dialect(name)


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
