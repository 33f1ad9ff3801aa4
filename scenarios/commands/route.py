"""`fwdnet route …`: placeholder until its issue lands (owner replaces this module)."""

from __future__ import annotations

import typer

app = typer.Typer(help="route commands (not built yet).", no_args_is_help=True)
