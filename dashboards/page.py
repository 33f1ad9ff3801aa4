"""One self-contained HTML dashboard (plotly.js inlined, opens offline) from a results.json.

Reads only `simulation.results`: never calls an engine.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from simulation.results import Results, read_results


def _rmb(x: float) -> str:
    return f"¥{x:,.0f}"


def network_map(res: Results) -> go.Figure:
    """CDC, open/closed FWs, stores coloured by serving node, and typical-day truck routes.

Plain lon/lat axes (equal scale at the network's latitude), not a geo layout: plotly's geo
base map downloads topojson from a CDN, and the page must render with no internet.
"""
    fig = go.Figure()
    by_id = {s.id: s for s in res.sites}
    nodes = sorted(set(res.design.assignment.values()))
    for node in nodes:
        members = [by_id[sid] for sid, n in res.design.assignment.items() if n == node]
        fig.add_trace(go.Scatter(
            x=[s.lon for s in members], y=[s.lat for s in members], mode="markers",
            marker={"size": 5}, name=f"stores of {node}", text=[s.name for s in members],
            hoverinfo="text"))
    for echelon, colour, width in (("cdc_fw", "black", 2.5), ("fw_store", "grey", 0.8)):
        lon: list[float | None] = []
        lat: list[float | None] = []
        for rt in res.routing:
            if rt.echelon != echelon:
                continue
            for r in rt.routes:
                lon += [p[0] for p in r.path] + [None]
                lat += [p[1] for p in r.path] + [None]
        if lon:
            fig.add_trace(go.Scatter(x=lon, y=lat, mode="lines", name=f"routes {echelon}",
                                        line={"width": width, "color": colour}))
    open_fw = [by_id[f] for f in res.design.open_fw]
    closed_fw = [by_id[f] for f in res.design.closed_fw]
    cdc = [s for s in res.sites if s.kind == "cdc"]
    for group, name, symbol, colour in ((open_fw, "FW open", "square", "#d62728"),
                                        (closed_fw, "FW closed", "square-open", "#7f7f7f"),
                                        (cdc, "CDC", "star", "#1f77b4")):
        fig.add_trace(go.Scatter(
            x=[s.lon for s in group], y=[s.lat for s in group], mode="markers",
            marker={"size": 13, "symbol": symbol, "color": colour}, name=name,
            text=[f"{s.id} {s.name}" for s in group], hoverinfo="text"))
    lons = [s.lon for s in res.sites]
    lats = [s.lat for s in res.sites]
    mid_lat = (min(lats) + max(lats)) / 2
    fig.update_xaxes(title="longitude °E", range=[min(lons) - 0.3, max(lons) + 0.3])
    fig.update_yaxes(title="latitude °N", range=[min(lats) - 0.3, max(lats) + 0.3],
                     scaleanchor="x", scaleratio=1 / math.cos(math.radians(mid_lat)))
    fig.update_layout(title="Network design and typical-day routes", height=620,
                      margin={"l": 0, "r": 0, "t": 40, "b": 0})
    return fig


def kpi_trends(res: Results) -> go.Figure:
    """Daily demand, sales, lost sales and stock on hand over the horizon."""
    d = res.daily
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True,
                        subplot_titles=("Units per day", "Stock on hand (units)"))
    for name, ys in (("demand", d.demand), ("sales", d.sales), ("lost sales", d.lost)):
        fig.add_trace(go.Scatter(x=d.date, y=ys, name=name, mode="lines"), row=1, col=1)
    fig.add_trace(go.Scatter(x=d.date, y=d.on_hand, name="on hand", mode="lines"), row=2, col=1)
    fig.update_layout(title="KPI trends", height=560)
    return fig


def _cards(res: Results) -> str:
    k = res.kpis
    cards = [
        ("Fill rate", f"{k.fill_rate:.1%}"),
        ("Lost sales", f"{k.lost_sales_units:,.0f} units"),
        ("Average stock", f"{k.average_stock_units:,.0f} units"),
        ("Transport cost", _rmb(k.transport_cost_rmb)),
        ("Holding cost", _rmb(k.holding_cost_rmb)),
        ("FW fixed cost", _rmb(k.fixed_cost_rmb)),
        ("Total cost", _rmb(k.total_cost_rmb)),
        ("Open FWs", str(len(res.design.open_fw))),
    ]
    return "".join(f'<div class="card"><div class="v">{html.escape(v)}</div>'
                   f'<div class="l">{html.escape(label)}</div></div>' for label, v in cards)


def build_dashboard(res: Results) -> str:
    """The whole page as an HTML string with plotly.js inlined."""
    figs = [network_map(res), kpi_trends(res)]
    body = "".join(f.to_html(full_html=False, include_plotlyjs=False, div_id=f"fig{i}")
                   for i, f in enumerate(figs))
    title = f"fwdnet — {html.escape(res.scenario.name)}"
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
        "<style>body{font-family:sans-serif;margin:1em}.cards{display:flex;flex-wrap:wrap;gap:8px}"
        ".card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:130px}"
        ".v{font-size:1.4em;font-weight:bold}.l{color:#666}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        f"<h1>{title}</h1><p>{res.scenario.horizon_days} days from {res.scenario.start}, "
        f"{res.scenario.stores} stores, {res.scenario.skus} SKUs, seed {res.scenario.seed}</p>"
        f"<div class='cards'>{_cards(res)}</div>{body}</body></html>"
    )


def write_dashboard(results_json: Path, out: Path) -> Path:
    """Read a results.json and write its dashboard atomically; returns the page path."""
    page = build_dashboard(read_results(results_json))
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
