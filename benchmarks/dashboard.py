"""Dashboard benchmark: the default scenario's page size and open time in headless chromium.

Open time = navigation start → the first tab's figures drawn (median of several fresh pages);
also the time to draw every tab once. Targets: page < 15 MB, open < 3 s.
Writes benchmarks/results/dashboard.json.
Run: .venv/bin/python benchmarks/dashboard.py [--quick] [--results results/default/results.json]
     [--rerun] [--screenshots docs/img]
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "results" / "dashboard.json"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TABS = ("overview", "network", "comparison", "stock", "forecast", "waybills")
MAX_BYTES = 15 * 1024 * 1024
MAX_OPEN_S = 3.0
log = logging.getLogger("bench.dashboard")

_RENDERED = """(tab) => Array.from(document.querySelectorAll('#tab-' + tab + ' .fwd-fig'))
  .every(d => d.dataset.state === 'rendered')"""


def _results_json(path: Path, rerun: bool) -> Path:
    """The default scenario's results.json; run the scenario first when asked or missing."""
    if path.is_file() and not rerun:
        return path
    from rich.console import Console

    from fwdnet.scenarios.pipeline import DEFAULT_SCENARIO, run_scenario

    log.info("running the default scenario (fwdnet run) to produce %s", path)
    out = run_scenario(DEFAULT_SCENARIO, path.parent.parent, console=Console(stderr=True))
    return out.results_json


def _sizes(html_text: str, res: Any, lang: str) -> dict[str, int]:
    """Bytes of the page, of plotly.js, and of each tab's figure JSON."""
    from plotly.offline import get_plotlyjs

    from fwdnet.dashboards.page import sections

    per_tab = {s.key: sum(len(p.figure.to_json().encode()) for p in s.panels)
               for s in sections(res, lang)}  # type: ignore[arg-type]
    return {"page_bytes": len(html_text.encode("utf-8")),
            "plotly_js_bytes": len(get_plotlyjs().encode("utf-8")),
            **{f"figures_{k}_bytes": v for k, v in per_tab.items()}}


_BASELINE = """<!DOCTYPE html><html><head><meta charset='utf-8'><script>{js}</script></head>
<body><div id='f'></div><script>Plotly.newPlot('f', [{{x: [1, 2, 3], y: [2, 1, 3]}}])
.then(function(){{ document.getElementById('f').dataset.state = 'rendered'; }});</script>
</body></html>"""


def _baseline_page(folder: Path) -> Path:
    """plotly.js alone drawing one 3-point line: the floor any plotly page pays to open."""
    from plotly.offline import get_plotlyjs

    path = folder / "plotly_only.html"
    path.write_text(_BASELINE.format(js=get_plotlyjs()), encoding="utf-8")
    return path


def _baseline_times(browser: Any, page_path: Path, loads: int) -> list[float]:
    times = []
    for _ in range(loads):
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        page = ctx.new_page()
        t0 = time.perf_counter()
        page.goto(page_path.as_uri())
        page.wait_for_function("() => document.getElementById('f').dataset.state === 'rendered'",
                               timeout=60_000)
        times.append(time.perf_counter() - t0)
        ctx.close()
    return times


def _open_times(page_path: Path, loads: int, shots: Path | None,
                shoot: frozenset[str] = frozenset(TABS), suffix: str = "") -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    first: list[float] = []
    every: list[float] = []
    base: list[float] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        baseline = _baseline_page(page_path.parent)
        for i in range(loads):  # interleaved with the baseline: both see the same machine load
            base += _baseline_times(browser, baseline, 1)
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            page = ctx.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            t0 = time.perf_counter()
            page.goto(page_path.as_uri())
            page.wait_for_function(_RENDERED, arg="overview", timeout=60_000)
            first.append(time.perf_counter() - t0)
            for tab in TABS[1:]:
                page.click(f"nav button[data-tab={tab}]")
                page.wait_for_function(_RENDERED, arg=tab, timeout=60_000)
                if shots is not None and i == 0 and tab in shoot:
                    page.screenshot(path=str(shots / f"default_{tab}{suffix}.png"),
                                    full_page=True)
            every.append(time.perf_counter() - t0)
            if shots is not None and i == 0:
                page.click("nav button[data-tab=overview]")
                page.screenshot(path=str(shots / f"default_overview{suffix}.png"),
                                full_page=False)
            log.info("load %d/%d: first tab %.2f s, all tabs %.2f s", i + 1, loads, first[-1],
                     every[-1])
            ctx.close()
        browser.close()
    return {"loads": loads, "open_s_median": statistics.median(first),
            "open_s_all": first, "all_tabs_s_median": statistics.median(every),
            "plotly_only_open_s_median": statistics.median(base), "plotly_only_open_s_all": base,
            "open_vs_plotly_only": statistics.median(first) / statistics.median(base),
            "js_errors": errors}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--results", type=Path, default=ROOT / "results" / "default" /
                    "results.json", help="results.json of the default scenario")
    ap.add_argument("--rerun", action="store_true", help="run the default scenario first")
    ap.add_argument("--loads", type=int, default=5, help="fresh page loads (median)")
    ap.add_argument("--quick", action="store_true", help="3 loads")
    ap.add_argument("--lang", choices=("zh", "en"), default="zh")
    ap.add_argument("--screenshots", type=Path, default=None,
                    help="also save default_<tab>[_zh].png of each tab that has data here")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    from fwdnet.dashboards.page import build_dashboard
    from fwdnet.simulation.results import read_results, write_json_atomic

    src = _results_json(args.results, args.rerun)
    res = read_results(src)
    t0 = time.perf_counter()
    html_text = build_dashboard(res, args.lang)
    build_s = time.perf_counter() - t0
    sizes = _sizes(html_text, res, args.lang)
    if args.screenshots is not None:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "dashboard.html"
        page.write_text(html_text, encoding="utf-8")
        sections = {k: getattr(res, k) is not None
                    for k in ("comparison", "stock", "forecast", "waybills")}
        shoot = frozenset(["overview", "network", *(k for k, ok in sections.items() if ok)])
        timing = _open_times(page, 3 if args.quick else args.loads, args.screenshots, shoot,
                             "" if args.lang == "en" else f"_{args.lang}")
    payload = {
        "benchmark": "dashboard",
        "scenario": res.scenario.name, "results_json": str(src.relative_to(ROOT)
                                                           if src.is_relative_to(ROOT) else src),
        "lang": args.lang, "sections_present": sections, "build_s": build_s, **sizes,
        **timing, "targets": {"page_bytes_max": MAX_BYTES, "open_s_max": MAX_OPEN_S},
        "page_ok": sizes["page_bytes"] < MAX_BYTES, "open_ok": timing["open_s_median"] < MAX_OPEN_S,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_avg_1m": os.getloadavg()[0], "chromium": CHROMIUM,
                    "note": "shared 2-core machine, loaded by other agents during the run"},
    }
    write_json_atomic(args.out, payload)
    print(f"page {sizes['page_bytes'] / 1e6:.2f} MB (plotly.js "
          f"{sizes['plotly_js_bytes'] / 1e6:.2f} MB), build {build_s:.2f} s, open "
          f"{timing['open_s_median']:.2f} s median of {timing['loads']}, all tabs "
          f"{timing['all_tabs_s_median']:.2f} s; plotly.js alone "
          f"{timing['plotly_only_open_s_median']:.2f} s → {args.out}")
    return 0 if payload["page_ok"] and payload["open_ok"] and not timing["js_errors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
