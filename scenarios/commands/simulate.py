"""`fwdnet simulate SCENARIO.toml`: replay competing network designs on the same demand.

Each named design is planned by the pipeline (`scenarios.pipeline.design`, the same function
`run` and `design` use) and replayed with common random numbers on a local process pool or a
Dask cluster; results.json (baseline design + `comparison`), designs.csv,
waybill_events.jsonl.gz and dashboard.html are written atomically at the end, so Ctrl-C
leaves nothing half-written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DEFAULT_DESIGNS = "optimal,all-open,cdc-only"


def simulate(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    designs: Annotated[str, typer.Option(
        help="Comma-separated designs; the first is the baseline. Names: optimal (the MIP), "
             "best-K (the MIP with at most K FWs), all-open, cdc-only, top-K (the K FWs "
             "reaching most demand, e.g. top-3), or FW ids joined by '+' (e.g. FW-CQ+FW-CDN); "
             "every fixed set gets a capacity-checked assignment.")] = DEFAULT_DESIGNS,
    replications: Annotated[int, typer.Option(min=1, help="Replications per design.")] = 3,
    warmup: Annotated[int | None, typer.Option(
        help="Days cut from the start before KPIs count; default min(28, horizon/5).")] = None,
    executor: Annotated[str, typer.Option(help="local (process pool) or dask.")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address for --executor dask, e.g. tcp://10.0.0.5:8786.")] = None,
    workers: Annotated[int | None, typer.Option(
        help="Local worker processes (default: up to 2; 1 = run inline).")] = None,
    settings: Annotated[Path | None, typer.Option(
        help="TOML overriding simulation settings (docks, delays, disruptions, CO2 factors).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for results/<scenario name>/.")] = Path(
        "results"),
    waybill_sample: Annotated[float, typer.Option(
        "--waybill-sample", help="Share of waybills (each with all its events) written to "
        "waybill_events.jsonl.gz, e.g. 0.1; the same seed picks the same ones.")] = 1.0,
    contracts: Annotated[Path | None, typer.Option(
        help="Supplier contracts TOML (e.g. scenarios/rules/default_contracts.toml): replay "
             "the first design under each contract on the same demand, paired CIs against "
             "the first contract.")] = None,
) -> None:
    """Replay several network designs on the same demand and disruptions; compare them
    (and, with --contracts, the supplier contracts on the first design's network).

    Writes results/<name>/results.json (baseline design, stock and waybill views, and the
    comparison with paired 95% CIs), designs.csv (one row per design), waybill_events.jsonl.gz
    and dashboard.html; prints the path of designs.csv.
    """
    from fwdnet.scenarios.pipeline import simulate_designs
    from fwdnet.simulation.settings import load_settings

    names = [d.strip() for d in designs.split(",") if d.strip()]
    output = simulate_designs(scenario, out, names, replications, warmup, executor, scheduler,
                              workers, load_settings(settings) if settings else None,
                              waybill_sample=waybill_sample, contracts=contracts)
    comp = output.results.comparison
    assert comp is not None
    for r in comp.designs:
        typer.echo(f"{r.design:>24}: fill {r.fill_rate.mean:.1%} "
                   f"[{r.fill_rate.low:.1%}, {r.fill_rate.high:.1%}]  cost "
                   f"¥{r.total_cost_rmb.mean:,.0f}  lead {r.lead_time_days.mean:.2f} d", err=True)
    view = output.results.contracts
    if view is not None:
        cost = {p.design: p.difference for p in view.paired if p.metric == "total_cost_rmb"}
        for c in view.contracts:
            d = cost.get(c.contract)
            vs = (f"  Δ cost vs {view.baseline} ¥{d.mean:+,.0f} [{d.low:+,.0f}, {d.high:+,.0f}]"
                  if d is not None else "")
            typer.echo(f"{c.contract:>24}: fill {c.fill_rate.mean:.2%}  cost "
                       f"¥{c.total_cost_rmb.mean:,.0f}  premium ¥{c.premium_rmb.mean:,.0f}{vs}",
                       err=True)
    typer.echo(str(output.designs_csv))
