"""One self-contained HTML dashboard (plotly.js inlined once, opens offline) from a results.json.

Tabs: overview, network map, design comparison, stock, forecast, waybills; KPI cards on top.
Reads only `simulation.results`: never calls an engine. `build_dashboard` returns the HTML
string (for `fwdnet serve`); `write_dashboard` writes it atomically (for `fwdnet run`).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.io.json import to_json_plotly
from plotly.offline import get_plotlyjs

from fwdnet.dashboards.comparison import comparison_section
from fwdnet.dashboards.forecast import forecast_section
from fwdnet.dashboards.i18n import Lang, check_lang, t
from fwdnet.dashboards.network import network_map as _network_panel
from fwdnet.dashboards.network import network_section
from fwdnet.dashboards.overview import Card, kpi_cards, overview_section
from fwdnet.dashboards.panel import Panel, Section
from fwdnet.dashboards.sections_chain import figures as chain_figures
from fwdnet.dashboards.stock import stock_section
from fwdnet.dashboards.waybills import waybills_section
from fwdnet.simulation.results import Results, read_results

PLOT_CONFIG = {"displaylogo": False, "responsive": True}

_CSS = """
body{font-family:system-ui,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",
"WenQuanYi Micro Hei",sans-serif;
margin:0;background:#f6f7f9;color:#1d2733}
header{background:#1f3b73;color:#fff;padding:14px 24px}header h1{margin:0;font-size:1.5em}
header p{margin:4px 0 0;opacity:.85}
.cards{display:flex;flex-wrap:wrap;gap:10px;padding:14px 24px}
.card{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:8px 14px;
min-width:130px}.card .v{font-size:1.5em;font-weight:700}.card .l{color:#5a6776}
.card .d{font-size:.9em}.card .d.good{color:#1a7f37}.card .d.bad{color:#c62828}
.card .n{font-size:.75em;color:#7a8694;max-width:220px}
nav{display:flex;gap:4px;padding:0 24px;border-bottom:1px solid #cfd7e0}
nav button{border:1px solid #cfd7e0;border-bottom:none;background:#e9edf2;padding:8px 16px;
cursor:pointer;border-radius:6px 6px 0 0;font-size:1em}
nav button.active{background:#fff;font-weight:700}
section.tab{padding:12px 24px}.panel{background:#fff;border:1px solid #dde3ea;border-radius:8px;
margin-bottom:14px;padding:8px}.panel label{font-weight:600;margin:4px 8px;display:inline-block}
.panel select{margin-left:6px;font-size:1em;max-width:420px}
.note{color:#5a6776;font-size:.9em;margin:4px 8px}
.not-run{background:#fff8e1;border:1px solid #f0d98c;border-radius:8px;padding:18px;
font-size:1.1em}footer{color:#7a8694;padding:8px 24px 24px;font-size:.85em}
"""

_JS = """
function fwdApply(id, i){
  for (const s of FWD_SELECTORS[id][i]){
    const d = document.getElementById(s.div);
    Plotly.restyle(d, s.update, s.traces);
    if (Object.keys(s.layout).length) Plotly.relayout(d, s.layout);
  }
}
document.querySelectorAll('select[data-fwd]').forEach(function(sel){
  sel.addEventListener('change', function(){ fwdApply(sel.id, Number(sel.value)); });
});
// figures of a tab are drawn the first time it is shown: a fast first paint, right sizes
function fwdRender(sec){
  sec.querySelectorAll('.fwd-fig').forEach(function(d){
    if (d.dataset.state){ Plotly.Plots.resize(d); return; }
    d.dataset.state = 'drawing';
    const f = FWD_FIGS[d.id];
    Plotly.newPlot(d, f.data, f.layout, FWD_CONFIG).then(function(){
      d.dataset.state = 'rendered';
    });
  });
}
function fwdShow(key){
  if (!document.getElementById('tab-' + key)) key = 'overview';
  document.querySelectorAll('section.tab').forEach(function(s){
    s.hidden = s.dataset.tab !== key;
  });
  document.querySelectorAll('nav button').forEach(function(b){
    b.classList.toggle('active', b.dataset.tab === key);
  });
  fwdRender(document.getElementById('tab-' + key));
}
document.querySelectorAll('nav button').forEach(function(b){
  b.addEventListener('click', function(){
    fwdShow(b.dataset.tab);
    history.replaceState(null, '', '#' + b.dataset.tab);
  });
});
fwdShow((location.hash || '#overview').slice(1));
"""


def network_map(res: Results, lang: str = "zh") -> go.Figure:
    """The network map figure alone (plain lon/lat axes, no CDN geo base map)."""
    return _network_panel(res, check_lang(lang)).figure


def sections(res: Results, lang: Lang, tiles: str | None = None) -> list[Section]:
    """Every tab of the page in order; absent optional sections carry their "not run" note."""
    return [overview_section(res, lang), network_section(res, lang, tiles),
            comparison_section(res, lang), stock_section(res, lang),
            forecast_section(res, lang), waybills_section(res, lang), remedies_section(res, lang)]


def remedies_section(res: Results, lang: Lang) -> Section:
    """Regional assortment and flexible contracts, when the run simulated them."""
    title = t(lang, "tab_remedies")
    if res.assortment is None and res.contracts is None:
        return Section("remedies", title,
                       missing=t(lang, "not_run", section="assortment / contracts"))
    figs = chain_figures(res)
    if not figs:
        return Section("remedies", title,
                       missing=t(lang, "empty", section="assortment / contracts"))
    return Section("remedies", title, tuple(Panel(f"remedies-{i}", f) for i, f in enumerate(figs)))


def _card_html(c: Card) -> str:
    delta = ""
    if c.delta is not None:
        cls = "good" if c.good else "bad"
        delta = f'<div class="d {cls}">{html.escape(c.delta)}</div>'
    note = f'<div class="n">{html.escape(c.note)}</div>' if c.note else ""
    return (f'<div class="card" data-kpi="{c.key}"><div class="l">{html.escape(c.label)}</div>'
            f'<div class="v">{html.escape(c.value)}</div>{delta}{note}</div>')


def _panel_html(p: Panel) -> str:
    parts = ['<div class="panel">']
    if p.selector is not None:
        s = p.selector
        opts = "".join(f'<option value="{i}"{" selected" if i == s.initial else ""}>'
                       f"{html.escape(o)}</option>" for i, o in enumerate(s.options))
        parts.append(f'<label for="{s.id}">{html.escape(s.label)}'
                     f'<select id="{s.id}" data-fwd="1">{opts}</select></label>')
    parts.append(f'<div id="{p.div}" class="fwd-fig"></div>')
    if p.note:
        parts.append(f'<p class="note">{html.escape(p.note)}</p>')
    parts.append("</div>")
    return "".join(parts)


def _script_json(obj: Any) -> str:
    """JSON for inside a <script> element (plotly's encoder: NaN → null, numpy arrays)."""
    text = to_json_plotly(obj)
    assert isinstance(text, str)
    return text.replace("</", "<\\/")  # never close the <script> early


def _figures_json(secs: list[Section]) -> str:
    figs = {p.div: p.figure.to_plotly_json() for sec in secs for p in sec.panels}
    return _script_json(figs)


def _selector_json(secs: list[Section]) -> str:
    spec: dict[str, Any] = {}
    for sec in secs:
        for p in sec.panels:
            if p.selector is not None:
                spec[p.selector.id] = [[{"div": s.div, "traces": list(s.traces),
                                         "update": s.update, "layout": s.layout} for s in steps]
                                       for steps in p.selector.steps]
    return _script_json(spec)


def build_dashboard(res: Results, lang: str = "zh", tiles: str | None = None) -> str:
    """The whole page as an HTML string (plotly.js inlined); `lang` is "zh" or "en".

    `tiles`: optional raster tile URL template ({z}/{x}/{y}) for an extra web map (online).
    """
    lg = check_lang(lang)
    secs = sections(res, lg, tiles)
    sc = res.scenario
    title = f"{t(lg, 'title')} — {html.escape(sc.name)}"
    nav = "".join(f'<button type="button" data-tab="{s.key}">{html.escape(s.title)}</button>'
                  for s in secs)
    body = []
    for s in secs:
        inner = (f'<div class="not-run" data-missing="{s.key}">{html.escape(s.missing)}</div>'
                 if s.missing is not None else "".join(_panel_html(p) for p in s.panels))
        body.append(f'<section class="tab" id="tab-{s.key}" data-tab="{s.key}">{inner}</section>')
    subtitle = t(lg, "subtitle", days=sc.horizon_days, start=sc.start, stores=sc.stores,
                 skus=sc.skus, seed=sc.seed)
    cards = "".join(_card_html(c) for c in kpi_cards(res, lg))
    html_lang = "zh-CN" if lg == "zh" else "en"
    return (
        f"<!DOCTYPE html><html lang='{html_lang}'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{title}</title><style>{_CSS}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        f"<header><h1>{title}</h1><p>{html.escape(subtitle)}</p></header>"
        f"<div class='cards'>{cards}</div><nav>{nav}</nav>{''.join(body)}"
        f"<footer>{html.escape(t(lg, 'time_note'))} fwdnet · results schema "
        f"v{res.schema_version}</footer>"
        f"<script>const FWD_CONFIG = {_script_json(PLOT_CONFIG)};\n"
        f"const FWD_FIGS = {_figures_json(secs)};\n"
        f"const FWD_SELECTORS = {_selector_json(secs)};{_JS}</script></body></html>"
    )


def dashboard_html(results_json: Path, lang: str = "zh", tiles: str | None = None) -> str:
    """Read a results.json and return its dashboard page as a string (for `fwdnet serve`)."""
    return build_dashboard(read_results(results_json), lang, tiles)


def write_dashboard(results_json: Path, out: Path, lang: str = "zh",
                    tiles: str | None = None) -> Path:
    """Read a results.json and write its dashboard atomically (temp file + rename)."""
    page = dashboard_html(results_json, lang, tiles)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
