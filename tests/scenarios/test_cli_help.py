"""Every `fwdnet` command and subcommand explains itself with --help."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from fwdnet.scenarios.cli import app


def _paths(cmd: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    commands = getattr(cmd, "commands", None)  # groups have sub-commands
    if commands:
        for name, sub in sorted(commands.items()):
            out += _paths(sub, (*prefix, name))
    return out


ALL = _paths(typer.main.get_command(app))


def test_all_documented_commands_exist() -> None:
    top = {p[0] for p in ALL if p}
    assert {"run", "simulate", "design", "forecast", "replenish", "assortment", "keys", "route",
            "track", "serve", "dashboard"} <= top


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "fwdnet")
def test_help(path: tuple[str, ...]) -> None:
    res = CliRunner().invoke(app, [*path, "--help"])
    assert res.exit_code == 0, res.output
    assert "Usage" in res.output
    # a real description, not an empty or placeholder help text
    assert "not built yet" not in res.output.lower()
