"""Small request bodies shared by the API tests (answers worked out by hand in each test)."""

from __future__ import annotations

import copy
from typing import Any

LINE = {"car": {
    # locations 0 (depot), 1, 2, 3 on a line, 1 km / 100 s apart
    "durations": [[0, 100, 200, 300], [100, 0, 100, 200], [200, 100, 0, 100],
                  [300, 200, 100, 0]],
    "distances": [[0, 1000, 2000, 3000], [1000, 0, 1000, 2000], [2000, 1000, 0, 1000],
                  [3000, 2000, 1000, 0]],
}}


def tiny_route(time_limit: float = 0.2, **options: Any) -> dict[str, Any]:
    """One vehicle at 0 on an open route, jobs 31, 32, 33 at 1, 2, 3: the unique optimum is
    0→1→2→3 (300 s, 3 km; 0→3→2→1 takes 500 s)."""
    return {
        "vehicles": [{"id": 7, "start_index": 0, "capacity": [10]}],
        "jobs": [{"id": 30 + i, "location_index": i, "delivery": [i]} for i in (3, 1, 2)],
        "matrices": copy.deepcopy(LINE),
        "options": {"time_limit": time_limit, **options},
    }


def waybill(no: str, carrier: str = "sf", region: str = "east",
            promised: str = "2026-11-20T18:00:00+08:00") -> dict[str, Any]:
    return {"kind": "waybill", "waybill_no": no, "order_ref": "PO-1", "sender_site": "CDC-1",
            "receiver_site": "ST-1", "carrier": carrier, "service_level": "next-day",
            "parcels": {"count": 1, "weight_kg": 2.5, "volume_m3": 0.01},
            "promised_at": promised, "region": region}


def event(no: str, etype: str, when: str, carrier: str = "sf", **kw: Any) -> dict[str, Any]:
    return {"waybill_no": no, "event_type": etype, "event_time": when, "carrier": carrier, **kw}


# sites of the test scenario (tests/data/api_regions): east = CDC, FW-A, S1, S2; west = FW-B,
# S3, S4
EAST = {"FW-A": [104.06, 30.57], "S1": [104.07, 30.60], "S2": [104.10, 30.55]}
WEST = {"FW-B": [106.55, 29.56], "S3": [106.50, 29.55], "S4": [106.58, 29.60]}


def site_route(sites: dict[str, list[float]], time_limit: float = 0.3) -> dict[str, Any]:
    """One van from the region's FW to its two stores, by coordinates (haversine)."""
    fw, *stores = sites.values()
    return {"vehicles": [{"id": 1, "start": fw, "end": fw, "capacity": [10]}],
            "jobs": [{"id": i + 1, "location": s, "delivery": [1]} for i, s in enumerate(stores)],
            "options": {"time_limit": time_limit}}
