"""`fwdnet simulate`: placeholder until its issue lands (owner replaces this module)."""

from __future__ import annotations

import typer


def simulate() -> None:
    """Not built yet."""
    typer.echo("fwdnet simulate is not built yet", err=True)
    raise typer.Exit(2)
