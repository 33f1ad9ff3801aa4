"""`fwdnet assortment …`: placeholder until its issue lands (owner replaces this module)."""

from __future__ import annotations

import typer

app = typer.Typer(help="assortment commands (not built yet).", no_args_is_help=True)
