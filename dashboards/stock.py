"""Stock: days of cover by region × category, stockouts over time, and the hot-item view
(where a SKU is short or piles up, with the suggested transfers for it)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fwdnet.dashboards.i18n import Lang, pct, rmb, t
from fwdnet.dashboards.panel import Panel, Section, Selector, Step
from fwdnet.simulation.results import Results, StockView, Transfer

STATUS_COLOUR = {"short": "#d62728", "ok": "#2ca02c", "excess": "#ff7f0e"}
MAX_TRANSFER_ROWS = 25


def cover_matrix(stock: StockView) -> tuple[list[str], list[str], list[list[float | None]]]:
    """(regions, categories, days of cover[region][category]) from the region × category rows."""
    rows = [r for r in stock.regions if r.category is not None]
    regions = sorted({r.region for r in rows})
    cats = sorted({r.category for r in rows if r.category is not None})
    cell = {(r.region, r.category): r.days_of_cover for r in rows}
    return regions, cats, [[cell.get((g, c)) for c in cats] for g in regions]


def cover_heatmap(stock: StockView, lang: Lang) -> Panel:
    regions, cats, z = cover_matrix(stock)
    fig = go.Figure(go.Heatmap(
        z=z, x=cats, y=regions, colorscale="RdYlBu", zmid=None, texttemplate="%{z:.1f}",
        colorbar={"title": {"text": t(lang, "days")}},
        hovertemplate="%{y} · %{x}: %{z:.1f} " + t(lang, "days") + "<extra></extra>"))
    fig.update_layout(title=t(lang, "stock_heat_title"), height=160 + 30 * max(len(regions), 1),
                      xaxis={"title": t(lang, "category")},
                      yaxis={"title": t(lang, "region"), "autorange": "reversed"})
    return Panel("fig-stock-heat", fig)


def region_table(stock: StockView, lang: Lang) -> Panel:
    rows = sorted((r for r in stock.regions if r.category is None), key=lambda r: r.region)
    if not rows:  # no totals row: aggregate nothing, show the per-category rows instead
        rows = sorted(stock.regions, key=lambda r: (r.region, r.category or ""))
    header = [t(lang, "region"), t(lang, "category"), t(lang, "fill_rate"),
              t(lang, "kpi_cover"), t(lang, "lost"), t(lang, "stockout_days")]
    cells = [[r.region for r in rows], [r.category or "—" for r in rows],
             [pct(r.fill_rate) for r in rows], [f"{r.days_of_cover:,.1f}" for r in rows],
             [f"{r.lost_sales_units:,.0f}" for r in rows],
             [f"{r.stockout_days:,.1f}" for r in rows]]
    fig = go.Figure(go.Table(header={"values": header, "fill": {"color": "#e8eef4"}},
                             cells={"values": cells}))
    fig.update_layout(title=t(lang, "region_totals"), height=120 + 26 * min(len(rows), 20),
                      margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return Panel("fig-stock-regions", fig)


def stockouts(res: Results, stock: StockView, lang: Lang) -> Panel:
    ys = stock.stockout_pairs_by_day
    xs: list[str] | list[int] = (res.daily.date if len(res.daily.date) == len(ys)
                                 else list(range(1, len(ys) + 1)))
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", fill="tozeroy",
                               name=t(lang, "stockout_pairs"), line={"color": "#d62728"},
                               hovertemplate="%{x}: %{y:,.0f}<extra></extra>"))
    fig.update_layout(title=t(lang, "stockouts_title"), height=340,
                      yaxis={"title": t(lang, "stockout_pairs"), "tickformat": ",.0f"})
    return Panel("fig-stockouts", fig)


def _transfer_cells(ts: list[Transfer]) -> list[list[str]]:
    ts = sorted(ts, key=lambda x: -x.units)[:MAX_TRANSFER_ROWS]
    return [[x.from_site for x in ts], [x.to_site for x in ts], [f"{x.units:,.0f}" for x in ts],
            [rmb(x.cost_rmb) for x in ts]]


def hot_items(stock: StockView, lang: Lang) -> Panel:
    """Days of cover per site for one chosen SKU (bars by status) and its suggested transfers."""
    # SKUs with suggested transfers first, then those short at the most sites
    moved = {x.sku for x in stock.transfers}
    short = {h.sku: 0 for h in stock.hot_items}
    for h in stock.hot_items:
        short[h.sku] += h.status == "short"
    skus = sorted(set(short) | moved, key=lambda s: (s not in moved, -short.get(s, 0), s))
    names = {h.sku: h.name for h in stock.hot_items}
    fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], horizontal_spacing=0.06,
                        specs=[[{"type": "xy"}, {"type": "table"}]],
                        subplot_titles=(t(lang, "hot_title"), t(lang, "transfers_title")))
    steps: list[tuple[Step, ...]] = []
    for sku in skus:
        items = sorted((h for h in stock.hot_items if h.sku == sku), key=lambda h: h.days_of_cover)
        bars: dict[str, list[Any]] = {"x": [[f"{h.site} ({h.region})" for h in items]],
                "y": [[h.days_of_cover for h in items]],
                "marker.color": [[STATUS_COLOUR.get(h.status, "#7f7f7f") for h in items]],
                "text": [[t(lang, f"status_{h.status}") if h.status in STATUS_COLOUR
                          else h.status for h in items]],
                "customdata": [[h.on_hand_units for h in items]]}
        table = {"cells.values": [_transfer_cells([x for x in stock.transfers if x.sku == sku])]}
        steps.append((Step("fig-hot", (0,), bars), Step("fig-hot", (1,), table)))
    first = steps[0] if steps else None
    fig.add_trace(go.Bar(
        x=first[0].update["x"][0] if first else [], y=first[0].update["y"][0] if first else [],
        marker={"color": first[0].update["marker.color"][0] if first else []},
        text=first[0].update["text"][0] if first else [],
        customdata=first[0].update["customdata"][0] if first else [], textposition="auto",
        name=t(lang, "kpi_cover"),
        hovertemplate="%{x}: %{y:.1f} " + t(lang, "days") + " (%{customdata:,.0f} "
        + t(lang, "units") + ")<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Table(
        header={"values": [t(lang, "from_site"), t(lang, "to_site"), t(lang, "qty"),
                           t(lang, "cost")], "fill": {"color": "#e8eef4"}},
        cells={"values": first[1].update["cells.values"][0] if first else [[], [], [], []]}),
        row=1, col=2)
    fig.update_yaxes(title=t(lang, "kpi_cover"), row=1, col=1)
    fig.update_layout(height=440, showlegend=False, margin={"t": 60})
    selector = Selector(
        id="sel-hot", label=t(lang, "hot_sku"),
        options=tuple(f"{s} {names.get(s, '')}".strip() for s in skus),
        steps=tuple(steps)) if skus else None
    total_units = sum(x.units for x in stock.transfers)
    note = (f"{t(lang, 'transfers_title')}: {len(stock.transfers)} · "
            f"{total_units:,.0f} {t(lang, 'units')} · "
            f"{rmb(sum(x.cost_rmb for x in stock.transfers))}")
    return Panel("fig-hot", fig, selector, note)


def stock_section(res: Results, lang: Lang) -> Section:
    title = t(lang, "tab_stock")
    stock = res.stock
    if stock is None:
        return Section("stock", title, missing=t(lang, "not_run", section="stock"))
    panels = []
    if any(r.category is not None for r in stock.regions):
        panels.append(cover_heatmap(stock, lang))
    if stock.stockout_pairs_by_day:
        panels.append(stockouts(res, stock, lang))
    if stock.hot_items or stock.transfers:
        panels.append(hot_items(stock, lang))
    if stock.regions:
        panels.append(region_table(stock, lang))
    if not panels:
        return Section("stock", title, missing=t(lang, "empty", section="stock"))
    return Section("stock", title, tuple(panels))
