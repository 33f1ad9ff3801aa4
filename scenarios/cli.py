"""The `fwdnet` command line: one typer app; each command group lives in scenarios/commands/.

Heavy libraries (OR-Tools, statsforecast, SQLAlchemy, …) are imported inside the commands so
that `fwdnet --help` stays instant.
"""

from __future__ import annotations

import sys

import typer

from fwdnet.logistics.errors import InputError, missing_extra_message
from fwdnet.scenarios.commands import (
    assortment,
    dashboard,
    design,
    forecast,
    generate,
    keys,
    rebalance,
    regions,
    replenish,
    route,
    run,
    serve,
    simulate,
    track,
)

app = typer.Typer(
    name="fwdnet",
    help=(
        "fwdnet plans and tests a retail chain's supply network: central warehouse (CDC) → "
        "forward warehouses (FW, 前置仓) → stores. Start with `fwdnet run`, which runs the "
        "bundled default scenario end to end and writes results/<scenario>/dashboard.html."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.command("run")(run.run)
app.command("simulate")(simulate.simulate)
app.command("replenish")(replenish.replenish)
app.command("rebalance")(rebalance.rebalance)
app.command("serve")(serve.serve)
app.command("dashboard")(dashboard.dashboard)
app.command("generate")(generate.generate)
app.add_typer(design.app, name="design")
app.add_typer(route.app, name="route")
app.add_typer(forecast.app, name="forecast")
app.add_typer(assortment.app, name="assortment")
app.add_typer(track.app, name="track")
app.add_typer(keys.app, name="keys")
app.add_typer(regions.app, name="regions")


def main() -> None:
    """Entry point: bad input, or a command whose optional part is not installed, ends in one
    line on stderr and exit code 2, never a traceback."""
    try:
        app()
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except ModuleNotFoundError as exc:  # an optional part (extra) that is not installed
        message = missing_extra_message(exc)
        if message is None:
            raise
        typer.echo(f"error: {message}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("interrupted: nothing half-written was left behind", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
