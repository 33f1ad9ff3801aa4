"""`fwdnet simulate SCENARIO.toml`: replay competing network designs on the same demand.

Each named design (see `scenarios.stages.named_design`) gets its own routes and replay
input; replications run on a local process pool or a Dask cluster with common random
numbers; results.json (baseline design + `comparison`), designs.csv, waybill_events.jsonl
and dashboard.html are written atomically at the end, so Ctrl-C leaves nothing half-written.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from fwdnet.simulation.results import Results

DEFAULT_DESIGNS = "optimal,all-open,cdc-only"


@dataclass(frozen=True)
class SimulateOutput:
    results_json: Path
    designs_csv: Path
    results: Results


def _designs_csv(results: Results) -> str:
    """One row per design: means and 95% CI bounds of the headline metrics."""
    assert results.comparison is not None
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    parts = list(results.comparison.designs[0].cost_breakdown_rmb)
    w.writerow(["design", "open_fw", "fill_rate", "fill_rate_low", "fill_rate_high",
                "total_cost_rmb", "total_cost_low", "total_cost_high", "lead_time_days",
                "lost_sales_units", "average_stock_units", "co2_kg",
                *[f"cost_{p}_rmb" for p in parts]])
    for r in results.comparison.designs:
        w.writerow([r.design, "+".join(r.open_fw), f"{r.fill_rate.mean:.6f}",
                    f"{r.fill_rate.low:.6f}", f"{r.fill_rate.high:.6f}",
                    f"{r.total_cost_rmb.mean:.2f}", f"{r.total_cost_rmb.low:.2f}",
                    f"{r.total_cost_rmb.high:.2f}", f"{r.lead_time_days.mean:.4f}",
                    f"{r.lost_sales_units:.1f}", f"{r.average_stock_units:.1f}",
                    f"{r.co2_kg:.1f}", *[f"{r.cost_breakdown_rmb[p]:.2f}" for p in parts]])
    return buf.getvalue()


def simulate_scenario(path: Path, out_root: Path, designs: list[str], replications: int,
                      warmup_days: int | None = None, executor: str = "local",
                      scheduler: str | None = None, workers: int | None = None,
                      settings_path: Path | None = None, console: Console | None = None,
                      dashboard: bool = True) -> SimulateOutput:
    """Plan and replay every design, compare them, write the result files atomically."""
    from rich.console import Console

    from fwdnet.dashboards.page import write_dashboard
    from fwdnet.logistics.errors import InputError
    from fwdnet.logistics.network import load_scenario
    from fwdnet.scenarios import stages
    from fwdnet.scenarios.runner import (
        StageReporter,
        _simulate_with_progress,
        build_results,
        with_simulation_sections,
    )
    from fwdnet.simulation.compare import (
        DesignCase,
        comparison,
        open_executor,
        run_replications,
        with_costs,
    )
    from fwdnet.simulation.results import write_json_atomic, write_results
    from fwdnet.simulation.settings import SimSettings, load_settings
    from fwdnet.simulation.waybills import write_jsonl_atomic

    console = console or Console(stderr=True)
    if not designs or len(set(designs)) != len(designs):
        raise InputError("--designs needs distinct names, e.g. optimal,all-open,cdc-only")
    rep = StageReporter(4 + len(designs), console)
    scn = rep.call("load scenario", lambda: load_scenario(path))
    settings = load_settings(settings_path) if settings_path else SimSettings()
    warmup = warmup_days if warmup_days is not None else min(28, scn.horizon_days // 5)
    if not 0 <= warmup < scn.horizon_days:
        raise InputError(f"--warmup must be between 0 and {scn.horizon_days - 1} days "
                         f"(the horizon of {path} is {scn.horizon_days} days), got {warmup}")
    net = stages.network_stage(scn)
    optimal = None
    cases: list[DesignCase] = []
    plans = {}
    for name in designs:
        with rep.stage(f"design {name}: plan, routes, replay input"):
            if name == "optimal" and optimal is None:
                optimal = stages.design_stage(scn, net)
            plan = stages.named_design(scn, net, name, optimal)
            weekly = stages.demand_by_week(scn, plan)
            routes = stages.routing_stage(scn, net, plan, weekly)
            inp = stages.simulation_input(scn, plan, weekly, routes, net, settings)
            plans[name] = (plan, routes, inp)
            years = scn.horizon_days / 365.0
            cases.append(DesignCase(name, inp, tuple(plan.out.open_fw),
                                    plan.out.fixed_cost_rmb / years))
    base = cases[0]
    plan, routes, inp = plans[base.name]
    with open_executor(executor, scheduler, workers) as pool:
        with rep.stage(f"replay {base.name} (replication 0, waybills)"):
            sim = _simulate_with_progress(inp, scn.seed, console, warmup)
        known = {(base.name, 0): with_costs(sim.summary(), scn.horizon_days - warmup,
                                            base.fixed_cost_per_year)}
        total = len(cases) * replications - 1
        done = [0]
        last = [time.perf_counter()]

        def tick(name: str, r: int) -> None:
            done[0] += 1
            if time.perf_counter() - last[0] > 5 or done[0] == total:
                last[0] = time.perf_counter()
                console.print(f"      replications done {done[0]}/{total}", highlight=False)

        with rep.stage(f"replications: {len(cases)} designs × {replications}"):
            metrics = run_replications(cases, scn.seed, replications, warmup, pool, known, tick)
    results = with_simulation_sections(build_results(scn, plan, routes, sim), scn, inp, sim)
    results = results.model_copy(update={"comparison": comparison(cases, metrics, warmup)})
    out_dir = out_root / scn.name
    results_json = out_dir / "results.json"
    designs_csv = out_dir / "designs.csv"
    if sim.waybills is not None:
        write_jsonl_atomic(out_dir / "waybill_events.jsonl", sim.waybills.lines())
    write_json_atomic(out_dir / "run_meta.json", {"scenario": str(path), "designs": designs,
                                                  "replications": replications,
                                                  "stage_seconds": rep.timings})
    write_jsonl_atomic(designs_csv, _designs_csv(results).splitlines())
    write_results(results_json, results)
    if dashboard:
        write_dashboard(results_json, out_dir / "dashboard.html")
    return SimulateOutput(results_json, designs_csv, results)


def simulate(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    designs: Annotated[str, typer.Option(
        help="Comma-separated designs; the first is the baseline. Names: optimal (the MIP), "
             "all-open, cdc-only, top-K (e.g. top-3), or FW ids joined by '+' "
             "(e.g. FW-CQ+FW-CDN).")] = DEFAULT_DESIGNS,
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
) -> None:
    """Replay several network designs on the same demand and disruptions; compare them.

    Writes results/<name>/results.json (baseline design, stock and waybill views, and the
    comparison with paired 95% CIs), designs.csv (one row per design), waybill_events.jsonl
    and dashboard.html; prints the path of designs.csv.
    """
    names = [d.strip() for d in designs.split(",") if d.strip()]
    output = simulate_scenario(scenario, out, names, replications, warmup, executor, scheduler,
                               workers, settings)
    comp = output.results.comparison
    assert comp is not None
    for r in comp.designs:
        typer.echo(f"{r.design:>24}: fill {r.fill_rate.mean:.1%} "
                   f"[{r.fill_rate.low:.1%}, {r.fill_rate.high:.1%}]  cost "
                   f"¥{r.total_cost_rmb.mean:,.0f}  lead {r.lead_time_days.mean:.2f} d", err=True)
    typer.echo(str(output.designs_csv))
