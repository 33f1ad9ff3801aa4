"""`fwdnet serve`: placeholder until its issue lands (owner replaces this module)."""

from __future__ import annotations

import typer


def serve() -> None:
    """Not built yet."""
    typer.echo("fwdnet serve is not built yet", err=True)
    raise typer.Exit(2)
