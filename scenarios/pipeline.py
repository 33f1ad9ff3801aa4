"""The one place that strings the stages together, for `fwdnet run`, `simulate` and `design`.

load scenario → network matrices → design (`plan_network`: location MIP or a named open set,
placement, stock targets) → routes (`plan_routes`) → replay input → SimPy replay → results.
Every command builds its `NetworkDesign` with `design()`; result files are written atomically
at the end, so Ctrl-C leaves nothing half-written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from fwdnet.logistics.design.costs import DesignContext, design_context
from fwdnet.logistics.design.matrices import NetworkMatrices, network_matrices
from fwdnet.logistics.design.network_design import (
    NetworkDesign,
    compare_designs,
    design_costs,
    design_dict,
    parse_design,
    plan_network,
    with_ranges,
)
from fwdnet.logistics.design.routes import DesignRoutes, plan_routes
from fwdnet.logistics.errors import InputError, missing_extra_message
from fwdnet.logistics.kernel.calendar import iso_week_index
from fwdnet.logistics.kernel.files import atomic_path, write_lines_atomic
from fwdnet.logistics.kernel.memory import release_freed_memory
from fwdnet.logistics.network import Scenario, load_scenario
from fwdnet.logistics.network.history import store_daily_units
from fwdnet.logistics.network.model import Promotion
from fwdnet.simulation.engine import SimulationInput, SimulationResult, simulate
from fwdnet.simulation.exports import write_exports
from fwdnet.simulation.inputs import replay_input
from fwdnet.simulation.kpis import summary_of, with_costs
from fwdnet.simulation.report import replay_results, routing_out
from fwdnet.simulation.results import (
    TYPICAL_DAY,
    AssortmentView,
    Comparison,
    ContractsView,
    ForecastView,
    Results,
    RoutingDay,
    write_json_atomic,
    write_results,
)
from fwdnet.simulation.settings import SimSettings
from fwdnet.simulation.streams import Streams

HERE = Path(__file__).resolve().parent
DEFAULT_SCENARIO = HERE / "default.toml"
DEFAULT_DESIGNS = ("optimal", "all-open", "cdc-only")
WAYBILL_FEED = "waybill_events.jsonl.gz"  # `fwdnet track ingest` reads it as it is
WAYBILL_GZIP_LEVEL = 6
ASSORTMENT_REPLICATIONS = 3
CONTRACT_REPLICATIONS = 3
RUN_REPLICATIONS = 3  # per design in `fwdnet run`'s design comparison
T = TypeVar("T")


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


def design(scn: Scenario, mats: NetworkMatrices, name: str = "optimal", *,
           ctx: DesignContext | None = None, time_limit_s: float | None = None,
           routes: bool = True, executor: Executor | None = None) -> NetworkDesign:
    """The named design, planned once for every command: open FWs, capacity-checked
    assignment, placement, stock targets and (with `routes`) its typical-day routes."""
    planned = plan_network(scn, name, time_limit_s=time_limit_s, ctx=ctx)
    return with_routes(scn, mats, planned, executor) if routes else planned


def with_routes(scn: Scenario, mats: NetworkMatrices, planned: NetworkDesign,
                executor: Executor | None = None) -> NetworkDesign:
    """The design with its typical-day routes (trunk load: a review period of mean demand);
    each depot's VRP is one task on `executor` (the replications' pool or Dask cluster)."""
    node_daily = planned.stock.daily_mean_by_week.mean(axis=0).sum(axis=1)
    return planned.with_routes(plan_routes(scn, mats, planned.node_ids, planned.store_node,
                                           node_daily, executor))


def routing_day(scn: Scenario, day: date | None) -> RoutingDay:
    """Which day routes are planned for: a typical day, or `day` (within the horizon)."""
    if day is None:
        return TYPICAL_DAY
    last = scn.start + timedelta(days=scn.horizon_days - 1)
    if not scn.start <= day <= last:
        raise InputError(f"--date {day.isoformat()} is outside the horizon of scenario "
                         f"{scn.name} ({scn.start.isoformat()} to {last.isoformat()})")
    week = iso_week_index(day) + 1
    return RoutingDay(date=day.isoformat(), iso_week=week,
                      basis=f"{day.isoformat()}: planning demand of ISO week {week} "
                            "(the replay is priced on the typical day's routes)")


def routes_of_day(scn: Scenario, mats: NetworkMatrices, planned: NetworkDesign, day: date,
                  executor: Executor | None = None) -> DesignRoutes:
    """The design's routes of one date: trunk loads of a review period and store drops of a
    day, both from the planning demand of the date's ISO week."""
    week = iso_week_index(day)
    node_daily = planned.stock.daily_mean_by_week[week].sum(axis=1)
    store_daily = store_daily_units(scn, scn.network.stores, week)
    return plan_routes(scn, mats, planned.node_ids, planned.store_node, node_daily, executor,
                       store_daily)


def replay_with_progress(inp: SimulationInput, seed: int, console: Console,
                         warmup_days: int = 0) -> SimulationResult:
    """Replication 0 of the scenario's seed, with waybills, and a progress bar (log lines when
    not on a terminal)."""
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


def chain_remedies(scn: Scenario, note: Callable[[str], None] = print, *,
                   network: tuple[NetworkMatrices, NetworkDesign, SimulationInput] | None = None,
                   overrides: Path | None = None, pool: Executor | None = None,
                   ctx: DesignContext | None = None) -> dict[str, Any]:
    """Regional vs national ranges replayed through the chosen design's network (`network`:
    its matrices, design and replay input; the approved `overrides` as a third variant), and
    fixed vs flexible contracts on its supplier side, for scenarios that ship their rules
    (rules/ beside the TOML); `note` is told of each remedy skipped for want of its rules
    file, so none is skipped silently. The replays run on `pool` (default: a local pool)."""
    from fwdnet.simulation.assortment import default_rules_path
    from fwdnet.simulation.contracts import default_contracts_path

    out: dict[str, Any] = {}
    rules, contracts = default_rules_path(scn), default_contracts_path(scn)
    if (rules.is_file() or contracts.is_file()) and network is None:
        raise ValueError("chain remedies need the chosen design's network to replay on")
    if rules.is_file():
        assert network is not None
        mats, chosen, _ = network
        out["assortment"] = network_ranges(scn, mats, chosen, overrides, pool=pool, ctx=ctx)
    else:
        if overrides is not None:
            raise InputError(f"--overrides needs the assortment rules {rules}",
                             source=str(overrides))
        note(f"regional vs national assortment skipped: no rules file {rules}")
    if contracts.is_file():
        assert network is not None
        _, chosen, inp = network
        out["contracts"] = network_contracts(contracts, chosen, inp, scn.seed,
                                             CONTRACT_REPLICATIONS, pool=pool)
    else:
        note(f"fixed vs flexible supplier contracts skipped: no rules file {contracts}")
    return out


def network_contracts(path: Path, chosen: NetworkDesign, inp: SimulationInput, seed: int,
                      replications: int, warmup: int = 0, pool: Executor | None = None
                      ) -> ContractsView:
    """Every contract of `path` (the first is the baseline) on the supplier side of the chosen
    design's replay, common random numbers, paired CIs."""
    from fwdnet.logistics.inventory.contracts import load_contracts
    from fwdnet.simulation.contracts import contract_cases, contracts_view

    contracts = load_contracts(path)
    cases = contract_cases(inp, contracts, chosen.fixed_cost_per_year, chosen.open_fw)
    with pool_or_own(pool) as ex:
        return contracts_view(contracts, cases, seed=seed, replications=replications,
                              warmup=warmup, executor=ex)


@contextmanager
def pool_or_own(pool: Executor | None) -> Iterator[Executor | None]:
    """The caller's executor, or a local pool of this call's own (closed when it ends)."""
    if pool is not None:
        yield pool
        return
    from fwdnet.simulation.compare import open_executor

    with open_executor() as own:
        yield own


def network_ranges(scn: Scenario, mats: NetworkMatrices, chosen: NetworkDesign,
                   overrides: Path | None = None, replications: int = ASSORTMENT_REPLICATIONS,
                   *, pool: Executor | None = None, ctx: DesignContext | None = None
                   ) -> AssortmentView:
    """National, regional and (with approved `overrides`: checked against the HQ rules,
    refusals are an InputError) regional+overrides ranges, each stocked by the chosen design
    (placement, stock targets, replay) and replayed on common random numbers."""
    from fwdnet.logistics.assortment import load_rules, plan_ranges, resolve_rules
    from fwdnet.logistics.assortment.model import RangePlan
    from fwdnet.logistics.assortment.overrides import apply_overrides_plan, read_overrides
    from fwdnet.simulation.assortment import default_rules_path
    from fwdnet.simulation.ranges import network_ranges_view, range_case

    path = default_rules_path(scn)
    rules = load_rules(path)
    resolved = resolve_rules(scn, rules, source=str(path))
    regional, national, _ = plan_ranges(scn, resolved, season_weeks=rules.season_weeks,
                                        shrinkage=rules.shrinkage, similar=rules.similar_regions)
    promotions: tuple[Promotion, ...] = ()
    plans: list[tuple[RangePlan, tuple[Promotion, ...]]] = [(national, ()), (regional, ())]
    if overrides is not None:
        rows = read_overrides(overrides, scn.network)
        approved, _ = apply_overrides_plan(regional, resolved, scn.network, rows, strict=True,
                                           source=str(overrides))
        promotions = approved.ranges[0].promotions
        plans.append((approved.replace(kind="regional+overrides"), promotions))
    ctx = ctx or design_context(scn)
    cases = [range_case(plan.kind, replay_input(scn, with_ranges(scn, chosen, plan, ctx), mats),
                        plan, scn.network, promos) for plan, promos in plans]
    with pool_or_own(pool) as ex:
        return network_ranges_view(cases, scn.network.regions, seed=scn.seed,
                                   replications=replications, season_weeks=rules.season_weeks,
                                   design=chosen.name, local_promotions=len(promotions),
                                   executor=ex)


def _run_comparison(scn: Scenario, mats: NetworkMatrices, ctx: DesignContext,
                    chosen: NetworkDesign, inp: SimulationInput, sim: SimulationResult,
                    console: Console, pool: Executor | None) -> Comparison:
    """`fwdnet run`'s design comparison: the chosen design next to the other default designs,
    each planned with its routes and replayed on common random numbers (simulate's warm-up)."""
    planned = {chosen.name: (chosen, inp)}
    warmup = min(28, scn.horizon_days // 5)
    for name in DEFAULT_DESIGNS:
        if name in planned:
            continue
        console.print(f"      planning {name} (routes)", highlight=False)
        d = design(scn, mats, name, ctx=ctx, executor=pool)
        planned[name] = (d, replay_input(scn, d, mats))
    return replay_comparison(scn, ctx, planned, RUN_REPLICATIONS, warmup, pool, sim, console)


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


def _write_feed(path: Path, sim: SimulationResult, sample: float, seed: int) -> None:
    """The replay's waybills and events as gzip JSONL at `path` (all, or the share `sample`
    of the waybills with all their events, chosen by the seed); gzip level 6 is 4× faster
    than 9 for 12% more bytes."""
    from fwdnet.logistics.tracking.sample import waybill_sample

    if sim.waybills is not None:
        write_lines_atomic(path, sim.waybills.lines(waybill_sample(sample, seed)),
                           compress=True, level=WAYBILL_GZIP_LEVEL)


@contextmanager
def pending_feed(out_dir: Path, sim: SimulationResult, sample: float, seed: int,
                 rep: StageReporter) -> Iterator[None]:
    """Write waybill_events.jsonl.gz now, into a temp file beside it that becomes the feed
    when the block ends without error (with the run's other files), so the caller can drop
    the replay's waybill log (its largest object) before the stages that follow. An
    uncompressed feed of an older run is removed."""
    with atomic_path(out_dir / WAYBILL_FEED) as tmp:
        with rep.stage(WAYBILL_FEED):
            _write_feed(tmp, sim, sample, seed)
        del sim  # this frame lives on while the caller's block runs
        yield
    (out_dir / "waybill_events.jsonl").unlink(missing_ok=True)


def check_sample(share: float) -> float:
    """`--waybill-sample` is a share of waybills in (0, 1]."""
    if not 0.0 < share <= 1.0:
        raise InputError(f"--waybill-sample must be in (0, 1] (a share of the waybills, "
                         f"e.g. 0.1), got {share}")
    return share


@dataclass(frozen=True)
class RunOutput:
    results_json: Path
    dashboard_html: Path
    results: Results


def run_scenario(path: Path = DEFAULT_SCENARIO, out_root: Path = Path("results"),
                 console: Console | None = None, route_date: date | None = None,
                 executor: str = "local", scheduler: str | None = None,
                 workers: int | None = None, waybill_sample: float = 1.0,
                 overrides: Path | None = None) -> RunOutput:
    """Load → network → design → routing → simulation → design comparison (optimal, all-open,
    cdc-only, the design model's estimate beside the replay's) → chain remedies (ranges on the
    chosen design's network, with the approved region `overrides` CSV if given; contracts on
    its supplier side) → forecast (after the replay pool is gone) → results.json,
    route/placement/transfer exports → dashboard.html. Routes shown are a typical day's unless
    `route_date` names a day of the horizon. Routing solves and replays run on
    `open_executor(executor, scheduler, workers)`; `waybill_sample` is the share of waybills
    written to the feed."""
    from fwdnet.dashboards.page import write_dashboard
    from fwdnet.simulation.compare import open_executor

    console = console or Console(stderr=True)
    check_sample(waybill_sample)
    rep = StageReporter(11 if route_date is None else 12, console)
    scn = rep.call("load scenario", lambda: load_scenario(path))
    day = routing_day(scn, route_date)  # a bad --date fails before minutes of solving
    mats = rep.call("network matrices", lambda: network_matrices(scn))
    ctx = design_context(scn)  # one cost context for the design, the comparison and ranges
    planned = rep.call("design (OR-Tools MIP)",
                       lambda: design(scn, mats, "optimal", ctx=ctx, routes=False))
    with open_executor(executor, scheduler, workers) as pool:
        chosen = rep.call("routing (PyVRP)", lambda: with_routes(scn, mats, planned, pool))
        shown = chosen.routes
        if route_date is not None:
            shown = rep.call(f"routes of {route_date.isoformat()}",
                             lambda: routes_of_day(scn, mats, planned, route_date, pool))
    with rep.stage("simulation (SimPy)"):
        inp = replay_input(scn, chosen, mats)
        sim = replay_with_progress(inp, scn.seed, console)
        replayed = replay_results(scn, chosen, inp, sim)
    out_dir = out_root / scn.name
    results_json = out_dir / "results.json"
    with pending_feed(out_dir, sim, waybill_sample, scn.seed, rep):
        sim = replace(sim, waybills=None)  # the log is written: free it before what follows

        def note(message: str) -> None:
            console.print(f"      note: {message}", highlight=False, soft_wrap=True)

        with open_executor(executor, scheduler, workers) as pool:  # one pool for the studies
            comp = rep.call(f"design comparison ({', '.join(DEFAULT_DESIGNS)} × "
                            f"{RUN_REPLICATIONS} replications)",
                            lambda: _run_comparison(scn, mats, ctx, chosen, inp, sim, console,
                                                    pool))
            remedies = rep.call("chain remedies (ranges on the network, contracts)",
                                lambda: chain_remedies(scn, note, network=(mats, chosen, inp),
                                                       overrides=overrides, pool=pool, ctx=ctx))
        release_freed_memory()  # the pool has exited: hand this process's freed heap back too
        forecast = rep.call("forecast (statsforecast/LightGBM)",
                            lambda: _forecast(scn, console))
        results = rep.call("results.json", lambda: replayed.model_copy(
            update={"forecast": forecast, "routing": routing_out(shown), "routing_day": day,
                    "comparison": comp, **remedies}))
        write_exports(out_dir, scn, chosen, inp, sim, results.routing, day,
                      iso_week_index(scn.start))
        write_results(results_json, results)
    page = rep.call("dashboard.html",
                    lambda: write_dashboard(results_json, out_dir / "dashboard.html"))
    write_json_atomic(out_dir / "run_meta.json", {"scenario": str(path),
                                                  "waybill_sample": waybill_sample,
                                                  "stage_seconds": rep.timings})
    return RunOutput(results_json, page, results)


def replay_comparison(scn: Scenario, ctx: DesignContext,
                      planned: dict[str, tuple[NetworkDesign, SimulationInput]],
                      replications: int, warmup: int, pool: Executor | None,
                      first: SimulationResult, console: Console) -> Comparison:
    """Replications of every planned design on common random numbers (`first`: replication 0
    of the first design, already replayed), paired CIs, and the design model's estimate of
    each design's cost over the same days next to the replay's."""
    from fwdnet.simulation.compare import DesignCase, comparison, run_replications

    cases = [DesignCase(n, inp, d.open_fw, d.fixed_cost_per_year)
             for n, (d, inp) in planned.items()]
    base = cases[0]
    known = {(base.name, 0): with_costs(summary_of(first.kpis, warmup),
                                        scn.horizon_days - warmup, base.fixed_cost_per_year)}
    total = len(cases) * replications - 1
    done = [0]
    last = [time.perf_counter()]

    def tick(name: str, r: int) -> None:
        done[0] += 1
        if time.perf_counter() - last[0] > 5 or done[0] == total:
            last[0] = time.perf_counter()
            console.print(f"      replications done {done[0]}/{total}", highlight=False)

    metrics = run_replications(cases, scn.seed, replications, warmup, pool, known, tick)
    share = (scn.horizon_days - warmup) / scn.horizon_days  # the model prices the horizon
    model = {n: {k: v * share for k, v in design_costs(scn, d, ctx).replay_terms().items()}
             for n, (d, _) in planned.items()}
    return comparison(cases, metrics, warmup, model)


@dataclass(frozen=True)
class SimulateOutput:
    results_json: Path
    designs_csv: Path
    results: Results


def simulate_designs(path: Path, out_root: Path, designs: Sequence[str], replications: int,
                     warmup_days: int | None = None, executor: str = "local",
                     scheduler: str | None = None, workers: int | None = None,
                     settings: SimSettings | None = None, console: Console | None = None,
                     dashboard: bool = True, waybill_sample: float = 1.0,
                     contracts: Path | None = None) -> SimulateOutput:
    """Plan and replay every named design with common random numbers, compare them with paired
    CIs (the design model's estimate beside each), and with `contracts` replay the first
    design under each supplier contract; write results.json (the first design +
    `comparison`, `contracts`), designs.csv, waybill_events.jsonl.gz (the share
    `waybill_sample` of the waybills), run_meta.json and dashboard.html atomically at the end."""
    from fwdnet.simulation.compare import designs_csv_lines, open_executor

    console = console or Console(stderr=True)
    if not designs or len(set(designs)) != len(designs):
        raise InputError("--designs needs distinct names, e.g. optimal,all-open,cdc-only")
    check_sample(waybill_sample)
    rep = StageReporter(5 + len(designs) + (contracts is not None), console)
    scn = rep.call("load scenario", lambda: load_scenario(path))
    for name in designs:  # fail on a bad name before minutes of solving
        parse_design(scn, name)
    warmup = warmup_days if warmup_days is not None else min(28, scn.horizon_days // 5)
    if not 0 <= warmup < scn.horizon_days:
        raise InputError(f"--warmup must be between 0 and {scn.horizon_days - 1} days "
                         f"(the horizon of {path} is {scn.horizon_days} days), got {warmup}")
    mats = network_matrices(scn)
    ctx = design_context(scn)
    planned: dict[str, tuple[NetworkDesign, SimulationInput]] = {}
    with open_executor(executor, scheduler, workers) as pool:
        for name in designs:
            with rep.stage(f"design {name}: plan, routes, replay input"):
                d = design(scn, mats, name, ctx=ctx, executor=pool)
                planned[name] = (d, replay_input(scn, d, mats, settings))
        chosen, inp = planned[designs[0]]
        with rep.stage(f"replay {designs[0]} (replication 0, waybills)"):
            sim = replay_with_progress(inp, scn.seed, console, warmup)
            replayed = replay_results(scn, chosen, inp, sim)
        out_dir = out_root / scn.name
        results_json = out_dir / "results.json"
        designs_csv = out_dir / "designs.csv"
        with pending_feed(out_dir, sim, waybill_sample, scn.seed, rep):
            sim = replace(sim, waybills=None)  # its log is written: free it before the rest
            with rep.stage(f"replications: {len(planned)} designs × {replications}"):
                comp = replay_comparison(scn, ctx, planned, replications, warmup, pool, sim,
                                         console)
            extra: dict[str, Any] = {}
            if contracts is not None:
                with rep.stage(f"contracts on {designs[0]} × {replications}"):
                    extra["contracts"] = network_contracts(contracts, chosen, inp, scn.seed,
                                                           replications, warmup, pool)
            results = replayed.model_copy(update={"comparison": comp, **extra})
            write_json_atomic(out_dir / "run_meta.json", {
                "scenario": str(path), "designs": designs, "replications": replications,
                "waybill_sample": waybill_sample, "stage_seconds": rep.timings})
            assert results.comparison is not None
            write_lines_atomic(designs_csv, designs_csv_lines(results.comparison))
            write_results(results_json, results)
    if dashboard:
        from fwdnet.dashboards.page import write_dashboard

        write_dashboard(results_json, out_dir / "dashboard.html")
    return SimulateOutput(results_json, designs_csv, results)


def design_scenario(path: Path, *, time_limit_s: float | None = None, name: str = "optimal",
                    routes: bool = False, compare: bool = True) -> dict[str, Any]:
    """Plan one named design (with its routes if asked) and compare it with the alternatives;
    the JSON-ready payload `fwdnet design run` writes as design.json."""
    t0 = time.perf_counter()
    scn = load_scenario(path)
    mats = network_matrices(scn)
    ctx = design_context(scn)
    chosen = design(scn, mats, name, ctx=ctx, time_limit_s=time_limit_s, routes=routes)
    rows, skipped = (compare_designs(scn, chosen, time_limit_s=time_limit_s, ctx=ctx)
                     if compare else ((), ()))
    payload = design_dict(chosen, rows, skipped, start_week=iso_week_index(scn.start))
    if chosen.routes is not None:
        payload["routes"] = [r.model_dump(mode="json") for r in routing_out(chosen.routes)]
    payload["runtime_s"] = round(time.perf_counter() - t0, 3)
    return payload
