"""`fwdnet dashboard`: placeholder until its issue lands (owner replaces this module)."""

from __future__ import annotations

import typer


def dashboard() -> None:
    """Not built yet."""
    typer.echo("fwdnet dashboard is not built yet", err=True)
    raise typer.Exit(2)
