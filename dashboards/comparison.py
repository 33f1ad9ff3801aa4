"""Design comparison: cost breakdown, fill rate and lead time with CIs, the cost-vs-service
frontier, and paired differences against the baseline (common random numbers)."""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fwdnet.dashboards.i18n import Lang, t
from fwdnet.dashboards.panel import Panel, Section
from fwdnet.simulation.results import Comparison, DesignRow, Interval, Results

COST_ORDER = ("fixed", "transport_cdc_fw", "transport_fw_store", "transfers", "handling",
              "holding", "lost_sales", "late_sales")
_LABELLED = {f"cost_{k}" for k in COST_ORDER}
_METRIC_LABEL = {"fill_rate": "fill_rate", "lead_time_days": "lead_time",
                 "total_cost_rmb": "total_cost", "co2_kg": "co2", "lost_sales_units": "lost"}


def pareto_front(rows: list[DesignRow]) -> list[str]:
    """Designs no other design beats on both cost (lower) and fill rate (higher), by cost."""
    front: list[str] = []
    best_fill = float("-inf")
    for r in sorted(rows, key=lambda r: (r.total_cost_rmb.mean, -r.fill_rate.mean)):
        if r.fill_rate.mean > best_fill:
            front.append(r.design)
            best_fill = r.fill_rate.mean
    return front


def _err(iv: list[Interval]) -> dict[str, object]:
    """Asymmetric error bars; one colour (an array of marker colours is not valid here)."""
    return {"type": "data", "symmetric": False, "array": [i.high - i.mean for i in iv],
            "arrayminus": [i.mean - i.low for i in iv], "color": "#444"}


def _name(cmp: Comparison, design: str, lang: Lang) -> str:
    return f"{design} ({t(lang, 'baseline')})" if design == cmp.baseline else design


def cost_bars(cmp: Comparison, lang: Lang) -> Panel:
    """Stacked mean cost components per design (RMB)."""
    names = [_name(cmp, r.design, lang) for r in cmp.designs]
    keys = [k for k in COST_ORDER if any(k in r.cost_breakdown_rmb for r in cmp.designs)]
    keys += sorted({k for r in cmp.designs for k in r.cost_breakdown_rmb} - set(keys))
    fig = go.Figure()
    for k in keys:
        label = t(lang, f"cost_{k}") if f"cost_{k}" in _LABELLED else k
        fig.add_trace(go.Bar(x=names, y=[r.cost_breakdown_rmb.get(k, 0.0) for r in cmp.designs],
                             name=label, hovertemplate=f"{label}: ¥%{{y:,.0f}}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=names, y=[r.total_cost_rmb.mean for r in cmp.designs], mode="markers",
        marker={"symbol": "line-ew-open", "size": 30, "color": "#222"},
        error_y=_err([r.total_cost_rmb for r in cmp.designs]), name=t(lang, "total_cost"),
        hovertemplate="¥%{y:,.0f}<extra></extra>"))
    if any(r.model_cost_rmb is not None for r in cmp.designs):
        fig.add_trace(go.Scatter(
            x=names, y=[r.model_cost_rmb for r in cmp.designs], mode="markers",
            marker={"symbol": "diamond-open", "size": 14, "color": "#d62728"},
            name=t(lang, "model_cost"), hovertemplate="¥%{y:,.0f}<extra></extra>"))
    fig.update_layout(barmode="stack", title=t(lang, "cmp_cost_title"), height=460,
                      yaxis={"tickprefix": "¥", "tickformat": ",.0f"})
    return Panel("fig-cmp-cost", fig, note=t(lang, "cmp_note", n=cmp.replications,
                                              w=cmp.warmup_days))


def ci_plots(cmp: Comparison, lang: Lang) -> Panel:
    """Fill rate and lead time per design as means with 95% CI error bars."""
    names = [_name(cmp, r.design, lang) for r in cmp.designs]
    fig = make_subplots(rows=1, cols=2, subplot_titles=(t(lang, "fill_rate"),
                                                        t(lang, "lead_time")))
    fig.add_trace(go.Scatter(x=names, y=[r.fill_rate.mean for r in cmp.designs], mode="markers",
                             error_y=_err([r.fill_rate for r in cmp.designs]),
                             marker={"size": 10}, name=t(lang, "fill_rate"),
                             hovertemplate="%{x}: %{y:.2%}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=names, y=[r.lead_time_days.mean for r in cmp.designs],
                             mode="markers", error_y=_err([r.lead_time_days for r in cmp.designs]),
                             marker={"size": 10, "color": "#ff7f0e"}, name=t(lang, "lead_time"),
                             hovertemplate="%{x}: %{y:.2f}<extra></extra>"), row=1, col=2)
    fig.update_yaxes(tickformat=".1%", row=1, col=1)
    fig.update_layout(title=t(lang, "cmp_ci_title"), height=420, showlegend=False)
    return Panel("fig-cmp-ci", fig)


def frontier(cmp: Comparison, lang: Lang) -> Panel:
    """Cost vs fill rate scatter of all designs with the Pareto frontier drawn through them."""
    rows = cmp.designs
    fig = go.Figure(go.Scatter(
        x=[r.total_cost_rmb.mean for r in rows], y=[r.fill_rate.mean for r in rows],
        mode="markers+text", text=[_name(cmp, r.design, lang) for r in rows],
        textposition="top center", error_x=_err([r.total_cost_rmb for r in rows]),
        error_y=_err([r.fill_rate for r in rows]), name=t(lang, "designs"),
        marker={"size": 11, "color": ["#d62728" if r.design == cmp.baseline else "#1f77b4"
                                      for r in rows]},
        hovertemplate="%{text}<br>¥%{x:,.0f}<br>%{y:.2%}<extra></extra>"))
    by = {r.design: r for r in rows}
    front = [by[d] for d in pareto_front(rows)]
    fig.add_trace(go.Scatter(x=[r.total_cost_rmb.mean for r in front],
                             y=[r.fill_rate.mean for r in front], mode="lines",
                             line={"dash": "dash", "color": "#2ca02c"},
                             name=t(lang, "frontier"), hoverinfo="skip"))
    fig.update_layout(title=t(lang, "cmp_frontier_title"), height=460,
                      xaxis={"title": t(lang, "total_cost"), "tickprefix": "¥",
                             "tickformat": ",.0f"},
                      yaxis={"title": t(lang, "fill_rate"), "tickformat": ".1%"})
    return Panel("fig-cmp-frontier", fig)


def paired(cmp: Comparison, lang: Lang) -> Panel:
    """design − baseline per metric with its CI; green/red where the CI excludes zero."""
    metrics = sorted({p.metric for p in cmp.paired},
                     key=lambda m: (m not in _METRIC_LABEL, list(_METRIC_LABEL).index(m)
                                    if m in _METRIC_LABEL else 0, m))
    cols = min(len(metrics), 3)
    nrows = math.ceil(len(metrics) / cols)
    designs = len({p.design for p in cmp.paired})
    height = 100 + nrows * (110 + 36 * max(designs, 1))
    fig = make_subplots(rows=nrows, cols=cols, vertical_spacing=min(0.3, 90 / height),
                        subplot_titles=[t(lang, _METRIC_LABEL[m]) if m in _METRIC_LABEL
                                        else m for m in metrics])
    better_low = {"total_cost_rmb", "lead_time_days", "lost_sales_units", "co2_kg"}
    for k, m in enumerate(metrics):
        row, col = k // cols + 1, k % cols + 1
        ps = [p for p in cmp.paired if p.metric == m]
        colours = []
        for p in ps:
            iv = p.difference
            if iv.low <= 0 <= iv.high:
                colours.append("#7f7f7f")
            else:
                good = (iv.mean < 0) if m in better_low else (iv.mean > 0)
                colours.append("#2ca02c" if good else "#d62728")
        fmt = ".2%" if m == "fill_rate" else ",.2f"
        fig.add_trace(go.Scatter(
            x=[p.difference.mean for p in ps], y=[p.design for p in ps], mode="markers",
            error_x=_err([p.difference for p in ps]), marker={"size": 10, "color": colours},
            name=m, hovertemplate=f"%{{y}}: %{{x:{fmt}}}<extra></extra>"), row=row, col=col)
        fig.add_vline(x=0, line={"color": "#444", "width": 1}, row=row, col=col)
        if m == "fill_rate":
            fig.update_xaxes(tickformat=".1%", row=row, col=col)
        elif m.endswith("_rmb"):
            fig.update_xaxes(tickprefix="¥", tickformat=",.0f", row=row, col=col)
    fig.update_layout(title=t(lang, "cmp_paired_title", base=cmp.baseline), showlegend=False,
                      height=height)
    return Panel("fig-cmp-paired", fig)


def comparison_section(res: Results, lang: Lang) -> Section:
    title = t(lang, "tab_comparison")
    cmp = res.comparison
    if cmp is None:
        return Section("comparison", title, missing=t(lang, "not_run", section="comparison"))
    if not cmp.designs:
        return Section("comparison", title, missing=t(lang, "empty", section="comparison"))
    panels = [cost_bars(cmp, lang), ci_plots(cmp, lang), frontier(cmp, lang)]
    if cmp.paired:
        panels.append(paired(cmp, lang))
    return Section("comparison", title, tuple(panels))
