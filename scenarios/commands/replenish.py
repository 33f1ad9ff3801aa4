"""`fwdnet replenish`: placeholder until its issue lands (owner replaces this module)."""

from __future__ import annotations

import typer


def replenish() -> None:
    """Not built yet."""
    typer.echo("fwdnet replenish is not built yet", err=True)
    raise typer.Exit(2)
