"""Tracking endpoints over `logistics.tracking`: batch event ingest, trace, late waybills.

Scopes: a waybill belongs to the carrier that first posts for it, or the one HQ names when
registering it (`tracking.owners`); `carrier:X` posts and reads only X's waybills (403
otherwise); `region:X` reads only waybills of region X, and gets 404 for "absent or not
yours"; `hq` does everything, but cannot post items that name another carrier than a
waybill's owner (409).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Query
from pydantic import AwareDatetime, BaseModel, Discriminator, Tag

from fwdnet.logistics.api.deps import ContextDep, EventPoster, WaybillLister, WaybillReader
from fwdnet.logistics.api.errors import ERROR_RESPONSES
from fwdnet.logistics.api.keys import Principal
from fwdnet.logistics.api.metrics import INGEST
from fwdnet.logistics.api.schemas import ErrorOut
from fwdnet.logistics.errors import InputError
from fwdnet.logistics.tracking import (
    EventIn,
    WaybillIn,
    WaybillTrace,
    get_chain,
    get_trace,
    ingest_events,
    list_waybills,
)
from fwdnet.logistics.tracking.owners import claim, owners_of
from fwdnet.logistics.tracking.store import store_for

router = APIRouter(prefix="/v1/waybills", tags=["waybills"])
_ERR: dict[int | str, dict[str, Any]] = {k: {**v, "model": ErrorOut}
                                         for k, v in ERROR_RESPONSES.items()}
MAX_BATCH = 10_000


def _kind(v: Any) -> str:
    if isinstance(v, dict):
        return "waybill" if v.get("kind") == "waybill" else "event"
    return str(getattr(v, "kind", "event"))


Item = Annotated[Annotated[EventIn, Tag("event")] | Annotated[WaybillIn, Tag("waybill")],
                 Discriminator(_kind)]
Batch = Annotated[list[Item], Body(max_length=MAX_BATCH)]


class RejectOut(BaseModel):
    """An item not stored: its 1-based position in the batch and why."""

    item: int
    reason: str


class IngestOut(BaseModel):
    """What a batch did; `read == stored + duplicates + rejected`."""

    read: int
    stored: int
    duplicates: int
    rejected: int
    rejects: list[RejectOut] = []


class StatusOut(BaseModel):
    """Derived status of a waybill (see docs/tracking.md §3)."""

    status: str | None
    delivered_at: datetime | None
    last_event_time: datetime | None
    anomalies: list[dict[str, Any]]


class TraceOut(BaseModel):
    """Registration (if any), events by event time (corrected ones included), status."""

    waybill_no: str
    waybill: dict[str, Any] | None
    status: StatusOut
    events: list[dict[str, Any]]


class ChainOut(BaseModel):
    """A waybill and its parents, source first (e.g. CDC → FW trunk drop, then FW → store);
    links the caller may not read are left out and counted in `withheld`."""

    waybill_no: str
    chain: list[TraceOut]
    missing_parent: str | None
    withheld: int


class SummaryOut(BaseModel):
    """A waybill in a list: registration, status, lateness (s past the promise) at `as_of`."""

    waybill: dict[str, Any]
    status: str | None
    late: bool
    lateness_s: float
    as_of: datetime


def _wanted(items: list[EventIn | WaybillIn]) -> dict[str, str]:
    """The carrier each waybill of the batch is posted for: its registration's carrier if the
    batch registers it, else its first item's."""
    out: dict[str, str] = {}
    for it in items:
        if isinstance(it, WaybillIn):
            out[it.waybill_no] = it.carrier
    for it in items:
        out.setdefault(it.waybill_no, it.carrier)
    return out


def _check_owners(who: Principal, items: list[EventIn | WaybillIn],
                  owner: dict[str, str]) -> None:
    """Every item must be for its waybill's owner: 403 for a carrier key, 409 for HQ."""
    for i, it in enumerate(items, start=1):
        if owner.get(it.waybill_no, it.carrier) != it.carrier:
            if who.kind == "carrier":
                raise HTTPException(403, f"item {i}: waybill {it.waybill_no!r} belongs to "
                                         "another carrier")
            raise HTTPException(409, f"item {i}: waybill {it.waybill_no!r} belongs to carrier "
                                     f"{owner[it.waybill_no]!r}, not {it.carrier!r}")


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _in_range(t: datetime | None, where: str) -> None:
    """Times far outside any real shipment (and ones whose UTC form overflows) are input errors."""
    if t is None:
        return
    try:
        ok = EARLIEST <= t.astimezone(UTC) < LATEST
    except OverflowError:
        ok = False
    if not ok:
        raise InputError(f"{where}: {t.isoformat()} is outside 1970-01-01 … 2200-01-01 UTC")


def _check_times(items: list[EventIn | WaybillIn]) -> None:
    for i, it in enumerate(items):
        if isinstance(it, EventIn):
            _in_range(it.event_time, f"{i}.event.event_time")
        else:
            _in_range(it.promised_at, f"{i}.waybill.promised_at")
            _in_range(it.created_at, f"{i}.waybill.created_at")


@router.post("/events", response_model=IngestOut, responses=_ERR)
def post_events(items: Batch, ctx: ContextDep, who: EventPoster,
                strict: Annotated[bool, Query(description="reject events of unregistered "
                                              "waybills")] = False) -> IngestOut:
    """Store a batch (JSON array of feed items); idempotent: re-sent items count as duplicates."""
    _check_times(items)
    if who.kind == "carrier":
        for i, it in enumerate(items, start=1):
            if it.carrier != who.code:
                raise HTTPException(403, f"item {i}: carrier {it.carrier!r} is not "
                                         f"{who.code!r}")
    with ctx.engine.begin() as conn:
        # one transaction: the claims of a refused batch are rolled back with it
        store_for(conn).begin_write(conn)
        _check_owners(who, items, claim(conn, _wanted(items)))
        counts = ingest_events(conn, items, strict=strict)
    INGEST.labels("stored").inc(counts.stored)
    INGEST.labels("duplicate").inc(counts.duplicates)
    INGEST.labels("rejected").inc(counts.rejected)
    return IngestOut(read=counts.read, stored=counts.stored, duplicates=counts.duplicates,
                     rejected=counts.rejected,
                     rejects=[RejectOut(item=r.line, reason=r.reason) for r in counts.rejects])


WaybillNo = Annotated[str, Path(min_length=1, max_length=200)]


def _trace_out(tr: WaybillTrace) -> TraceOut:
    st = tr.status
    return TraceOut(
        waybill_no=tr.waybill_no,
        waybill=tr.waybill.to_json_dict() if tr.waybill is not None else None,
        status=StatusOut(status=st.status.value if st.status else None,
                         delivered_at=st.delivered_at, last_event_time=st.last_event_time,
                         anomalies=[{"event_key": a.event_key, "event_type": a.event_type.value,
                                     "event_time": a.event_time, "after": a.after,
                                     "reason": a.reason} for a in st.anomalies]),
        events=[e.to_json_dict() for e in tr.events])


def _refusal(who: Principal, traces: list[WaybillTrace], owner: dict[str, str]
             ) -> dict[str, int]:
    """Per waybill the status a read would be refused with (404 region, 403 carrier)."""
    out: dict[str, int] = {}
    for tr in traces:
        if who.kind == "region" and (tr.waybill is None or tr.waybill.region != who.code):
            out[tr.waybill_no] = 404  # "absent or not yours": a region key cannot tell which
        elif who.kind == "carrier" and owner.get(tr.waybill_no) != who.code:
            out[tr.waybill_no] = 403
    return out


def _owners(ctx: Any, who: Principal, numbers: list[str]) -> dict[str, str]:
    if who.kind != "carrier":
        return {}
    with ctx.engine.connect() as conn:
        return owners_of(conn, numbers)


@router.get("/{waybill_no}", response_model=TraceOut,
            responses={**_ERR, 404: {"model": ErrorOut, "description": "unknown waybill"}})
def get_waybill_trace(waybill_no: WaybillNo, ctx: ContextDep, who: WaybillReader) -> TraceOut:
    """Timeline and derived status of one waybill."""
    tr = get_trace(ctx.engine, waybill_no)
    if tr is None or (tr.waybill is None and not tr.events):
        raise HTTPException(404, f"unknown waybill {waybill_no!r}")
    _check_read(who, tr, _owners(ctx, who, [waybill_no]))
    return _trace_out(tr)


def _check_read(who: Principal, tr: WaybillTrace, owner: dict[str, str]) -> None:
    code = _refusal(who, [tr], owner).get(tr.waybill_no)
    if code == 404:
        raise HTTPException(404, f"unknown waybill {tr.waybill_no!r}")
    if code == 403:
        raise HTTPException(403, f"waybill {tr.waybill_no!r} belongs to another carrier")


@router.get("/{waybill_no}/chain", response_model=ChainOut,
            responses={**_ERR, 404: {"model": ErrorOut, "description": "unknown waybill"}})
def get_waybill_chain(waybill_no: WaybillNo, ctx: ContextDep, who: WaybillReader) -> ChainOut:
    """The waybill and the waybills that fed it (its parent trunk drop, and so on), source
    first, with the same read rules as the trace: the asked waybill must be readable."""
    chain = get_chain(ctx.engine, waybill_no)
    if chain is None:
        raise HTTPException(404, f"unknown waybill {waybill_no!r}")
    asked = chain.links[-1]
    owner = _owners(ctx, who, [t.waybill_no for t in chain.links])
    _check_read(who, asked, owner)
    refused = _refusal(who, list(chain.links), owner)
    shown = [_trace_out(t) for t in chain.links if t.waybill_no not in refused]
    return ChainOut(waybill_no=waybill_no, chain=shown, missing_parent=chain.missing_parent,
                    withheld=len(refused))


@router.get("", response_model=list[SummaryOut], responses=_ERR)
def get_waybills(ctx: ContextDep, who: WaybillLister,
                 late: bool | None = None,
                 region: Annotated[str | None, Query(max_length=200)] = None,
                 as_of: AwareDatetime | None = None,
                 limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
                 offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> list[SummaryOut]:
    """Registered waybills by promise time; `late=true` keeps the late ones (as of `as_of`)."""
    _in_range(as_of, "as_of")
    if who.kind == "region":
        if region is not None and region != who.code:
            raise HTTPException(403, f"role {who.role!r} may not list region {region!r}")
        region = who.code
    rows = list_waybills(ctx.engine, late=late, region=region, as_of=as_of, limit=limit,
                         offset=offset)
    return [SummaryOut(waybill=s.waybill.to_json_dict(),
                       status=s.status.status.value if s.status.status else None,
                       late=s.late, lateness_s=s.lateness_s, as_of=s.as_of) for s in rows]
