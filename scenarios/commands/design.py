"""`fwdnet design …`: network design from a scenario, OR-Library CFL files, Perboli 2E-VRP files."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from fwdnet.logistics.errors import InputError

app = typer.Typer(
    help="Network design: which FWs to open, which stores they serve, which stock they hold.",
    no_args_is_help=True,
)


def _fail(exc: InputError) -> typer.Exit:
    """Same contract as scenarios.cli.main, also when the typer app is invoked directly."""
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)


def _num(x: float) -> float | None:
    return x if math.isfinite(x) else None


@app.command("run")
def run(
    scenario: Annotated[
        Path | None,
        typer.Argument(help="scenario TOML (default: the bundled scenarios/default.toml)"),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="folder for results/<scenario name>/")] = Path(
        "results"
    ),
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="seconds per MIP (default: scenario's)")
    ] = None,
    design: Annotated[
        str,
        typer.Option("--design", help="optimal, best-K, all-open, cdc-only, top-K or FW-A+FW-B"),
    ] = "optimal",
    routes: Annotated[
        bool, typer.Option("--routes", help="also plan the typical-day routes (takes minutes)")
    ] = False,
) -> None:
    """Design the scenario's network: open FWs, store assignment, stock placement, comparison.

    The same design `fwdnet run` and `fwdnet simulate` replay. Writes
    results/<scenario name>/design.json and prints the comparison table.
    """
    from rich.console import Console
    from rich.table import Table

    from fwdnet.logistics.kernel.files import write_json_atomic
    from fwdnet.scenarios.pipeline import DEFAULT_SCENARIO, design_scenario

    console = Console(stderr=True)
    try:
        if time_limit is not None and not time_limit > 0:
            raise InputError(f"--time-limit: positive seconds expected, got {time_limit}")
        path = scenario or DEFAULT_SCENARIO
        with console.status(f"designing {path.name} (location MIP, placement, comparison)"):
            out_design = design_scenario(path, time_limit_s=time_limit, name=design,
                                         routes=routes)
    except InputError as exc:
        raise _fail(exc) from None
    target = out / out_design["scenario"] / "design.json"
    write_json_atomic(target, out_design)
    loc = out_design["location"]
    console.print(
        f"{out_design['design']} {loc['status']}: {len(loc['open_fw'])} FWs open "
        f"({', '.join(loc['open_fw'])}), gap {loc['gap']}, "
        f"{len(loc['unreachable_stores'])} stores served from the CDC"
    )
    table = Table(title="candidate designs (costs in RMB over the horizon)")
    table.add_column("")
    for row in out_design["compare"]:
        table.add_column(str(row["design"]), justify="right")
    for key in list(out_design["compare"][0])[1:]:
        cells = [row[key] for row in out_design["compare"]]
        fmt = "{:,.0f}" if key.endswith("_rmb") else "{:.2f}" if "share" in key else "{}"
        table.add_row(key.replace("_rmb", "").replace("_", " "), *(fmt.format(c) for c in cells))
    console.print(table)
    for skip in out_design.get("compare_skipped", []):
        console.print(f"not compared: {skip['design']}: {skip['reason']}")
    typer.echo(str(target))


@app.command("cfl")
def cfl(
    file: Annotated[Path, typer.Argument(help="OR-Library capNN.txt / capa.txt file")],
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="hard cap on the MIP, in seconds")] = 60.0,
    capacity: Annotated[
        float | None,
        typer.Option("--capacity", help="capacity of every warehouse (required for capa/b/c)"),
    ] = None,
    single_source: Annotated[
        bool, typer.Option("--single-source", help="each customer served by one warehouse")
    ] = False,
) -> None:
    """Solve a capacitated warehouse location file and print the design as JSON.

    Warehouses are numbered from 1 in file order; `assignment` lists, per customer, the
    [warehouse, fraction] pairs serving it (split demand as in OR-Library's optima).
    """
    import dataclasses

    from fwdnet.logistics.design.location import solve_location
    from fwdnet.logistics.design.orlib import read_cap

    try:
        if not time_limit > 0:
            raise InputError(f"--time-limit: positive seconds expected, got {time_limit}")
        problem = read_cap(file, capacity=capacity)
    except InputError as exc:
        raise _fail(exc) from None
    if single_source:
        problem = dataclasses.replace(problem, single_source=True)
    res = solve_location(problem, time_limit_s=time_limit)
    assignment: list[list[list[float]]] = []
    for j in range(problem.n_customers):
        col = res.assignment[:, j]
        assignment.append([[int(i) + 1, round(float(col[i]), 9)] for i in col.nonzero()[0]])
    out: dict[str, Any] = {
        "status": res.status.value,
        "objective": _num(res.objective),
        "bound": _num(res.bound),
        "gap": _num(res.gap),
        "runtime_s": round(res.runtime_s, 3),
        "open": [i + 1 for i in res.open],
        "assignment": assignment,
    }
    if res.reason:
        out["reason"] = res.reason
    typer.echo(json.dumps(out))


@app.command("two-echelon")
def two_echelon(
    file: Annotated[Path, typer.Argument(help="Perboli 2ECVRP .dat file")],
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="hard cap on both echelons, in seconds")] = 30.0,
    seed: Annotated[int, typer.Option("--seed", help="random seed of the routing engine")] = 0,
) -> None:
    """Plan both echelons (depot→satellite trucks, satellite→customer vans); print JSON.

    Satellites and customers keep the file's ids (satellites from 1, customers 1..n).
    """
    from fwdnet.logistics.design.two_echelon import read_perboli, solve_two_echelon

    try:
        if not time_limit > 0:
            raise InputError(f"--time-limit: positive seconds expected, got {time_limit}")
        inst = read_perboli(file)
    except InputError as exc:
        raise _fail(exc) from None
    res = solve_two_echelon(inst, time_limit_s=time_limit, seed=seed)
    out: dict[str, Any] = {
        "status": res.status.value,
        "cost": _num(round(res.cost, 6)),
        "l1_cost": _num(round(res.l1_cost, 6)),
        "l2_cost": _num(round(res.l2_cost, 6)),
        "runtime_s": round(res.runtime_s, 3),
        "satellite_load": list(res.satellite_load),
        "trucks": [
            {
                "satellites": [s + 1 for s in t.satellites],
                "loads": list(t.loads),
                "cost": round(t.cost, 6),
            }
            for t in res.trucks
        ],
        "vans": [
            {
                "satellite": v.satellite + 1,
                "customers": [c + 1 for c in v.customers],
                "load": v.load,
                "cost": round(v.cost, 6),
            }
            for v in res.vans
        ],
    }
    if res.message:
        out["message"] = res.message
    typer.echo(json.dumps(out))
