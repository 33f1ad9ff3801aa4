"""Chain remedies on the dashboard: regional vs national assortment, fixed vs flexible contracts.

Built only from the optional `assortment` and `contracts` sections of results.json; returns no
figure for a section that was not run.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fwdnet.simulation.results import AssortmentView, ContractsView, Interval, Results

_METRIC_LABEL = {"fill_rate": "fill rate 满足率", "lost_sales_units": "lost sales 缺货损失 (units)",
                 "average_stock_units": "average stock 平均库存 (units)",
                 "premium_rmb": "premium 溢价 (RMB)", "total_cost_rmb": "total cost 总成本 (RMB)"}


def _err(iv: list[Interval]) -> dict[str, object]:
    return {"type": "data", "symmetric": False, "array": [i.high - i.mean for i in iv],
            "arrayminus": [i.mean - i.low for i in iv], "color": "#444"}


def assortment_figures(view: AssortmentView) -> list[go.Figure]:
    """Per-region fill rate, lost sales and stock of each range; paired Δ fill rate with CIs."""
    names = list(dict.fromkeys(r.assortment for r in view.rows))
    regions = list(dict.fromkeys(r.region for r in view.rows))
    rows = {(r.assortment, r.region): r for r in view.rows}
    fig = make_subplots(rows=1, cols=3, subplot_titles=[
        _METRIC_LABEL[m] for m in ("fill_rate", "lost_sales_units", "average_stock_units")])
    for i, name in enumerate(names):
        for col, m in enumerate(("fill_rate", "lost_sales_units", "average_stock_units"), 1):
            iv = [getattr(rows[(name, g)], m) for g in regions]
            fig.add_trace(go.Bar(x=regions, y=[v.mean for v in iv], error_y=_err(iv), name=name,
                                 legendgroup=name, showlegend=col == 1,
                                 marker={"color": ("#1f77b4", "#ff7f0e", "#2ca02c")[i % 3]}),
                          row=1, col=col)
    fig.update_yaxes(tickformat=".1%", row=1, col=1)
    fig.update_layout(barmode="group", height=440,
                      title=(f"Regional vs national assortment 区域选品 vs 全国统一 "
                             f"({view.replications} replications, same demand; "
                             + (f"replayed on the {view.design} network"
                                + (f", {view.local_promotions} local promotion(s)"
                                   if view.local_promotions else "")
                                if view.replay == "network"
                                else f"substitution {view.substitution:.0%}") + ")"))
    diffs = [d for d in view.paired if d.metric == "fill_rate"]
    delta = go.Figure()
    for name in dict.fromkeys(d.assortment for d in diffs):  # one trace per range vs baseline
        ds = [d for d in diffs if d.assortment == name]
        delta.add_trace(go.Scatter(
            x=[d.region for d in ds], y=[d.difference.mean for d in ds], mode="markers",
            error_y=_err([d.difference for d in ds]), marker={"size": 10}, name=name,
            hovertemplate="%{x}: %{y:+.3%}<extra></extra>"))
    delta.add_hline(y=0.0, line={"color": "#999", "dash": "dot"})
    others = list(dict.fromkeys(d.assortment for d in diffs)) or ["regional"]
    delta.update_layout(height=380, yaxis={"tickformat": "+.2%"},
                        title=f"Fill rate {' / '.join(others)} − {view.baseline} per region, "
                              "paired 95% CI")
    return [fig, delta]


def contract_figures(view: ContractsView) -> list[go.Figure]:
    """Each contract's KPIs with 95% CIs, and a table of paired differences to the baseline."""
    metrics = ("fill_rate", "lost_sales_units", "average_stock_units", "premium_rmb",
               "total_cost_rmb")
    names = [c.contract for c in view.contracts]
    fig = make_subplots(rows=1, cols=len(metrics), subplot_titles=[_METRIC_LABEL[m]
                                                                   for m in metrics])
    for col, m in enumerate(metrics, 1):
        iv = [getattr(c, m) for c in view.contracts]
        fig.add_trace(go.Bar(x=names, y=[v.mean for v in iv], error_y=_err(iv),
                             marker={"color": ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"][
                                 : len(names)]}, showlegend=False), row=1, col=col)
    fig.update_yaxes(tickformat=".1%", row=1, col=1)
    fig.update_layout(height=440, title=(
        f"Supplier contracts 柔性供应 ({view.skus} SKUs, {view.days} days, "
        f"{view.replications} replications on the same demand)"))
    table = go.Figure(go.Table(
        header={"values": ["contract − baseline", "metric", "mean", "95% CI"]},
        cells={"values": [
            [f"{d.design} − {d.baseline}" for d in view.paired],
            [_METRIC_LABEL.get(d.metric, d.metric) for d in view.paired],
            [f"{d.difference.mean:+,.4f}" for d in view.paired],
            [f"[{d.difference.low:+,.4f}, {d.difference.high:+,.4f}]" for d in view.paired]]}))
    table.update_layout(height=80 + 30 * max(len(view.paired), 1),
                        title="Paired differences (common random numbers)")
    return [fig, table]


def figures(results: Results) -> list[go.Figure]:
    """All chain-remedy figures present in `results` (empty when neither section was run)."""
    out: list[go.Figure] = []
    if results.assortment is not None and results.assortment.rows:
        out += assortment_figures(results.assortment)
    if results.contracts is not None and results.contracts.contracts:
        out += contract_figures(results.contracts)
    return out
