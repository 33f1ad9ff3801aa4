"""`fwdnet rebalance SCENARIO.toml`: transfers between FWs from today's stock, and what weekly
rebalancing is worth in the replay (with versus without, paired on the same demand)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fwdnet.logistics.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from fwdnet.logistics.design.matrices import NetworkMatrices
    from fwdnet.logistics.design.network_design import NetworkDesign
    from fwdnet.logistics.kernel.stats import Interval
    from fwdnet.logistics.network import Scenario


def rebalance(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    stock: Annotated[Path | None, typer.Option(
        "--stock", help="Current stock CSV: site,sku,on_hand[,on_order][,daily_demand] (one "
        "row per open FW × SKU held; daily_demand = the rate seen lately, else the design's "
        "planning demand).", show_default=False)] = None,
    compare: Annotated[bool, typer.Option(
        "--compare", help="Replay the design with and without weekly rebalancing on the same "
        "demand and print lost sales avoided and transfer cost as paired 95% CIs.")] = False,
    design_name: Annotated[str, typer.Option(
        "--design", help="Design whose open FWs hold the stock: optimal, all-open, best-K, "
        "top-K or FW ids joined by '+'.")] = "optimal",
    day: Annotated[str | None, typer.Option(
        "--date", help="Day of the stock (YYYY-MM-DD) whose ISO week's planning demand is "
        "used when the CSV has no daily_demand; default: the scenario's start.",
        show_default=False)] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write the suggested transfers as CSV here (with --stock).",
        show_default=False)] = None,
    replications: Annotated[int, typer.Option(
        min=2, help="Replications per arm for --compare.")] = 3,
    warmup: Annotated[int | None, typer.Option(
        help="Days cut from the start before --compare counts; default min(28, horizon/5).",
        show_default=False)] = None,
    workers: Annotated[int | None, typer.Option(
        help="Local worker processes for --compare (default: up to 2; 1 = inline).",
        show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Suggest FW → FW transfers from current stock (--stock), or measure rebalancing in the
    replay (--compare). A transfer moves a SKU from a FW holding weeks more than it sells to
    one that will run out before its next delivery, where the lost sales avoided pay for the
    trucks (lane cost = truck fixed cost + per km)."""
    from rich.console import Console

    from fwdnet.logistics.design.matrices import network_matrices
    from fwdnet.logistics.network import load_scenario
    from fwdnet.scenarios.pipeline import design

    if stock is None and not compare:
        raise InputError("give --stock FILE (suggest transfers) or --compare (replay with and "
                         "without rebalancing), or both")
    console = Console(stderr=True)
    scn = load_scenario(scenario)
    when = scn.start
    if day is not None:
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise InputError(f"--date: expected a date YYYY-MM-DD, got {day!r}") from None
    from fwdnet.logistics.design.network_design import parse_design

    parse_design(scn, design_name)  # a bad name fails before minutes of solving
    console.print(f"planning design {design_name} …", highlight=False)
    mats = network_matrices(scn)
    planned = design(scn, mats, design_name, routes=compare)
    if stock is not None:
        _suggest(scn, planned, mats, stock, when, out, as_json)
    if compare:
        _compare(scn, planned, mats, replications, warmup, workers, as_json, console)


def _suggest(scn: Scenario, planned: NetworkDesign, mats: NetworkMatrices, stock: Path,
             when: date, out: Path | None, as_json: bool) -> None:
    from fwdnet.logistics.design.current_stock import read_stock_csv, suggest_transfers
    from fwdnet.logistics.kernel.files import csv_lines, write_lines_atomic

    current = read_stock_csv(stock, scn, planned.open_fw)
    s = suggest_transfers(scn, planned, mats, current, when)
    rows = [[t.sku, t.from_site, t.to_site, t.units, round(t.km, 1), t.cost_rmb, t.value_rmb]
            for t in s.transfers]
    header = ("sku", "from_site", "to_site", "units", "km", "cost_rmb", "value_rmb")
    if out is not None:
        write_lines_atomic(out, csv_lines(header, rows))
    if as_json:
        typer.echo(json.dumps({"demand_basis": s.demand_basis,
                               "transport_cost_rmb": s.transport_cost_rmb,
                               "value_rmb": s.value_rmb,
                               "transfers": [dict(zip(header, r, strict=True)) for r in rows]},
                              ensure_ascii=False, indent=2))
        return
    typer.echo(f"{len(rows)} transfer(s), {sum(t.units for t in s.transfers):,} units; trucks "
               f"¥{s.transport_cost_rmb:,.0f}, lost sales avoided + excess cleared "
               f"¥{s.value_rmb:,.0f} (demand: {s.demand_basis})")
    for r in rows:
        typer.echo(f"  {r[0]}: {r[1]} → {r[2]}  {r[3]} units  {r[4]} km  "
                   f"cost ¥{r[5]:,.0f}  value ¥{r[6]:,.0f}")
    if out is not None:
        typer.echo(f"wrote {out}")


def _compare(scn: Scenario, planned: NetworkDesign, mats: NetworkMatrices, replications: int,
             warmup: int | None, workers: int | None, as_json: bool, console: Console) -> None:
    from fwdnet.simulation.compare import open_executor
    from fwdnet.simulation.inputs import replay_input
    from fwdnet.simulation.rebalance_compare import compare_rebalancing

    cut = warmup if warmup is not None else min(28, scn.horizon_days // 5)
    inp = replay_input(scn, planned, mats)
    total = 2 * replications
    done = [0]

    def tick(arm: str, r: int) -> None:
        done[0] += 1
        console.print(f"      replays done {done[0]}/{total}", highlight=False)

    with open_executor("local", None, workers) as pool:
        res = compare_rebalancing(inp, scn.seed, replications, cut, pool, tick)
    if as_json:
        typer.echo(json.dumps(res.as_dict(), indent=2))
        return

    def ci(name: str, x: Interval, fmt: str) -> str:
        return f"{name}: {x.mean:{fmt}} [{x.low:{fmt}}, {x.high:{fmt}}]"

    typer.echo(f"rebalancing every {res.rebalance_every_days} days vs none, "
               f"{res.replications} paired replications, warm-up {res.warmup_days} days "
               "(means [95% CI])")
    typer.echo(ci("  lost sales avoided (units)", res.lost_units_avoided, ",.0f"))
    typer.echo(ci("  lost sales avoided (¥)", res.lost_value_avoided_rmb, ",.0f"))
    typer.echo(ci("  transfer cost (¥)", res.transfer_cost_rmb, ",.0f"))
    typer.echo(ci("  units transferred", res.transferred_units, ",.0f"))
    typer.echo(ci("  net benefit (¥)", res.net_benefit_rmb, ",.0f"))
