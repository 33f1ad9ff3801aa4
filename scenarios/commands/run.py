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
) -> None:
    """Run a scenario end to end: design (MIP) → routes → SimPy replay → results → dashboard.

    Writes results/<name>/results.json and results/<name>/dashboard.html, then prints the
    dashboard's path. The same seed gives a byte-identical results.json.
    """
    from fwdnet.scenarios.pipeline import DEFAULT_SCENARIO, run_scenario

    output = run_scenario(scenario or DEFAULT_SCENARIO, out)
    k = output.results.kpis
    typer.echo(f"fill rate {k.fill_rate:.1%}, total cost ¥{k.total_cost_rmb:,.0f}", err=True)
    typer.echo(str(output.dashboard_html))
