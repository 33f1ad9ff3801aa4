"""The page: every tab present, "not run" notes for absent sections, offline, safe to embed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fwdnet.dashboards.page import build_dashboard, dashboard_html, sections, write_dashboard
from fwdnet.simulation.results import Results, SiteOut, write_results

TABS = ["overview", "network", "comparison", "stock", "forecast", "waybills", "remedies"]


def _figs(page: str) -> dict[str, dict[str, object]]:
    m = re.search(r"const FWD_FIGS = (.*?);\n", page)
    assert m is not None
    return json.loads(m.group(1).replace("<\\/", "</"))  # type: ignore[no-any-return]


def test_core_only_page_notes_each_missing_section(core_results: Results) -> None:
    page = build_dashboard(core_results, "en")
    for key in TABS:
        assert f'id="tab-{key}"' in page
    missing = re.findall(r'data-missing="(\w+)"', page)
    assert missing == ["comparison", "stock", "forecast", "waybills", "remedies"]
    assert page.count("Not run for this scenario") == 5 + 1  # 5 tabs + the on-time card
    zh = build_dashboard(core_results, "zh")
    assert zh.count("本场景未运行此环节") == 6
    assert "<html lang='zh-CN'>" in zh


def test_full_page_draws_every_panel_and_no_not_run_note(full_results: Results) -> None:
    page = build_dashboard(full_results, "en")
    assert "data-missing" not in page
    figs = _figs(page)
    divs = [p.div for s in sections(full_results, "en") for p in s.panels]
    assert sorted(figs) == sorted(divs)
    # 2 overview, 1 map, 4 comparison, 4 stock, 2 forecast, 3 waybills, 4 remedies
    assert len(divs) == 20
    assert all(f"id=\"{d}\" class=\"fwd-fig\"" in page for d in divs)
    assert all(figs[d]["data"] for d in divs)


def test_page_is_self_contained(full_results: Results) -> None:
    """plotly.js inlined, no external script, stylesheet or geo topojson: opens offline."""
    page = build_dashboard(full_results, "en")
    assert re.search(r"<script[^>]*\bsrc=", page) is None
    assert re.search(r"<link[^>]*\bhref=", page) is None
    types = {tr["type"] for f in _figs(page).values() for tr in f["data"]}  # type: ignore[attr-defined]
    assert types.isdisjoint({"scattergeo", "choropleth", "scattermap", "scattermapbox"})
    assert "Plotly.newPlot" in page


def test_amounts_in_rmb_with_thousands_separators(full_results: Results) -> None:
    page = build_dashboard(full_results, "en")
    total = full_results.kpis.total_cost_rmb
    assert f"¥{total:,.0f}" in page


def test_a_site_name_cannot_break_out_of_the_script(core_results: Results) -> None:
    """A hostile name in the data is escaped in HTML and cannot close the <script> element."""
    evil = "</script><script>alert(1)</script>"
    sites = [s if s.kind != "store" else SiteOut(**{**s.model_dump(), "name": evil})
             for s in core_results.sites]
    res = core_results.model_copy(update={"sites": sites, "scenario": core_results.scenario
                                          .model_copy(update={"name": evil})})
    page = build_dashboard(res, "en")
    assert evil not in page
    assert page.count("</script>") == page.count("<script")


def test_unknown_language_is_refused(core_results: Results) -> None:
    with pytest.raises(ValueError, match="lang must be one of"):
        build_dashboard(core_results, "de")


def test_write_dashboard_is_atomic_and_defaults_to_chinese(full_results: Results,
                                                           tmp_path: Path) -> None:
    src = tmp_path / "results.json"
    write_results(src, full_results)
    out = write_dashboard(src, tmp_path / "sub" / "dashboard.html")
    assert out == tmp_path / "sub" / "dashboard.html"
    assert sorted(p.name for p in out.parent.iterdir()) == ["dashboard.html"]  # no temp left
    assert "网络地图" in out.read_text(encoding="utf-8")
    assert dashboard_html(src, "en").count("Network map") >= 1


def test_tiles_add_a_web_map_only_when_asked(core_results: Results) -> None:
    url = "https://tiles.example/{z}/{x}/{y}.png"
    figs = _figs(build_dashboard(core_results, "en", tiles=url))
    layers = figs["fig-map-tiles"]["layout"]["map"]["layers"]  # type: ignore[index]
    assert layers[0]["source"] == [url]
    assert {tr["type"] for tr in figs["fig-map-tiles"]["data"]} == {"scattermap"}  # type: ignore[index]
    assert "fig-map-tiles" not in _figs(build_dashboard(core_results, "en"))


def test_present_but_empty_sections_say_so_instead_of_drawing_blank_figures(
        core_results: Results) -> None:
    from fwdnet.simulation.results import (
        AssortmentView,
        Comparison,
        ContractsView,
        ForecastView,
        StockView,
        WaybillView,
    )

    empty = core_results.model_copy(update={
        "comparison": Comparison(baseline="x", replications=0, warmup_days=0, designs=[],
                                 paired=[]),
        "stock": StockView(regions=[], stockout_pairs_by_day=[], hot_items=[], transfers=[]),
        "forecast": ForecastView(model="m", series=[], accuracy=[]),
        "waybills": WaybillView(status_counts={}, on_time_rate=0.0, late=[], timelines=[]),
        "contracts": ContractsView(baseline="fixed", replications=0, skus=0, days=0,
                                   contracts=[], paired=[]),
        "assortment": AssortmentView(baseline="national", replications=0, substitution=0.0,
                                     rows=[], paired=[])})
    page = build_dashboard(empty, "en")
    assert re.findall(r'data-missing="(\w+)"', page) == ["comparison", "stock", "forecast",
                                                         "waybills", "remedies"]
    assert page.count("has no data to draw") == 5
    assert "Not run" not in page
