"""The label's barcode decodes back to the waybill number (an independent Code 128 reader)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from barcode.charsets.code128 import CODES, STOP

from fwdnet.logistics.tracking import Party, Waybill
from fwdnet.logistics.tracking.label import render_label_svg

NS = {"s": "http://www.w3.org/2000/svg"}


def waybill(no: str) -> Waybill:
    return Waybill(no, "PO-1", "CDC-SH", "ST-017", "sf", "next-day", 3, 12.5, 0.08,
                   datetime(2026, 11, 20, 10, tzinfo=UTC), "east",
                   Party("上海 CDC", "021-1234", "1 仓库路"), Party("徐汇店 <A&B>", None, None),
                   "021-A3")


def read_modules(svg: str) -> str:
    """Rebuild the module string from the bar rectangles of the SVG."""
    g = ET.fromstring(svg).find("s:g[@id='barcode']", NS)
    assert g is not None
    m = float(g.attrib["data-module-mm"])
    bars = [(float(r.attrib["x"]), float(r.attrib["width"])) for r in g.findall("s:rect", NS)]
    x0 = bars[0][0]
    out: list[str] = []
    for x, w in bars:
        start, width = round((x - x0) / m), round(w / m)
        out.append("0" * (start - len(out)) + "1" * width)
        out = list("".join(out))
    return "".join(out)


def decode_code128(modules: str) -> str:
    """Decode start B/C symbols, check the mod-103 checksum and the stop pattern."""
    table = {p: i for i, p in enumerate(CODES)}
    assert modules.endswith(STOP + "11")  # stop symbol + 2-module termination bar
    body = modules[: -len(STOP) - 2]
    values = [table[body[i:i + 11]] for i in range(0, len(body), 11)]
    *data, check = values
    assert sum(v * max(i, 1) for i, v in enumerate(data)) % 103 == check
    charset = {103: "A", 104: "B", 105: "C"}[data[0]]
    text = ""
    for v in data[1:]:
        if v == 99:
            charset = "C"
        elif v == 100:
            charset = "B"
        elif charset == "C":
            text += f"{v:02d}"
        else:
            text += chr(v + 32)
    return text


@pytest.mark.parametrize("no", ["SF1234567890", "YT-2026-ABC", "7", "JD0012345678901"])
def test_barcode_encodes_the_waybill_number(no: str) -> None:
    assert decode_code128(read_modules(render_label_svg(waybill(no)))) == no


def test_label_is_well_formed_and_carries_the_printed_fields() -> None:
    svg = render_label_svg(waybill("SF1"))
    root = ET.fromstring(svg)  # well-formed XML despite '<A&B>' in a name
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for field in ("SF1", "021-A3", "徐汇店 <A&B>", "上海 CDC", "PO-1", "12.5 kg",
                  "2026-11-20 18:00"):
        assert field in texts
    assert re.search(r'width="100.0mm" height="150.0mm"', svg)
