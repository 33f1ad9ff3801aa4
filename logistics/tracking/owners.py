"""Waybill ownership: a waybill belongs to the carrier that first posted for it, or to the
carrier HQ named when registering it; it never changes hands afterwards.

`claim` records owners atomically (insert-if-absent on the primary key, so of two carriers
racing for a new waybill exactly one wins). Waybills stored before they had an owner row (by
`fwdnet track ingest`, or before this table existed) belong to their registration's carrier,
else to the carrier of their earliest recorded event.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime

from sqlalchemy import Connection, func, insert, select

from fwdnet.logistics.tracking.tables import events, owners, waybills

_CHUNK = 500


def _chunks(xs: Collection[str]) -> list[list[str]]:
    ordered = sorted(xs)
    return [ordered[i:i + _CHUNK] for i in range(0, len(ordered), _CHUNK)]


def _recorded(conn: Connection, numbers: Collection[str]) -> dict[str, str]:
    """Owners as recorded in tracking_owners."""
    out: dict[str, str] = {}
    for part in _chunks(numbers):
        out.update((str(n), str(c)) for n, c in conn.execute(
            select(owners.c.waybill_no, owners.c.carrier).where(owners.c.waybill_no.in_(part))))
    return out


def _derived(conn: Connection, numbers: Collection[str]) -> dict[str, str]:
    """Owners implied by stored data: registration carrier, else the earliest event's."""
    out: dict[str, str] = {}
    for part in _chunks(numbers):
        out.update((str(n), str(c)) for n, c in conn.execute(
            select(waybills.c.waybill_no, waybills.c.carrier)
            .where(waybills.c.waybill_no.in_(part))))
    rest = [n for n in numbers if n not in out]
    for part in _chunks(rest):
        first = (select(events.c.waybill_no, func.min(events.c.recorded_at).label("t"))
                 .where(events.c.waybill_no.in_(part)).group_by(events.c.waybill_no)
                 .subquery())
        rows = conn.execute(
            select(events.c.waybill_no, func.min(events.c.carrier))
            .join(first, (events.c.waybill_no == first.c.waybill_no)
                  & (events.c.recorded_at == first.c.t))
            .group_by(events.c.waybill_no))
        out.update((str(n), str(c)) for n, c in rows)
    return out


def owners_of(conn: Connection, numbers: Collection[str]) -> dict[str, str]:
    """The owner of each waybill that has one (recorded, else implied by stored data)."""
    out = _recorded(conn, numbers)
    missing = [n for n in numbers if n not in out]
    if missing:
        out.update(_derived(conn, missing))
    return out


def claim(conn: Connection, wanted: Mapping[str, str]) -> dict[str, str]:
    """Make each waybill in `wanted` (waybill → carrier) owned, by that carrier unless it
    already belongs to someone (recorded or implied); returns every waybill's owner.

    Runs in the caller's transaction: roll it back and the claims go with it.
    """
    out = _recorded(conn, wanted)
    missing = [n for n in wanted if n not in out]
    if not missing:
        return out
    derived = _derived(conn, missing)
    now = datetime.now(UTC)
    rows = [{"waybill_no": n, "carrier": derived.get(n, wanted[n]), "claimed_at": now}
            for n in sorted(missing)]
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(owners).on_conflict_do_nothing(), rows)
    else:
        conn.execute(insert(owners).prefix_with("OR IGNORE"), rows)
    out.update(_recorded(conn, missing))
    return out
