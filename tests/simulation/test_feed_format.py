"""The feed's hand-joined JSON lines equal `json.dumps` of the same records, byte for byte."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta

import numpy as np

from fwdnet.simulation.waybills import E, WaybillLog, WaybillRow


def _dumps(obj: dict[str, object]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def test_lines_match_json_dumps_of_each_record() -> None:
    log = WaybillLog(date(2026, 3, 28), as_of=40.0)
    rows = [
        WaybillRow("TR00000001", "own-fleet", "CDC-成都", "FW-重庆", "川渝 \"东\"", "scheduled",
                   120.0, float(np.float64(33.1234567)), 0.123456789, 0.25, 1.75),
        WaybillRow("ST00000002", "3pl-express", "FW-重庆", "S-0001", "Chongqing", "standard",
                   2.2, np.float64(1.0005), 1e-05, 0.5, 3.0, parent="TR00000001"),
    ]
    times = [0.25, 1.0 - 1e-7, 2.0000042, 8.999999, 39.5]
    for r in rows:
        log.add(r, [(E.CREATED, t, r.sender) for t in times] + [(E.DELIVERED, 41.0, "late")])
    lines = list(log.lines())
    assert len(lines) == 2 * (1 + len(times))  # the event after `as_of` is not in the feed

    def iso(t: float) -> str:
        return (log.origin + timedelta(seconds=round(t * 86400.0))).isoformat()

    for k, r in enumerate(rows):
        expected = {"kind": "waybill", "waybill_no": r.waybill_no,
                    "order_ref": f"SIM-{r.waybill_no}", "sender_site": r.sender,
                    "receiver_site": r.receiver, "carrier": r.carrier,
                    "service_level": r.service_level,
                    "parcels": {"count": max(1, math.ceil(r.units)),
                                "weight_kg": round(float(r.weight_kg), 3),
                                "volume_m3": round(r.volume_m3, 4)},
                    "promised_at": iso(r.promised), "region": r.region,
                    "created_at": iso(r.created)}
        if r.parent is not None:
            expected["parent_waybill_no"] = r.parent
        block = lines[k * (1 + len(times)):(k + 1) * (1 + len(times))]
        assert block[0] == _dumps(expected)
        for line, t in zip(block[1:], times, strict=True):
            assert line == _dumps({"waybill_no": r.waybill_no, "event_type": "created",
                                   "event_time": iso(t), "carrier": r.carrier,
                                   "location": {"code": r.sender}})
