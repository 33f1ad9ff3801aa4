"""E-waybill tracking: an append-only, deduplicated event log with derived waybill status.

Public API (stable; documented in docs/tracking.md):
- schema: `EventIn`, `WaybillIn`, `LocationIn`, `EventType` (pydantic, the JSON contract)
- domain: `TrackingEvent`, `Waybill`, `StoredEvent`, `IngestCounts` (frozen dataclasses)
- storage: `open_engine(url)` (migrates), `ingest_events(target, items)`, `ingest_lines(...)`,
  `ingest_file(url, path, workers=N)` (multi-process)
- queries: `get_trace`, `get_chain` (a waybill and its parents), `get_waybill`, `events_of`,
  `iter_events`, `list_waybills`, `late_waybills`; status: `derive_status`

Names load on first use (PEP 562): the replay imports `tracking.schema` for the event types
and must not pull in SQLAlchemy and the ingest machinery with it (~30 MB per worker).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fwdnet.logistics.tracking.db import open_engine, resolve_url
    from fwdnet.logistics.tracking.ingest import ingest_events, ingest_lines, parse_line
    from fwdnet.logistics.tracking.model import (
        IngestCounts,
        Location,
        Party,
        Reject,
        StoredEvent,
        TrackingEvent,
        Waybill,
        key_for_content,
        key_for_event_id,
    )
    from fwdnet.logistics.tracking.parallel import ingest_file
    from fwdnet.logistics.tracking.queries import (
        WaybillChain,
        WaybillSummary,
        WaybillTrace,
        count_events,
        events_of,
        get_chain,
        get_trace,
        get_waybill,
        is_late,
        iter_events,
        late_waybills,
        list_waybills,
    )
    from fwdnet.logistics.tracking.schema import (
        CorrectsIn,
        EventIn,
        EventType,
        LocationIn,
        ParcelsIn,
        PartyIn,
        WaybillIn,
    )
    from fwdnet.logistics.tracking.status import Anomaly, DerivedStatus, derive_status

_WHERE = {
    "Anomaly": "status",
    "CorrectsIn": "schema",
    "DerivedStatus": "status",
    "EventIn": "schema",
    "EventType": "schema",
    "IngestCounts": "model",
    "Location": "model",
    "LocationIn": "schema",
    "ParcelsIn": "schema",
    "Party": "model",
    "PartyIn": "schema",
    "Reject": "model",
    "StoredEvent": "model",
    "TrackingEvent": "model",
    "Waybill": "model",
    "WaybillIn": "schema",
    "WaybillChain": "queries",
    "WaybillSummary": "queries",
    "WaybillTrace": "queries",
    "count_events": "queries",
    "derive_status": "status",
    "events_of": "queries",
    "get_chain": "queries",
    "get_trace": "queries",
    "get_waybill": "queries",
    "ingest_events": "ingest",
    "ingest_file": "parallel",
    "ingest_lines": "ingest",
    "is_late": "queries",
    "iter_events": "queries",
    "key_for_content": "model",
    "key_for_event_id": "model",
    "late_waybills": "queries",
    "list_waybills": "queries",
    "open_engine": "db",
    "parse_line": "ingest",
    "resolve_url": "db",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Anomaly",
    "CorrectsIn",
    "DerivedStatus",
    "EventIn",
    "EventType",
    "IngestCounts",
    "Location",
    "LocationIn",
    "ParcelsIn",
    "Party",
    "PartyIn",
    "Reject",
    "StoredEvent",
    "TrackingEvent",
    "Waybill",
    "WaybillChain",
    "WaybillIn",
    "WaybillSummary",
    "WaybillTrace",
    "count_events",
    "derive_status",
    "events_of",
    "get_chain",
    "get_trace",
    "get_waybill",
    "ingest_events",
    "ingest_file",
    "ingest_lines",
    "is_late",
    "iter_events",
    "key_for_content",
    "key_for_event_id",
    "late_waybills",
    "list_waybills",
    "open_engine",
    "parse_line",
    "resolve_url",
]
