"""`fwdnet run [SCENARIO.toml]`: the whole chain on one scenario, default the bundled one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


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
                          scheduler=scheduler, workers=workers, waybill_sample=waybill_sample)
    k = output.results.kpis
    typer.echo(f"fill rate {k.fill_rate:.1%}, total cost ¥{k.total_cost_rmb:,.0f}", err=True)
    typer.echo(str(output.dashboard_html))
