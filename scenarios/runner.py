"""`fwdnet run`: the only place that strings the stages together, with progress per stage.

Writes results/<scenario>/results.json (deterministic for a seed), run_meta.json (timings)
and dashboard.html, each atomically.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from fwdnet.dashboards.page import write_dashboard
from fwdnet.logistics.errors import missing_extra_message
from fwdnet.logistics.network import Scenario, load_scenario
from fwdnet.scenarios import stages
from fwdnet.simulation.assortment import assortment_view, default_rules_path
from fwdnet.simulation.contracts import contracts_view, default_contracts_path
from fwdnet.simulation.engine import SimulationInput, SimulationResult, simulate
from fwdnet.simulation.report import stock_view, waybill_view
from fwdnet.simulation.results import (
    DailySeries,
    ForecastView,
    KpiSummary,
    Results,
    ScenarioInfo,
    write_json_atomic,
    write_results,
)
from fwdnet.simulation.streams import Streams
from fwdnet.simulation.waybills import write_jsonl_atomic

HERE = Path(__file__).resolve().parent
DEFAULT_SCENARIO = HERE / "default.toml"
T = TypeVar("T")


@dataclass(frozen=True)
class RunOutput:
    results_json: Path
    dashboard_html: Path
    results: Results


class StageReporter:
    """Prints one line per finished stage ('[3/9] design … 1.2 s'); timings go to run_meta."""

    def __init__(self, total: int, console: Console) -> None:
        self.total, self.console, self.done = total, console, 0
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.done += 1
        t0 = time.perf_counter()
        self.console.print(f"[{self.done}/{self.total}] {name} …", highlight=False)
        yield
        self.timings[name] = round(time.perf_counter() - t0, 3)
        self.console.print(f"      {name} done in {self.timings[name]:.1f} s", highlight=False)

    def call(self, name: str, fn: Callable[[], T]) -> T:
        with self.stage(name):
            return fn()


def _simulate_with_progress(inp: SimulationInput, seed: int, console: Console,
                            warmup_days: int = 0) -> SimulationResult:
    streams = Streams.of(seed, 0)
    with Progress(TextColumn("      simulating day"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=console, disable=not console.is_terminal) as bar:
        task = bar.add_task("sim", total=inp.days)
        last = [time.perf_counter()]

        def tick(day: int) -> None:
            bar.update(task, completed=day + 1)
            if not console.is_terminal and time.perf_counter() - last[0] > 5:
                last[0] = time.perf_counter()
                console.print(f"      simulated {day + 1}/{inp.days} days", highlight=False)

        return simulate(inp, streams, on_day=tick, emit_waybills=True,
                        warmup_days=warmup_days)


def build_results(scn: Scenario, plan: stages.DesignPlan, routes: stages.RoutingPlan,
                  sim: SimulationResult) -> Results:
    s = sim.summary()
    fixed = plan.out.fixed_cost_rmb
    k = sim.kpis
    dates = [(scn.start + timedelta(days=d)).isoformat() for d in range(scn.horizon_days)]
    return Results(
        scenario=ScenarioInfo(
            name=scn.name, source=Path(scn.source).name, seed=scn.seed,
            start=scn.start.isoformat(), horizon_days=scn.horizon_days,
            stores=len(scn.network.stores), skus=len(scn.network.skus),
            fw_candidates=len(scn.network.fw_candidates)),
        sites=stages.sites_out(scn),
        design=plan.out,
        routing=list(routes.echelons),
        kpis=KpiSummary(
            fill_rate=s["fill_rate"], demand_units=s["demand_units"],
            sales_units=s["sales_units"], lost_sales_units=s["lost_sales_units"],
            average_stock_units=s["average_stock_units"],
            transport_cost_rmb=s["transport_cost_rmb"], holding_cost_rmb=s["holding_cost_rmb"],
            fixed_cost_rmb=fixed,
            total_cost_rmb=fixed + s["transport_cost_rmb"] + s["holding_cost_rmb"]),
        node_fill_rate={n: float(f) for n, f in zip(plan.node_ids, k.node_fill_rate,
                                                      strict=True)},
        daily=DailySeries(date=dates, demand=k.demand.tolist(), sales=k.sales.tolist(),
                          lost=k.lost.tolist(), on_hand=k.on_hand.tolist(),
                          transport_cost_rmb=k.transport_cost.tolist(),
                          holding_cost_rmb=k.holding_cost.tolist()),
    )


def with_simulation_sections(results: Results, scn: Scenario, inp: SimulationInput,
                             sim: SimulationResult) -> Results:
    """Fill the optional `stock` and `waybills` sections from the replay."""
    skus = scn.network.skus
    stock = stock_view(inp, sim, tuple(k.id for k in skus), tuple(k.name for k in skus))
    s = sim.summary()
    kpis = results.kpis.model_copy(update={
        "handling_cost_rmb": s["handling_cost_rmb"],
        "transport_cdc_fw_rmb": s["transport_cdc_fw_rmb"],
        "transport_fw_store_rmb": s["transport_fw_store_rmb"] + s["transfers_rmb"],
        "co2_kg": s["co2_kg"], "lead_time_days": s["lead_time_days"],
        "truck_utilisation": s["truck_utilisation"]})
    daily = results.daily.model_copy(update={
        "co2_kg": sim.kpis.co2_kg.tolist(), "stockout_pairs": sim.kpis.stockout_pairs.tolist()})
    return results.model_copy(update={"stock": stock, "waybills": waybill_view(sim),
                                      "kpis": kpis, "daily": daily})


ASSORTMENT_REPLICATIONS = 3
CONTRACT_REPLICATIONS = 5


def chain_remedies(scn: Scenario) -> dict[str, Any]:
    """Regional vs national assortment and fixed vs flexible contracts, on the same demand,
    for scenarios that ship their rules (scenarios/rules/ beside the TOML)."""
    out: dict[str, Any] = {}
    if default_rules_path(scn).is_file():
        out["assortment"] = assortment_view(scn, replications=ASSORTMENT_REPLICATIONS)
    if default_contracts_path(scn).is_file():
        out["contracts"] = contracts_view(scn, replications=CONTRACT_REPLICATIONS)
    return out


def _forecast(scn: Scenario, console: Console) -> ForecastView | None:
    """The forecast section, or None with a printed note when the `forecast` extra is absent."""
    try:
        from fwdnet.scenarios.forecast_view import forecast_view
    except ModuleNotFoundError as exc:
        message = missing_extra_message(exc)
        if message is None:
            raise
        console.print(f"      forecast skipped: {message}", highlight=False)
        return None
    return forecast_view(scn, scn.seed)


def run_scenario(path: Path = DEFAULT_SCENARIO, out_root: Path = Path("results"),
                 console: Console | None = None) -> RunOutput:
    """Load → network → design → routing → simulation → forecast → chain remedies →
    results.json → dashboard.html."""
    console = console or Console(stderr=True)
    rep = StageReporter(9, console)
    scn = rep.call("load scenario", lambda: load_scenario(path))
    net = rep.call("network matrices", lambda: stages.network_stage(scn))
    plan = rep.call("design (OR-Tools MIP)", lambda: stages.design_stage(scn, net))
    weekly = stages.demand_by_week(scn, plan)
    routes = rep.call("routing (OR-Tools)",
                      lambda: stages.routing_stage(scn, net, plan, weekly))
    with rep.stage("simulation (SimPy)"):
        inp = stages.simulation_input(scn, plan, weekly, routes, net)
        sim = _simulate_with_progress(inp, scn.seed, console)
    out_dir = out_root / scn.name
    results_json = out_dir / "results.json"
    forecast = rep.call("forecast (statsforecast/LightGBM)", lambda: _forecast(scn, console))
    remedies = rep.call("chain remedies (assortment, contracts)", lambda: chain_remedies(scn))
    results = rep.call("results.json", lambda: with_simulation_sections(
        build_results(scn, plan, routes, sim), scn, inp, sim).model_copy(
            update={"forecast": forecast, **remedies}))
    if sim.waybills is not None:
        write_jsonl_atomic(out_dir / "waybill_events.jsonl", sim.waybills.lines())
    write_results(results_json, results)
    page = rep.call("dashboard.html",
                    lambda: write_dashboard(results_json, out_dir / "dashboard.html"))
    write_json_atomic(out_dir / "run_meta.json", {"scenario": str(path),
                                                  "stage_seconds": rep.timings})
    return RunOutput(results_json, page, results)
