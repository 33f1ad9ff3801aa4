"""Carrier vocabularies mapped onto our event schema.

Kuaidi100-style pushes carry numeric states (`"3"` = 签收 delivered) and China-local times
without a zone (we attach +08:00); AfterShip-style checkpoints carry tags and subtags
(`Delivered`, `InTransit_003` arrival scan). Unknown codes raise ValueError, never guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from fwdnet.logistics.kernel.clock import CHINA_TZ
from fwdnet.logistics.tracking.schema import EventIn, EventType, LocationIn

E = EventType

# Kuaidi100 `state` codes (basic and extended).
KUAIDI100_STATES: dict[str, EventType] = {
    "0": E.IN_TRANSIT,         # 在途
    "1": E.PICKED_UP,          # 揽收
    "2": E.EXCEPTION,          # 疑难
    "3": E.DELIVERED,          # 签收
    "4": E.RETURNED,           # 退签
    "5": E.OUT_FOR_DELIVERY,   # 派件
    "6": E.RETURNED,           # 退回
    "7": E.IN_TRANSIT,         # 转投
    "8": E.IN_TRANSIT,         # 清关
    "14": E.DELIVERY_FAILED,   # 拒签
    "101": E.CREATED,          # 已下单
    "1001": E.ARRIVED_AT_HUB,  # 到达派件城市 / 分拨中心
    "1002": E.DEPARTED_HUB,    # 干线 / 离开分拨
}

# AfterShip tags, refined by subtag where the subtag is more precise.
AFTERSHIP_TAGS: dict[str, EventType] = {
    "InfoReceived": E.CREATED,
    "InTransit": E.IN_TRANSIT,
    "OutForDelivery": E.OUT_FOR_DELIVERY,
    "AvailableForPickup": E.ARRIVED_AT_HUB,
    "AttemptFail": E.DELIVERY_FAILED,
    "Delivered": E.DELIVERED,
    "Exception": E.EXCEPTION,
    "Expired": E.EXCEPTION,
}
AFTERSHIP_SUBTAGS: dict[str, EventType] = {
    "InTransit_002": E.PICKED_UP,       # acceptance scan
    "InTransit_003": E.ARRIVED_AT_HUB,  # arrival scan
    "InTransit_007": E.DEPARTED_HUB,    # departure scan
    "Exception_010": E.RETURNED,        # returning to sender
    "Exception_011": E.RETURNED,        # returned to sender
    "Exception_013": E.CANCELLED,       # order cancelled
}


def kuaidi100_events(payload: Mapping[str, Any], *, carrier: str | None = None) -> list[EventIn]:
    """Events of a Kuaidi100-style push: `{"nu", "com", "state", "data": [{"time", "context",
    "statusCode"?, "areaCode"?, "areaName"?, "areaCenter"? "lon,lat"}]}`.

    An item without `statusCode` takes the top-level `state` if it is the newest (first)
    item, else `"0"` (in transit), as Kuaidi100 documents for the basic push.
    """
    no = _required(payload, "nu")
    com = carrier or _required(payload, "com")
    items = payload.get("data")
    if not isinstance(items, list):
        raise ValueError("kuaidi100: 'data' must be a list of checkpoints")
    out = []
    for i, item in enumerate(items):
        code = str(item.get("statusCode") or (payload.get("state", "0") if i == 0 else "0"))
        if code not in KUAIDI100_STATES:
            raise ValueError(f"kuaidi100: data[{i}]: unknown state {code!r}")
        t = _local_time(_required(item, "time"), f"kuaidi100: data[{i}].time")
        loc: dict[str, Any] = {}
        if item.get("areaCode"):
            loc["code"] = str(item["areaCode"])
        if item.get("areaName"):
            loc["name"] = str(item["areaName"])
        if item.get("areaCenter"):
            lon, lat = (float(x) for x in str(item["areaCenter"]).split(","))
            loc.update(lon=lon, lat=lat)
        details = {"source": "kuaidi100", "state": code, "context": item.get("context")}
        out.append(_event(no, KUAIDI100_STATES[code], t, com, loc or None, None, details))
    return out


def aftership_events(payload: Mapping[str, Any]) -> list[EventIn]:
    """Events of an AfterShip-style tracking: `{"tracking_number", "slug", "checkpoints":
    [{"tag", "subtag"?, "checkpoint_time", "location"?, "coordinates"? [lat, lon], "message"?,
    "id"?}]}`. `Pending` checkpoints say nothing happened yet and are skipped.
    """
    no = _required(payload, "tracking_number")
    slug = _required(payload, "slug")
    cps = payload.get("checkpoints")
    if not isinstance(cps, list):
        raise ValueError("aftership: 'checkpoints' must be a list")
    out = []
    for i, cp in enumerate(cps):
        tag = str(cp.get("tag", ""))
        if tag == "Pending":
            continue
        sub = cp.get("subtag")
        etype = AFTERSHIP_SUBTAGS.get(str(sub)) or AFTERSHIP_TAGS.get(tag)
        if etype is None:
            raise ValueError(f"aftership: checkpoints[{i}]: unknown tag {tag!r}")
        t = _aware_time(_required(cp, "checkpoint_time"), f"aftership: checkpoints[{i}]")
        loc: dict[str, Any] = {}
        if cp.get("location"):
            loc["name"] = str(cp["location"])
        coords = cp.get("coordinates")
        if isinstance(coords, list) and len(coords) == 2:
            loc.update(lon=float(coords[1]), lat=float(coords[0]))  # AfterShip: [lat, lon]
        details = {"source": "aftership", "tag": tag, "subtag": sub, "message": cp.get("message")}
        eid = None if cp.get("id") is None else str(cp["id"])
        out.append(_event(no, etype, t, slug, loc or None, eid, details))
    return out


def _event(no: str, etype: EventType, t: datetime, carrier: str, loc: dict[str, Any] | None,
           event_id: str | None, details: dict[str, Any]) -> EventIn:
    try:
        return EventIn(waybill_no=no, event_type=etype, event_time=t, carrier=carrier,
                       location=None if loc is None else LocationIn(**loc), event_id=event_id,
                       details={k: v for k, v in details.items() if v is not None})
    except ValidationError as exc:
        raise ValueError(f"{carrier} {no}: {exc.errors()[0]['msg']}") from None


def _required(d: Mapping[str, Any], key: str) -> str:
    v = d.get(key)
    if v is None or v == "":
        raise ValueError(f"missing {key!r}")
    return str(v)


def _local_time(text: str, where: str) -> datetime:
    """Kuaidi100 times are Beijing time without a zone; an explicit zone is kept."""
    t = _parse(text, where)
    return t if t.tzinfo is not None else t.replace(tzinfo=CHINA_TZ)


def _aware_time(text: str, where: str) -> datetime:
    t = _parse(text, where)
    if t.tzinfo is None:
        raise ValueError(f"{where}: checkpoint_time {text!r} has no time zone")
    return t


def _parse(text: str, where: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{where}: not an ISO 8601 time: {text!r}") from None
