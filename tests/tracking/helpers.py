"""Small builders for feed lines shared by the tracking tests."""

from __future__ import annotations

import json
from typing import Any


def ev(no: str, etype: str, time: str, carrier: str = "sf", **extra: Any) -> dict[str, Any]:
    """An event as a feed dict."""
    return {"waybill_no": no, "event_type": etype, "event_time": time, "carrier": carrier,
            **extra}


def waybill(no: str, promised: str, region: str = "east", **extra: Any) -> dict[str, Any]:
    """A waybill registration line as a dict."""
    return {"kind": "waybill", "waybill_no": no, "order_ref": f"PO-{no}",
            "sender_site": "CDC-SH", "receiver_site": "ST-017", "carrier": "sf",
            "service_level": "next-day",
            "parcels": {"count": 2, "weight_kg": 3.5, "volume_m3": 0.02},
            "promised_at": promised, "region": region, **extra}


def lines(*objs: dict[str, Any]) -> list[str]:
    return [json.dumps(o, ensure_ascii=False) for o in objs]


def parse_counts(output: str) -> dict[str, int]:
    """`read 3  stored 2  duplicates 1  rejected 0` → dict. The summary line is found among
    the others: with several workers a progress line ("52% of the feed") may come first when
    one worker's slice ends before the other's (CliRunner's output mixes in stderr)."""
    words = next(line for line in output.splitlines() if line.startswith("read ")).split()
    return {words[i]: int(words[i + 1]) for i in range(0, 8, 2)}
