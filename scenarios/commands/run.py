"""`fwdnet run`: placeholder until its issue lands (owner replaces this module)."""

from __future__ import annotations

import typer


def run() -> None:
    """Not built yet."""
    typer.echo("fwdnet run is not built yet", err=True)
    raise typer.Exit(2)
