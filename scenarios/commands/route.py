"""`fwdnet route …`: solve a routing instance file and print the plan as one JSON object."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from fwdnet.logistics.errors import InputError

app = typer.Typer(help="Plan vehicle routes (CVRPLIB, Solomon, Cordeau or fwdnet JSON files).",
                  no_args_is_help=True)


@app.command("solve")
def solve_file(
    file: Annotated[Path, typer.Argument(help="instance file")],
    fmt: Annotated[str | None, typer.Option(
        "--format", help="vrplib | solomon | cordeau | json (default: from the file name)")
    ] = None,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="hard cap, seconds (the search stops earlier once converged)")
                          ] = 10.0,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
    backend: Annotated[str, typer.Option(
        "--backend", help="auto | hgs | pyvrp | ortools | ortools-plain")] = "auto",
    full_time: Annotated[bool, typer.Option(
        "--full-time", help="search until the time limit even once converged")] = False,
) -> None:
    """Solve FILE and print {status, cost, runtime_s, routes, unassigned} with the file's ids.

    cost follows the file's convention (CVRPLIB nint, Solomon one decimal, Cordeau double);
    for JSON files it is the RMB objective. Bad input: one line on stderr, exit code 2.
    """
    from fwdnet.logistics.routing import MaxRuntime, default_stop, solve
    from fwdnet.logistics.routing.readers import read_instance
    from fwdnet.logistics.routing.solve import BACKENDS

    try:
        if time_limit <= 0:
            raise InputError(f"--time-limit: positive number of seconds expected, got {time_limit}")
        if backend not in BACKENDS:
            raise InputError(f"--backend: one of {', '.join(BACKENDS)} expected, "
                             f"got {backend!r}")
        inst = read_instance(file, fmt)
        stop = (MaxRuntime(time_limit) if full_time
                else default_stop(len(inst.problem.clients), time_limit))
        res = solve(inst.problem, stop, seed, backend=backend)  # type: ignore[arg-type]
    except InputError as exc:
        # same contract as scenarios.cli.main, also when the app is invoked directly
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    out = {
        "status": res.status.value,
        "cost": inst.cost(res),
        "runtime_s": res.runtime_s,
        "backend": res.backend,
        "routes": [{"depot": inst.depot_ids[r.start_depot],
                    "stops": [inst.client_ids[c] for c in r.stops],
                    "vehicle_type": r.vehicle_type,
                    "trips": [[inst.client_ids[c] for c in t] for t in r.trips]}
                   for r in res.routes],
        "unassigned": [{"id": inst.client_ids[u.client], "reason": u.reason.value}
                       for u in res.unassigned],
    }
    if res.message:
        out["message"] = res.message
    if res.note:
        out["note"] = res.note
    typer.echo(json.dumps(out))
