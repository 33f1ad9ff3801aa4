"""Forecast vs actual with its prediction interval for a chosen SKU/region, and accuracy by
category (WAPE and bias)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fwdnet.dashboards.i18n import Lang, pct, t
from fwdnet.dashboards.panel import Panel, Section, Selector, Step
from fwdnet.simulation.results import ForecastSeries, ForecastView, Results

MAX_SERIES = 300  # the page embeds each series once; more would bloat it


def _series_update(s: ForecastSeries) -> dict[str, list[Any]]:
    """restyle values for traces (low, high, forecast, actual)."""
    return {"x": [s.dates] * 4, "y": [s.low, s.high, s.forecast, s.actual]}


def series_chart(fc: ForecastView, lang: Lang) -> Panel:
    series = fc.series[:MAX_SERIES]
    first = series[0]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=first.dates, y=first.low, mode="lines", line={"width": 0},
                             showlegend=False, hoverinfo="skip", name="low"))
    fig.add_trace(go.Scatter(x=first.dates, y=first.high, mode="lines", line={"width": 0},
                             fill="tonexty", fillcolor="rgba(31,119,180,0.2)",
                             name=t(lang, "interval"), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=first.dates, y=first.forecast, mode="lines",
                             line={"color": "#1f77b4", "width": 2}, name=t(lang, "forecast"),
                             hovertemplate="%{x}: %{y:,.0f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=first.dates, y=first.actual, mode="lines+markers",
                             line={"color": "#222", "width": 1.5}, marker={"size": 4},
                             name=t(lang, "actual"),
                             hovertemplate="%{x}: %{y:,.0f}<extra></extra>"))
    titles = [t(lang, "fc_title", key=s.key, region=s.region) for s in series]
    fig.update_layout(title=titles[0], height=440, hovermode="x unified",
                      yaxis={"title": t(lang, "units_week"), "tickformat": ",.0f"})
    selector = Selector(
        id="sel-forecast", label=t(lang, "fc_series"),
        options=tuple(f"{s.key} · {s.region}" for s in series),
        steps=tuple((Step("fig-forecast", (0, 1, 2, 3), _series_update(s),
                          {"title.text": title}),) for s, title in zip(series, titles,
                                                                       strict=True)))
    note = (t(lang, "fc_more", k=MAX_SERIES, n=len(fc.series))
            if len(fc.series) > MAX_SERIES else "")
    return Panel("fig-forecast", fig, selector, note)


def accuracy_chart(fc: ForecastView, lang: Lang) -> Panel:
    """WAPE and bias per category (falls back to whatever levels the accuracy rows have)."""
    rows = [a for a in fc.accuracy if a.level == "category"] or list(fc.accuracy)
    rows = sorted(rows, key=lambda a: a.wape)
    labels = [a.key if a.level == "category" else f"{a.level}:{a.key}" for a in rows]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=(t(lang, "wape"), t(lang, "bias")))
    fig.add_trace(go.Bar(x=[a.wape for a in rows], y=labels, orientation="h",
                         text=[pct(a.wape) for a in rows], textposition="auto",
                         customdata=[a.mase if a.mase is not None else float("nan")
                                     for a in rows],
                         hovertemplate="%{y}: WAPE %{x:.1%}, MASE %{customdata:.2f}"
                         "<extra></extra>", name=t(lang, "wape"), marker={"color": "#1f77b4"}),
                  row=1, col=1)
    fig.add_trace(go.Bar(x=[a.bias for a in rows], y=labels, orientation="h",
                         marker={"color": "#9467bd"},
                         hovertemplate="%{y}: %{x:+.1%}<extra></extra>", name=t(lang, "bias")),
                  row=1, col=2)
    fig.update_xaxes(tickformat=".0%", row=1, col=1)
    fig.update_xaxes(tickformat="+.0%", row=1, col=2)
    fig.update_layout(title=t(lang, "acc_title", model=fc.model), showlegend=False,
                      height=160 + 28 * max(len(rows), 1))
    return Panel("fig-accuracy", fig)


def forecast_section(res: Results, lang: Lang) -> Section:
    title = t(lang, "tab_forecast")
    fc = res.forecast
    if fc is None:
        return Section("forecast", title, missing=t(lang, "not_run", section="forecast"))
    if not (fc.series or fc.accuracy):
        return Section("forecast", title, missing=t(lang, "empty", section="forecast"))
    panels = []
    if fc.series:
        panels.append(series_chart(fc, lang))
    if fc.accuracy:
        panels.append(accuracy_chart(fc, lang))
    return Section("forecast", title, tuple(panels))
