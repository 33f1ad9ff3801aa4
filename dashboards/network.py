"""The network map: CDC, open/closed FWs, stores coloured by FW, service regions, truck routes.

Plain lon/lat axes (equal scale at the network's latitude), not a geo layout: plotly's geo
base map downloads topojson from a CDN, and the page must render with no internet.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.colors import qualitative

from fwdnet.dashboards.i18n import Lang, rmb, t
from fwdnet.dashboards.panel import Panel, Section, Selector, Step
from fwdnet.dashboards.regions import service_regions
from fwdnet.simulation.results import Results, RoutingOut

PALETTE = qualitative.D3 + qualitative.Set2 + qualitative.Pastel1


def node_colours(res: Results) -> dict[str, str]:
    """One colour per serving node (FW or CDC), stable for a given design."""
    nodes = sorted(set(res.design.assignment.values()) | set(res.design.open_fw))
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(nodes)}


def _route_option(rt: RoutingOut, lang: Lang) -> str:
    if rt.echelon == "cdc_fw":
        return t(lang, "routes_cdc_fw")
    depot = rt.routes[0].depot if rt.routes else "?"
    return t(lang, "routes_from", depot=depot)


def _route_trace(rt: RoutingOut, lang: Lang, colour: str) -> go.Scatter:
    lon: list[float | None] = []
    lat: list[float | None] = []
    text: list[str | None] = []
    for i, r in enumerate(rt.routes, start=1):
        label = t(lang, "route_label", depot=r.depot, i=i, stops=len(r.stops),
                  km=r.distance_m / 1000, cost=rmb(r.cost_rmb))
        lon += [p[0] for p in r.path] + [None]
        lat += [p[1] for p in r.path] + [None]
        text += [label] * len(r.path) + [None]
    trunk = rt.echelon == "cdc_fw"
    return go.Scatter(x=lon, y=lat, mode="lines", name=_route_option(rt, lang), text=text,
                      hoverinfo="text", legendgroup="routes",
                      line={"width": 2.5 if trunk else 1.2, "color": "#222" if trunk else colour,
                            "dash": "solid" if trunk else "dot"})


def network_map(res: Results, lang: Lang) -> Panel:
    """The map panel, with a dropdown choosing which echelon's/depot's routes are drawn."""
    fig = go.Figure()
    by_id = {s.id: s for s in res.sites}
    colours = node_colours(res)
    for fw, poly in service_regions(res).items():
        xs, ys = poly.exterior.xy
        fig.add_trace(go.Scatter(
            x=list(xs), y=list(ys), mode="lines", fill="toself", name=t(lang, "region_of", node=fw),
            line={"width": 1, "color": colours[fw]}, opacity=0.25, hoverinfo="name",
            legendgroup=fw, showlegend=False))
    for node in sorted(set(res.design.assignment.values())):
        members = [by_id[sid] for sid, n in sorted(res.design.assignment.items()) if n == node]
        fig.add_trace(go.Scatter(
            x=[s.lon for s in members], y=[s.lat for s in members], mode="markers",
            marker={"size": 6, "color": colours[node]}, name=t(lang, "stores_of", node=node),
            text=[f"{s.id} {s.name} → {node}" for s in members], hoverinfo="text",
            legendgroup=node))
    route_idx: list[int] = []
    route_rts = [rt for rt in res.routing if rt.routes]
    for rt in route_rts:
        route_idx.append(len(fig.data))
        depot = rt.routes[0].depot
        fig.add_trace(_route_trace(rt, lang, colours.get(depot, "#555")))
    unrouted = sorted({sid for rt in res.routing for sid in rt.unassigned if sid in by_id})
    if unrouted:
        fig.add_trace(go.Scatter(
            x=[by_id[s].lon for s in unrouted], y=[by_id[s].lat for s in unrouted],
            mode="markers", marker={"size": 9, "symbol": "x-thin", "line": {"width": 2},
                                    "color": "#b00"},
            name=t(lang, "unrouted"), text=unrouted, hoverinfo="text"))
    open_fw = [by_id[f] for f in res.design.open_fw if f in by_id]
    closed_fw = [by_id[f] for f in res.design.closed_fw if f in by_id]
    cdc = [s for s in res.sites if s.kind == "cdc"]
    for group, name, symbol, colour in ((open_fw, t(lang, "fw_open"), "square", "#d62728"),
                                        (closed_fw, t(lang, "fw_closed"), "square-open", "#7f7f7f"),
                                        (cdc, t(lang, "cdc"), "star", "#1f3b73")):
        if group:
            fig.add_trace(go.Scatter(
                x=[s.lon for s in group], y=[s.lat for s in group], mode="markers",
                marker={"size": 14, "symbol": symbol, "color": colour,
                        "line": {"width": 1, "color": "white"}},
                name=name, text=[f"{s.id} {s.name}" for s in group], hoverinfo="text"))
    lons = [s.lon for s in res.sites]
    lats = [s.lat for s in res.sites]
    mid_lat = (min(lats) + max(lats)) / 2
    fig.update_xaxes(title=t(lang, "lon"), range=[min(lons) - 0.3, max(lons) + 0.3],
                     constrain="domain")
    fig.update_yaxes(title=t(lang, "lat"), range=[min(lats) - 0.3, max(lats) + 0.3],
                     scaleanchor="x", scaleratio=1 / math.cos(math.radians(mid_lat)),
                     constrain="domain")
    title, routes_label = _day_labels(res, lang)
    fig.update_layout(title=title, height=820, hovermode="closest",
                      margin={"l": 50, "r": 10, "t": 50, "b": 40}, plot_bgcolor="#f4f6f8")
    selector = None
    if route_idx:
        idx = tuple(route_idx)
        n = len(idx)
        options = [t(lang, "routes_all"), *(_route_option(rt, lang) for rt in route_rts),
                   t(lang, "routes_none")]
        masks = [[True] * n, *([j == i for j in range(n)] for i in range(n)), [False] * n]
        selector = Selector(
            id="sel-routes", label=routes_label, options=tuple(options),
            steps=tuple((Step("fig-map", idx, {"visible": list(m)}),) for m in masks))
    return Panel("fig-map", fig, selector)


def _day_labels(res: Results, lang: Lang) -> tuple[str, str]:
    """Map title and route-selector label naming the day the routes are planned for."""
    day = res.routing_day.date if res.routing_day is not None else None
    if day is None:
        return t(lang, "map_title"), t(lang, "routes_day")
    return t(lang, "map_title_date", date=day), t(lang, "routes_date", date=day)


def tile_map(res: Results, lang: Lang, tiles: str, attribution: str = "") -> Panel:
    """The same network over raster web-map tiles (`tiles`: an {z}/{x}/{y} URL template).

    Optional: the tiles come from that server, so this panel needs its network access; the
    plain lon/lat map above stays the offline default.
    """
    fig = go.Figure()
    by_id = {s.id: s for s in res.sites}
    colours = node_colours(res)
    for fw, poly in service_regions(res).items():
        xs, ys = poly.exterior.xy
        fig.add_trace(go.Scattermap(lon=list(xs), lat=list(ys), mode="lines", fill="toself",
                                    line={"width": 1, "color": colours[fw]}, opacity=0.3,
                                    name=t(lang, "region_of", node=fw), showlegend=False,
                                    hoverinfo="name"))
    for node in sorted(set(res.design.assignment.values())):
        members = [by_id[sid] for sid, n in sorted(res.design.assignment.items()) if n == node]
        fig.add_trace(go.Scattermap(
            lon=[s.lon for s in members], lat=[s.lat for s in members], mode="markers",
            marker={"size": 7, "color": colours[node]}, name=t(lang, "stores_of", node=node),
            text=[f"{s.id} {s.name} → {node}" for s in members], hoverinfo="text"))
    for rt in (r for r in res.routing if r.routes):
        line = _route_trace(rt, lang, colours.get(rt.routes[0].depot, "#555"))
        fig.add_trace(go.Scattermap(lon=line.x, lat=line.y, mode="lines", name=line.name,
                                    line={"width": line.line.width, "color": line.line.color},
                                    text=line.text, hoverinfo="text"))
    sites = [(by_id[f], t(lang, "fw_open"), "#d62728") for f in res.design.open_fw
             if f in by_id] + [(s, t(lang, "cdc"), "#1f3b73") for s in res.sites
                               if s.kind == "cdc"]
    fig.add_trace(go.Scattermap(
        lon=[s.lon for s, _, _ in sites], lat=[s.lat for s, _, _ in sites], mode="markers",
        marker={"size": 14, "color": [c for _, _, c in sites]}, name=t(lang, "fw_open"),
        text=[f"{label}: {s.id} {s.name}" for s, label, _ in sites], hoverinfo="text"))
    lons = [s.lon for s in res.sites]
    lats = [s.lat for s in res.sites]
    fig.update_layout(
        title=_day_labels(res, lang)[0], height=680, margin={"l": 0, "r": 0, "t": 50, "b": 0},
        map={"style": "white-bg", "zoom": 5.5,
             "center": {"lon": (min(lons) + max(lons)) / 2, "lat": (min(lats) + max(lats)) / 2},
             "layers": [{"below": "traces", "sourcetype": "raster", "source": [tiles],
                         "sourceattribution": attribution}]})
    return Panel("fig-map-tiles", fig)


def network_section(res: Results, lang: Lang, tiles: str | None = None) -> Section:
    """The offline map, plus the tile map when a tile URL template is given."""
    panels = [network_map(res, lang)]
    if tiles:
        panels.append(tile_map(res, lang, tiles))
    return Section("network", t(lang, "tab_network"), tuple(panels))
