"""Waybills: status funnel, late shipments by carrier and region, one waybill's timeline
(event times shown in Asia/Shanghai)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fwdnet.dashboards.i18n import STATUS_ORDER, Lang, local_time, pct, status_label, t
from fwdnet.dashboards.panel import Panel, Section, Selector, Step
from fwdnet.simulation.results import Results, WaybillStatus, WaybillTimeline, WaybillView

MAX_TIMELINES = 200


def funnel_counts(counts: Mapping[WaybillStatus, int]) -> list[tuple[str, int]]:
    """Waybills that reached at least each forward stage (current status at or past it)."""
    forward = [s for s in STATUS_ORDER if s in counts]
    return [(s, sum(counts[x] for x in forward[i:])) for i, s in enumerate(forward)]


def status_funnel(wb: WaybillView, lang: Lang) -> Panel:
    reach = funnel_counts(wb.status_counts)
    others = sorted(wb.status_counts.items(), key=lambda kv: -kv[1])
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.18)
    fig.add_trace(go.Funnel(y=[status_label(lang, s) for s, _ in reach], x=[n for _, n in reach],
                            texttemplate="%{value:,}<br>%{percentInitial:.1%}", name="funnel",
                            marker={"color": "#1f77b4"}), row=1, col=1)
    fig.add_trace(go.Bar(y=[status_label(lang, s) for s, _ in others], x=[n for _, n in others],
                         orientation="h", text=[f"{n:,}" for _, n in others], textposition="auto",
                         marker={"color": ["#d62728" if s not in STATUS_ORDER else "#7f9fbf"
                                           for s, _ in others]},
                         name="status", hovertemplate="%{y}: %{x:,}<extra></extra>"),
                  row=1, col=2)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    fig.update_layout(title=t(lang, "wb_funnel_title", rate=pct(wb.on_time_rate)), height=400,
                      showlegend=False)
    return Panel("fig-wb-funnel", fig)


def late_chart(wb: WaybillView, lang: Lang) -> Panel:
    """Late rate per carrier × region (heatmap, counts in hover) and late count per carrier."""
    carriers = sorted({r.carrier for r in wb.late})
    regions = sorted({r.region for r in wb.late})
    cell = {(r.carrier, r.region): r for r in wb.late}
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for c in carriers:
        zr: list[float | None] = []
        tr: list[str] = []
        for g in regions:
            row = cell.get((c, g))
            zr.append(row.late / row.total if row and row.total else None)
            tr.append(t(lang, "wb_late_count", late=row.late, total=row.total) if row else "")
        z.append(zr)
        text.append(tr)
    late_by_carrier = [sum(r.late for r in wb.late if r.carrier == c) for c in carriers]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.65, 0.35], horizontal_spacing=0.12,
                        subplot_titles=(t(lang, "late_rate"), t(lang, "carrier")))
    fig.add_trace(go.Heatmap(z=z, x=regions, y=carriers, text=text, colorscale="Reds",
                             texttemplate="%{z:.0%}", zmin=0,
                             hovertemplate="%{y} · %{x}: %{z:.1%} (%{text})<extra></extra>",
                             showscale=False), row=1, col=1)  # the cells carry the numbers
    fig.add_trace(go.Bar(x=late_by_carrier, y=carriers, orientation="h",
                         marker={"color": "#d62728"}, text=[f"{n:,}" for n in late_by_carrier],
                         textposition="auto", hovertemplate="%{y}: %{x:,}<extra></extra>"),
                  row=1, col=2)
    fig.update_layout(title=t(lang, "wb_late_title"), height=180 + 34 * max(len(carriers), 1),
                      showlegend=False)
    return Panel("fig-wb-late", fig)


def _timeline_update(w: WaybillTimeline, lang: Lang) -> dict[str, list[Any]]:
    evs = sorted(w.events, key=lambda e: local_time(e.event_time))
    return {"x": [[local_time(e.event_time) for e in evs]],
            "y": [[status_label(lang, e.event_type) for e in evs]],
            "text": [[e.location or "" for e in evs]]}


def timeline_chart(wb: WaybillView, lang: Lang) -> Panel:
    """One waybill's events on a local-time axis; a dropdown picks the waybill."""
    sample = wb.timelines[:MAX_TIMELINES]
    ups = [_timeline_update(w, lang) for w in sample]
    titles = [t(lang, "wb_timeline_title", no=w.waybill_no, carrier=w.carrier,
                status=status_label(lang, w.status)) for w in sample]
    categories = [status_label(lang, s) for s in STATUS_ORDER]
    extra = sorted({y for u in ups for y in u["y"][0]} - set(categories))
    fig = go.Figure(go.Scatter(x=ups[0]["x"][0], y=ups[0]["y"][0], text=ups[0]["text"][0],
                               mode="lines+markers+text", textposition="top center",
                               marker={"size": 11, "color": "#1f77b4"},
                               hovertemplate="%{x}<br>%{y}<br>%{text}<extra></extra>"))
    fig.update_layout(title=titles[0], height=380, showlegend=False,
                      xaxis={"title": t(lang, "time_local"), "type": "date"},
                      yaxis={"title": t(lang, "event"), "type": "category",
                             "categoryorder": "array", "categoryarray": categories + extra})
    selector = Selector(
        id="sel-waybill", label=t(lang, "waybill"),
        options=tuple(f"{w.waybill_no} ({w.carrier})" for w in sample),
        steps=tuple((Step("fig-wb-timeline", (0,), u, {"title.text": title}),)
                    for u, title in zip(ups, titles, strict=True)))
    return Panel("fig-wb-timeline", fig, selector)


def waybills_section(res: Results, lang: Lang) -> Section:
    title = t(lang, "tab_waybills")
    wb = res.waybills
    if wb is None:
        return Section("waybills", title, missing=t(lang, "not_run", section="waybills"))
    panels = []
    if wb.status_counts:
        panels.append(status_funnel(wb, lang))
    if wb.late:
        panels.append(late_chart(wb, lang))
    if wb.timelines:
        panels.append(timeline_chart(wb, lang))
    if not panels:
        return Section("waybills", title, missing=t(lang, "empty", section="waybills"))
    return Section("waybills", title, tuple(panels))
