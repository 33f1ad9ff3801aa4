"""A printable e-waybill label (100 × 150 mm SVG): the waybill number as a Code 128 barcode
with the fields a 电子面单 carries (carrier, service, sort code, receiver, sender, parcels).

Bars come from python-barcode's Code 128 encoder; the layout is ours, so the barcode and
the text live in one self-contained SVG.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from fwdnet.logistics.kernel.clock import CHINA_TZ
from fwdnet.logistics.tracking.model import Waybill

WIDTH_MM = 100.0
HEIGHT_MM = 150.0
QUIET_MODULES = 10  # Code 128 needs a quiet zone of at least 10 modules each side


def code128_modules(text: str) -> str:
    """The module pattern ('1' bar, '0' space) of `text` in Code 128, start to stop."""
    from barcode.codex import Code128

    return str(Code128(text).build()[0])


def bar_runs(modules: str) -> list[tuple[int, int]]:
    """(start, width) in modules of every bar, merging adjacent dark modules."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(modules):
        if modules[i] == "1":
            j = i
            while j < len(modules) and modules[j] == "1":
                j += 1
            runs.append((i, j - i))
            i = j
        else:
            i += 1
    return runs


def _text(x: float, y: float, s: str, size: float, *, bold: bool = False,
          anchor: str = "start") -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size:.2f}" text-anchor="{anchor}"'
            f'{weight}>{escape(s)}</text>')


def render_label_svg(wb: Waybill) -> str:
    """The label of one waybill as SVG text (millimetre user units)."""
    modules = code128_modules(wb.waybill_no)
    usable = WIDTH_MM - 8.0
    module_mm = min(0.5, usable / (len(modules) + 2 * QUIET_MODULES))
    x0 = (WIDTH_MM - module_mm * len(modules)) / 2
    bar_top, bar_h = 30.0, 22.0
    bars = "".join(
        f'<rect x="{x0 + s * module_mm:.3f}" y="{bar_top}" width="{w * module_mm:.3f}" '
        f'height="{bar_h}"/>'
        for s, w in bar_runs(modules)
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH_MM}mm" height="{HEIGHT_MM}mm" '
        f'viewBox="0 0 {WIDTH_MM} {HEIGHT_MM}" font-family="sans-serif">',
        f"<title>e-waybill {escape(wb.waybill_no)}</title>",
        f'<rect x="0" y="0" width="{WIDTH_MM}" height="{HEIGHT_MM}" fill="white" '
        'stroke="black" stroke-width="0.4"/>',
        _text(4, 10, wb.carrier.upper(), 6, bold=True),
        _text(96, 10, wb.service_level, 5, anchor="end"),
        _text(50, 24, wb.sort_code or wb.receiver_site, 9, bold=True, anchor="middle"),
        f'<g id="barcode" fill="black" data-symbology="code128" '
        f'data-module-mm="{module_mm:.4f}">{bars}</g>',
        _text(50, 57, wb.waybill_no, 4.5, anchor="middle"),
        '<line x1="0" y1="61" x2="100" y2="61" stroke="black" stroke-width="0.3"/>',
    ]
    y = 68.0
    for title, party, site in (("收 To", wb.receiver, wb.receiver_site),
                               ("寄 From", wb.sender, wb.sender_site)):
        parts.append(_text(4, y, title, 3.5, bold=True))
        lines = [site] if party is None else [
            f"{party.name}  {party.phone or ''}".strip(), party.address or "", site]
        for line in filter(None, lines):
            y += 5.0
            parts.append(_text(8, y, line[:48], 3.6))
        y += 8.0
    promised = wb.promised_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    for line in (
        f"件数 parcels: {wb.parcel_count}   重量 {wb.weight_kg:g} kg   体积 {wb.volume_m3:g} m³",
        f"订单 order: {wb.order_ref}",
        f"承诺送达 promised: {promised} (UTC+8)",
    ):
        parts.append(_text(4, y, line, 3.3))
        y += 5.0
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
