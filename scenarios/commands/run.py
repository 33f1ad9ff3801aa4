"""`fwdnet run [SCENARIO.toml]`: the whole chain on one scenario, default the bundled one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from fwdnet.simulation.results import Results


def run(
    scenario: Annotated[Path | None, typer.Argument(
        help="Scenario TOML file; default: the bundled scenarios/default.toml.",
        show_default=False)] = None,
    out: Annotated[Path, typer.Option(help="Folder for results/<scenario name>/.")] = Path(
        "results"),
    date: Annotated[str | None, typer.Option(
        "--date", help="Show and export the routes of this day (YYYY-MM-DD, within the "
        "scenario's horizon) instead of a typical day; the replay is priced on the typical "
        "day either way.", show_default=False)] = None,
    executor: Annotated[str, typer.Option(
        help="Where the routing solves run: local (process pool) or dask.")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address for --executor dask, e.g. tcp://10.0.0.5:8786.")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Local worker processes (default: up to 2; 1 = run inline).")] = None,
    waybill_sample: Annotated[float, typer.Option(
        "--waybill-sample", help="Share of waybills (each with all its events) written to "
        "waybill_events.jsonl.gz, e.g. 0.1; the same seed picks the same ones.")] = 1.0,
    overrides: Annotated[Path | None, typer.Option(
        help="Region overrides CSV (as for `fwdnet assortment apply`): checked against the HQ "
             "rules, then replayed as a third range with its local promotions.")] = None,
) -> None:
    """Run a scenario end to end: design (MIP) → routes → SimPy replay → results → dashboard.

    Writes results/<name>/results.json, dashboard.html, routes.geojson, routes.csv,
    placement.csv, transfers.csv and waybill_events.jsonl.gz (the replay's e-waybill feed, for
    `fwdnet track ingest`), then prints the dashboard's path. The same seed gives a
    byte-identical results.json.
    """
    from datetime import date as Date

    from fwdnet.logistics.errors import InputError
    from fwdnet.scenarios.pipeline import DEFAULT_SCENARIO, run_scenario

    day = None
    if date is not None:
        try:
            day = Date.fromisoformat(date)
        except ValueError:
            raise InputError(f"--date: expected a date YYYY-MM-DD, got {date!r}") from None
    output = run_scenario(scenario or DEFAULT_SCENARIO, out, route_date=day, executor=executor,
                          scheduler=scheduler, workers=workers, waybill_sample=waybill_sample,
                          overrides=overrides)
    k = output.results.kpis
    typer.echo(f"fill rate {k.fill_rate:.1%}, total cost ¥{k.total_cost_rmb:,.0f}", err=True)
    for line in range_lines(output.results):
        typer.echo(line, err=True)
    typer.echo(str(output.dashboard_html))


def range_lines(res: Results) -> list[str]:
    """One line per range variant: its network fill rate and lost sales next to the national
    range's, with the paired 95% CI of the difference."""
    view = res.assortment
    if view is None:
        return []
    rows = {r.assortment: r for r in view.rows if r.region == "all"}
    base = rows[view.baseline]
    out = [f"ranges on the {view.design or 'chosen'} network: {view.baseline} fill "
           f"{base.fill_rate.mean:.2%}, lost {base.lost_sales_units.mean:,.0f} units"]
    for p in view.paired:
        if p.region != "all" or p.metric not in ("fill_rate", "lost_sales_units"):
            continue
        d = p.difference
        if p.metric == "fill_rate":
            out.append(f"  {p.assortment}: fill {rows[p.assortment].fill_rate.mean:.2%} "
                       f"(Δ {d.mean * 100:+.2f} pp, 95% CI [{d.low * 100:+.2f}, "
                       f"{d.high * 100:+.2f}])")
        else:
            out.append(f"  {p.assortment}: lost Δ {d.mean:+,.0f} units "
                       f"(95% CI [{d.low:+,.0f}, {d.high:+,.0f}])")
    return out
