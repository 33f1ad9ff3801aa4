"""The msgspec fast path builds exactly the row the pydantic schema would, or steps aside.

Lines are generated from pools of awkward values (padded and NUL strings, many time
spellings, half locations, padded details keys, extra fields, duplicate keys): whenever the
fast path returns a row, the schema must accept the line and give the same row.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fwdnet.logistics.tracking.fastline import fast_event_row
from fwdnet.logistics.tracking.ingest import event_row_from_input
from fwdnet.logistics.tracking.model import details_text, utc_iso, utc_text
from fwdnet.logistics.tracking.schema import EventIn, EventType
from fwdnet.logistics.tracking.store import PostgresStore, SqliteStore

FMTS = (PostgresStore().time, SqliteStore().time)

GOOD_STR = st.sampled_from(["SF0001", "单号-7", "a", "x" * 200, "e\u0301", "A\\B\"C"]) | st.text(
    st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=8)
ODD_STR = st.sampled_from([
    " SF1", "SF1 ", "\u3000SF", "SF\u00a0", "S\x00F", "\tSF", "SF\n", "", " ", "x" * 201,
    "\x1fSF", "SF\u2028", "SF\u200b", "\x85SF", 7, None])
GOOD_TIME = st.builds(
    lambda date, hms, frac, zone: f"{date}T{hms}{frac}{zone}",
    st.sampled_from(["2026-11-01", "2024-02-29", "0001-01-02", "9999-12-30"]),
    st.sampled_from(["00:00:00", "23:59:59", "07:05:09"]),
    st.sampled_from(["", ".5", ".123", ".123456", ".000001"]),
    st.sampled_from(["Z", "+00:00", "+08:00", "-05:30"]))
ODD_FRACTIONS = st.sampled_from([",5", ".1234567", ".9999999", ".123456789", ".", ".12345678",
                                 ".0000005", ".9999995"])
ODD_TIME = st.builds(
    lambda date, frac, zone: f"{date}T07:05:09{frac}{zone}",
    st.sampled_from(["2026-11-01", "9999-12-31"]), ODD_FRACTIONS,
    st.sampled_from(["Z", "+08:00", "-05:30"]),
) | st.builds(
    lambda date, sep, hms, frac, zone: f"{date}{sep}{hms}{frac}{zone}",
    st.sampled_from(["2026-11-01", "2026-02-29", "0001-01-01", "9999-12-31", "2026-13-01",
                     "20261101"]),
    st.sampled_from(["T", "t", " ", "_"]),
    st.sampled_from(["00:00:00", "23:59:60", "24:00:00", "12:30", "07:05:09"]),
    st.sampled_from(["", ".5"]) | ODD_FRACTIONS,
    st.sampled_from(["Z", "z", "-00:00", "+0800", "+08", "+23:59", "+24:00", "+08:00:30", ""]),
) | st.sampled_from([1_700_000_000, 1.5e9, None, "now"])
GOOD_COORD = st.sampled_from([121.47, 0.0, -0.0, 180, -180.0, 90.0, 1e-7, 31.230000000000004])
ODD_COORD = st.sampled_from([180.0001, -90.5, "121.5", True, None, 10**20, 1e400])
GOOD_LOCATION = st.fixed_dictionaries({}, optional={"code": GOOD_STR, "name": GOOD_STR}) | \
    st.fixed_dictionaries({"lon": GOOD_COORD, "lat": GOOD_COORD},
                          optional={"code": GOOD_STR, "name": GOOD_STR})
DETAIL_VALUES = st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([2**64, 1e400]),
                          st.floats(allow_nan=False, allow_infinity=False), GOOD_STR,
                          ODD_STR, st.lists(st.integers(), max_size=2), st.booleans())
GOOD_DETAILS = st.dictionaries(st.sampled_from(["scan", "操作员", "x", "a b"]), DETAIL_VALUES,
                               max_size=3)
GOOD_EVENT = st.fixed_dictionaries(
    {"waybill_no": GOOD_STR, "event_type": st.sampled_from(["picked_up", "delivered"]),
     "event_time": GOOD_TIME, "carrier": GOOD_STR},
    optional={"location": GOOD_LOCATION | st.none(), "event_id": GOOD_STR | st.none(),
              "details": GOOD_DETAILS | st.none()})
# One awkward change at a time (or none), so that most lines are otherwise fast-path lines.
CHANGES: dict[str, Any] = {
    "waybill_no": ODD_STR, "carrier": ODD_STR, "event_id": ODD_STR,
    "event_type": st.sampled_from(["lost", " created", "CREATED", None]),
    "event_time": ODD_TIME, "location": st.sampled_from([{"lon": 1.0}, {"lat": 1.0}, [], "x"]),
    "location.code": ODD_STR, "location.name": ODD_STR, "location.lon": ODD_COORD,
    "location.lat": ODD_COORD, "location.extra": st.just(1),
    "details": st.sampled_from([[], "x", 1, {" scan": 1}, {"scan ": 1}, {"\u3000a": 1},
                                {"a\x00": "b"}]),
    "kind": st.sampled_from(["event", "waybill", "x"]),
    "corrects": st.sampled_from([{"event_id": "e1"}, {"event_key": "0" * 32}]),
    "note": st.just("extra"),
}


@st.composite
def event_lines(draw: st.DrawFn) -> dict[str, Any]:
    obj: dict[str, Any] = dict(draw(GOOD_EVENT))
    change = draw(st.sampled_from([None, *CHANGES]))
    if change is not None:
        value = draw(CHANGES[change])
        if change.startswith("location."):
            loc: dict[str, Any] = obj.get("location") or {}
            obj["location"] = {**loc, change.split(".")[1]: value}
        else:
            obj[change] = value
    return obj


def schema_row(line: str | bytes, fmt: Any) -> tuple[Any, ...] | None:
    """The row the schema path builds, or None if it refuses the line."""
    try:
        return event_row_from_input(EventIn.model_validate_json(line), fmt)
    except (ValidationError, ValueError, OverflowError):
        return None


def check(line: str | bytes) -> bool:
    """Assert the fast row (if any) is the schema's row; True if the fast path took it."""
    taken = False
    for fmt in FMTS:
        fast = fast_event_row(line, fmt)
        if fast is not None:
            assert schema_row(line, fmt) == fast, line
            taken = True
    return taken


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(event_lines(), st.booleans(), st.booleans())
def test_fast_rows_equal_schema_rows(obj: dict[str, Any], ascii_only: bool,
                                     as_bytes: bool) -> None:
    text = json.dumps(obj, ensure_ascii=ascii_only)
    taken = check(text.encode() if as_bytes else text)
    event(f"fast path taken: {taken}")


@pytest.mark.parametrize("line", [
    # duplicate keys: the last one wins on both paths
    '{"waybill_no":"A","waybill_no":"B","event_type":"created",'
    '"event_time":"2026-11-01T00:00:00Z","carrier":"sf"}',
    '{"waybill_no":"A","event_type":"created","event_time":"2026-11-01T00:00:00Z",'
    '"carrier":"sf","details":{"x":1,"y":2,"x":3}}',
    # escapes inside the time and strings; big numbers in details; whitespace around JSON
    '{"waybill_no":"A\\u0042","event_type":"created","event_time":"2026-11-01T00:00:00\\u005a",'
    '"carrier":"sf"}',
    '{"waybill_no":"A","event_type":"created","event_time":"2026-11-01T00:00:00Z",'
    '"carrier":"sf","details":{"n":1e999,"m":123456789012345678901234567890}}',
    '  {"waybill_no":"A","event_type":"created","event_time":"2026-11-01T00:00:00Z",'
    '"carrier":"sf"}  \r\n',
    '{"waybill_no":"A","event_type":"created","event_time":"2026-11-01T00:00:00Z",'
    '"carrier":"sf","location":{"lon":1,"lat":2}}',
    '{"waybill_no":"A","event_type":"created","event_time":"2026-11-01T00:00:00Z",'
    '"carrier":"sf","location":null,"event_id":null,"details":null}',
    # beyond microseconds: the schema truncates (msgspec alone would round)
    '{"waybill_no":"A","event_type":"created","event_time":"2026-11-01T00:00:00.9999999Z",'
    '"carrier":"sf"}',
    '{"waybill_no":"A","event_type":"created","event_time":"2026-11-01T00:00:00.1234567+08:00",'
    '"carrier":"sf"}',
])
def test_awkward_lines_agree(line: str) -> None:
    check(line)
    check(line.encode())


@pytest.mark.parametrize("event_type", [*(t.value for t in EventType), "teleported", "Delivered"])
def test_fast_path_takes_exactly_the_schemas_event_types(event_type: str) -> None:
    """Every type the schema knows takes the fast path with the schema's row; any other falls
    back (None), so the schema's error names the allowed types."""
    line = json.dumps({"waybill_no": "SF1", "event_type": event_type,
                       "event_time": "2026-11-01T00:00:00Z", "carrier": "sf"})
    row = fast_event_row(line, FMTS[0])
    if event_type in {t.value for t in EventType}:
        assert row is not None
        assert row == schema_row(line, FMTS[0])
    else:
        assert row is None


def test_common_lines_take_the_fast_path() -> None:
    """The spellings a carrier feed usually has do not fall back to the slow schema."""
    for time in ("2026-11-01T00:00:00Z", "2026-11-01T08:00:00+08:00",
                 "2026-11-01T08:00:00.123+08:00", "2026-11-01T08:00:00.123456Z"):
        for extra in ({}, {"event_id": "e1"}, {"details": {"scan": "auto", "人": 1.5}},
                      {"location": {"code": "HUB1", "name": "上海", "lon": 121.47,
                                    "lat": 31.23}}):
            line = json.dumps({"waybill_no": "SF1", "event_type": "in_transit",
                               "event_time": time, "carrier": "sf", **extra},
                              ensure_ascii=False)
            row = fast_event_row(line.encode(), FMTS[0])
            assert row is not None, line
            assert row == schema_row(line, FMTS[0])


def test_location_cache_keeps_zero_and_negative_zero_apart() -> None:
    base = {"waybill_no": "SF1", "event_type": "in_transit",
            "event_time": "2026-11-01T00:00:00Z", "carrier": "sf"}
    keys = set()
    for lon in (0.0, -0.0, 0.0):
        line = json.dumps({**base, "location": {"code": "H", "lon": lon, "lat": 1.0}})
        row = fast_event_row(line, FMTS[0])
        assert row is not None
        assert row == schema_row(line, FMTS[0])
        keys.add(row[0])
    assert len(keys) == 2


def test_whitespace_the_schema_strips_is_whitespace_to_the_fast_path() -> None:
    """The fast path steps aside for `str.isspace()` padding; pydantic strips Unicode
    White_Space. Every character pydantic strips must be one `isspace()` knows."""
    candidates = [chr(c) for c in range(sys.maxunicode + 1)
                  if unicodedata.category(chr(c)) in ("Zs", "Zl", "Zp", "Cc", "Cf")]
    for c in candidates:
        obj = {"waybill_no": c + "A", "event_type": "created",
               "event_time": "2026-11-01T00:00:00Z", "carrier": "sf"}
        try:
            got = EventIn.model_validate(obj).waybill_no
        except ValidationError:
            continue
        if got != c + "A":
            assert c.isspace(), hex(ord(c))


@settings(max_examples=500, deadline=None)
@given(st.datetimes(timezones=st.just(UTC)))
def test_utc_text_is_utc_iso(t: datetime) -> None:
    assert utc_text(t) == utc_iso(t)


def test_details_text_is_compact_json_of_the_same_values() -> None:
    """msgspec writes it; integers beyond 64 bits fall back to json; NaN/Infinity refused."""
    d = {"n": 1e16, "s": "中\u2028\x1f", "big": 2**70, "l": [1, None, True], "t": (1.5,)}
    text = details_text(d)
    assert text is not None
    assert json.loads(text) == {**d, "t": [1.5]}
    assert " " not in text.replace("\u2028", "")
    assert details_text({"n": 1e16}) == '{"n":1e16}'
    for bad in (float("nan"), float("inf"), [1.0, {"x": -float("inf")}]):
        with pytest.raises(ValueError, match="NaN or Infinity"):
            details_text({"x": bad})
