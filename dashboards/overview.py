"""KPI cards (the numbers an executive asks first) and the daily KPI trends.

Change vs baseline comes from `comparison` when it ran: the row whose open FWs equal this
run's design against the baseline row (no change shown when this run is the baseline).
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fwdnet.dashboards.i18n import Lang, pct, rmb, t
from fwdnet.dashboards.panel import Panel, Section
from fwdnet.simulation.results import Comparison, DesignRow, Results


@dataclass(frozen=True)
class Card:
    """One KPI card; `delta` is the change vs baseline, `good` whether that change helps."""

    key: str
    label: str
    value: str
    delta: str | None = None
    good: bool | None = None
    note: str = ""


def delivered_units(row: DesignRow) -> float | None:
    """Units delivered by a design, from fill = sales / demand and lost = demand − sales."""
    f = row.fill_rate.mean
    if f >= 1.0 or row.lost_sales_units <= 0:
        return None
    return row.lost_sales_units * f / (1.0 - f)


def compared_rows(res: Results) -> tuple[DesignRow, DesignRow] | None:
    """(this run's design row, baseline row) when a comparison exists and has both."""
    cmp: Comparison | None = res.comparison
    if cmp is None:
        return None
    base = next((r for r in cmp.designs if r.design == cmp.baseline), None)
    if base is None:
        return None
    mine = sorted(res.design.open_fw)
    if sorted(base.open_fw) == mine:
        return None  # this run is the baseline: nothing to compare the cards with
    current = next((r for r in cmp.designs if sorted(r.open_fw) == mine), None)
    return None if current is None else (current, base)


def days_of_cover(res: Results) -> float:
    """Average stock on hand divided by average daily sales over the horizon."""
    k = res.kpis
    per_day = k.sales_units / max(res.scenario.horizon_days, 1)
    return k.average_stock_units / per_day if per_day > 0 else float("inf")


def kpi_cards(res: Results, lang: Lang) -> list[Card]:
    """Service level, cost per unit delivered, days of cover, on-time, then context cards."""
    k = res.kpis
    cost_unit = k.total_cost_rmb / k.sales_units if k.sales_units > 0 else float("nan")
    svc_delta = cost_delta = total_delta = None
    svc_good = cost_good = total_good = None
    base_note = ""
    pair = compared_rows(res)
    if pair is not None:
        cur, base = pair
        base_note = t(lang, "vs_baseline", base=base.design)
        paired = {(p.design, p.metric): p.difference for p in (res.comparison.paired
                                                                if res.comparison else [])}
        dfill = paired.get((cur.design, "fill_rate"))
        d = dfill.mean if dfill else cur.fill_rate.mean - base.fill_rate.mean
        svc_delta, svc_good = f"{d * 100:+.1f} {t(lang, 'pp')}", d >= 0
        dc = paired.get((cur.design, "total_cost_rmb"))
        dt = dc.mean if dc else cur.total_cost_rmb.mean - base.total_cost_rmb.mean
        total_delta, total_good = f"{'+' if dt >= 0 else ''}{rmb(dt)}", dt <= 0
        u_cur, u_base = delivered_units(cur), delivered_units(base)
        if u_cur and u_base:
            du = cur.total_cost_rmb.mean / u_cur - base.total_cost_rmb.mean / u_base
            cost_delta, cost_good = f"{'+' if du >= 0 else ''}{rmb(du, 2)}", du <= 0
    on_time = (pct(res.waybills.on_time_rate) if res.waybills is not None else "—")
    on_time_note = "" if res.waybills is not None else t(lang, "not_run", section="waybills")
    return [
        Card("service", t(lang, "kpi_service"), pct(k.fill_rate), svc_delta, svc_good,
             base_note if svc_delta else ""),
        Card("cost_unit", t(lang, "kpi_cost_unit"), rmb(cost_unit, 2), cost_delta, cost_good,
             base_note if cost_delta else ""),
        Card("cover", t(lang, "kpi_cover"), f"{days_of_cover(res):,.1f} {t(lang, 'days')}"),
        Card("on_time", t(lang, "kpi_on_time"), on_time, note=on_time_note),
        Card("total_cost", t(lang, "kpi_total_cost"), rmb(k.total_cost_rmb), total_delta,
             total_good, base_note if total_delta else ""),
        Card("lost", t(lang, "kpi_lost"), f"{k.lost_sales_units:,.0f} {t(lang, 'units')}"),
        Card("open_fw", t(lang, "kpi_open_fw"),
             f"{len(res.design.open_fw)} / {len(res.design.open_fw) + len(res.design.closed_fw)}"),
    ]


def kpi_trends(res: Results, lang: Lang) -> Panel:
    """Daily demand/sales/lost, stock on hand and cost per day over the horizon."""
    d = res.daily
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                        subplot_titles=(t(lang, "units_per_day"), t(lang, "on_hand"),
                                        t(lang, "cost_per_day")))
    for key, ys in (("demand", d.demand), ("sales", d.sales), ("lost", d.lost)):
        fig.add_trace(go.Scatter(x=d.date, y=ys, name=t(lang, key), mode="lines",
                                 hovertemplate="%{x}: %{y:,.0f}"), row=1, col=1)
    fig.add_trace(go.Scatter(x=d.date, y=d.on_hand, name=t(lang, "stock"), mode="lines",
                             hovertemplate="%{x}: %{y:,.0f}"), row=2, col=1)
    for key, ys in (("transport", d.transport_cost_rmb), ("holding", d.holding_cost_rmb)):
        fig.add_trace(go.Scatter(x=d.date, y=ys, name=t(lang, key), mode="lines",
                                 stackgroup="cost", hovertemplate="%{x}: ¥%{y:,.0f}"),
                      row=3, col=1)
    fig.update_yaxes(tickformat=",.0f")
    fig.update_yaxes(tickprefix="¥", row=3, col=1)
    fig.update_layout(title=t(lang, "trends_title"), height=720, hovermode="x unified",
                      legend={"traceorder": "normal"},
                      margin={"l": 60, "r": 10, "t": 60, "b": 40})
    return Panel("fig-trends", fig)


def node_fill(res: Results, lang: Lang) -> Panel:
    """Fill rate of each stocking node (FWs and the CDC's direct stores)."""
    nodes = sorted(res.node_fill_rate, key=lambda n: res.node_fill_rate[n])
    fig = go.Figure(go.Bar(
        x=[res.node_fill_rate[n] for n in nodes], y=nodes, orientation="h",
        text=[pct(res.node_fill_rate[n]) for n in nodes], textposition="auto",
        hovertemplate="%{y}: %{x:.1%}<extra></extra>", marker={"color": "#2a7ab0"},
        name=t(lang, "fill_rate")))
    lo = min(res.node_fill_rate.values(), default=0.0)
    fig.update_xaxes(tickformat=".0%", range=[max(0.0, lo - 0.05), 1.0])
    fig.update_layout(title=t(lang, "node_fill"), height=120 + 28 * len(nodes),
                      margin={"l": 90, "r": 10, "t": 50, "b": 30})
    return Panel("fig-node-fill", fig)


def overview_section(res: Results, lang: Lang) -> Section:
    return Section("overview", t(lang, "tab_overview"),
                   (kpi_trends(res, lang), node_fill(res, lang)))
