"""The pages in a real headless browser (Debian's chromium, no network): every figure draws
with data, no JavaScript error, dropdowns change what is shown, screenshots for the README.

Screenshots go to a temp folder; `FWDNET_SCREENSHOTS=comparison,forecast` (or `all`) also
copies those tabs to docs/img/sample_<tab>.png (hand-made sample data, for the README).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fwdnet.dashboards.page import build_dashboard
from fwdnet.simulation.results import Results

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TABS = ["overview", "network", "comparison", "stock", "forecast", "waybills"]
MAX_SHOT_BYTES = 300_000

_RENDERED = """(tab) => Array.from(document.querySelectorAll('#tab-' + tab + ' .fwd-fig'))
  .every(d => d.dataset.state === 'rendered')"""
_FIGURES = """(tab) => Array.from(document.querySelectorAll('#tab-' + tab + ' .fwd-fig'))
  .map(d => ({
  id: d.id,
  svg: d.querySelectorAll('.main-svg').length,
  drawn: d.querySelectorAll('g.trace, g.table, g.hm').length,
  points: d.data.reduce((n, t) => n + Math.max(
    (t.x || []).length, (t.y || []).length, (t.z || []).length,
    t.cells ? t.cells.values.length : 0), 0),
  width: d.getBoundingClientRect().width,
}))"""


@dataclass
class Opened:
    """A loaded page with what went wrong while it ran."""

    page: Any
    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def show(self, tab: str) -> list[dict[str, Any]]:
        """Click a tab, wait until its figures are drawn, return their render stats."""
        self.page.click(f"nav button[data-tab={tab}]")
        self.page.wait_for_function(_RENDERED, arg=tab, timeout=20_000)
        figs: list[dict[str, Any]] = self.page.evaluate(_FIGURES, tab)
        return figs


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run scripts/install_test_deps.sh (or -m 'not browser')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    contexts: list[Any] = []

    def _open(res: Results, lang: str, hash_: str = "") -> Opened:
        path = tmp_path / f"dashboard_{lang}.html"
        path.write_text(build_dashboard(res, lang), encoding="utf-8")
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        contexts.append(ctx)
        opened = Opened(ctx.new_page())

        def _route(route: Any) -> None:
            if route.request.url.startswith("file:"):
                route.continue_()
            else:  # the page must work offline: any other request is a failure
                opened.external.append(route.request.url)
                route.abort()

        ctx.route("**/*", _route)
        opened.page.on("console", lambda m: opened.errors.append(f"{m.type}: {m.text}")
                       if m.type == "error" or "WARN" in m.text else None)
        opened.page.on("pageerror", lambda e: opened.errors.append(f"pageerror: {e}"))
        opened.page.goto(path.as_uri() + hash_)
        opened.page.wait_for_load_state("load")
        return opened

    yield _open
    for ctx in contexts:
        ctx.close()


def _publish(shot: Path, tab: str) -> None:
    """Copy a screenshot to docs/img/ when FWDNET_SCREENSHOTS names its tab (or is 'all')."""
    wanted = {w.strip() for w in os.environ.get("FWDNET_SCREENSHOTS", "").split(",")}
    if tab in wanted or "all" in wanted:
        dest = ROOT / "docs" / "img"
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, dest / f"sample_{tab}.png")


def test_every_figure_of_every_tab_renders_with_data(open_page: Any, full_results: Results,
                                                     tmp_path: Path) -> None:
    """Full results, English: each tab's figures draw SVG traces from data; screenshots taken."""
    opened = open_page(full_results, "en")
    for tab in TABS:
        figs = opened.show(tab)
        assert figs, tab
        for f in figs:
            assert f["svg"] >= 1, f
            assert f["drawn"] >= 1, f
            assert f["points"] > 0, f
            assert f["width"] > 600, f  # drawn at the visible tab's width, not a hidden default
        shot = tmp_path / f"dashboard_{tab}.png"
        opened.page.screenshot(path=str(shot), full_page=True)
        assert 0 < shot.stat().st_size < MAX_SHOT_BYTES, shot
        _publish(shot, tab)
    cards = opened.page.locator(".card").all_inner_texts()
    assert any("Service level" in c and "pp" in c for c in cards)
    assert opened.errors == []
    assert opened.external == []


def test_chinese_page_renders_and_notes_missing_sections(open_page: Any,
                                                         core_results: Results) -> None:
    """Core results only, Chinese: map and trends draw; the other tabs show the note."""
    opened = open_page(core_results, "zh")
    for tab in ("overview", "network"):
        assert all(f["drawn"] >= 1 and f["points"] > 0 for f in opened.show(tab)), tab
    for tab in ("comparison", "stock", "forecast", "waybills"):
        opened.show(tab)
        note = opened.page.locator(f"#tab-{tab} .not-run")
        assert note.is_visible()
        assert "本场景未运行此环节" in note.inner_text()
    assert opened.page.locator("nav button.active").inner_text() == "运单"
    assert opened.errors == []
    assert opened.external == []


@pytest.mark.parametrize("producer", ["run_results", "simulated_results"])
def test_a_real_run_renders_whatever_sections_it_has(open_page: Any, producer: str,
                                                     request: pytest.FixtureRequest) -> None:
    """The small scenario exactly as `fwdnet run` / `fwdnet simulate` write it."""
    run_results: Results = request.getfixturevalue(producer)
    if producer == "simulated_results":
        assert run_results.comparison is not None
    opened = open_page(run_results, "en")
    for tab in TABS:
        figs = opened.show(tab)
        present = getattr(run_results, tab, True) is not None
        if tab in ("overview", "network") or present:
            assert figs, tab
            assert all(f["drawn"] >= 1 and f["points"] > 0 for f in figs), (tab, figs)
        else:
            assert opened.page.locator(f"#tab-{tab} .not-run").is_visible()
    assert opened.errors == []


def test_dropdowns_change_what_is_shown(open_page: Any, full_results: Results) -> None:
    """Forecast series, waybill and route dropdowns: the drawn title/data/traces change."""
    opened = open_page(full_results, "en", "#forecast")
    page = opened.page
    opened.show("forecast")
    title = page.locator("#fig-forecast .gtitle")
    assert "tops, CD" in title.text_content()
    top = ("() => Math.max(...document.getElementById('fig-forecast').data[3].y"
           ".filter(v => v !== null))")
    assert page.evaluate(top) < 20
    page.select_option("#sel-forecast", label="SKU-HOT-1 · CQ")
    page.wait_for_function("() => document.querySelector('#fig-forecast .gtitle')"
                           ".textContent.includes('SKU-HOT-1')")
    assert page.evaluate(top) > 90  # the 100-units/week series is drawn now
    opened.show("waybills")
    page.select_option("#sel-waybill", index=1)
    page.wait_for_function("() => document.querySelector('#fig-wb-timeline .gtitle')"
                           ".textContent.includes('WB0002')")
    opened.show("network")
    drawn = "() => document.querySelectorAll('#fig-map g.trace').length"
    before = page.evaluate(drawn)
    page.select_option("#sel-routes", label="no routes")
    page.wait_for_function(f"() => ({drawn})() < {before}")
    hidden = before - page.evaluate(drawn)
    assert hidden == len([r for r in full_results.routing if r.routes])
    page.select_option("#sel-routes", label="all routes")
    page.wait_for_function(f"() => ({drawn})() === {before}")
    assert opened.errors == []
