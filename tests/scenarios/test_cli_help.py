"""Every `fwdnet` command and subcommand explains itself with --help: what it does, each of its
options and arguments, and (for groups) each subcommand."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from fwdnet.scenarios.cli import app

ROOT = typer.main.get_command(app)


def _paths(cmd: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    commands = getattr(cmd, "commands", None)  # groups have sub-commands
    if commands:
        for name, sub in sorted(commands.items()):
            out += _paths(sub, (*prefix, name))
    return out


ALL = _paths(ROOT)


def _command(path: tuple[str, ...]) -> Any:
    """The click command behind a path (typer ships its own copy of click: duck-typed)."""
    cmd: Any = ROOT
    for name in path:
        cmd = cmd.commands[name]
    return cmd


def _flat(text: str) -> str:
    """The help text without rich's boxes and line wrapping: words separated by one space."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def _words(text: str, n: int = 6) -> str:
    return " ".join(_flat(text).split()[:n])


def test_all_documented_commands_exist() -> None:
    top = {p[0] for p in ALL if p}
    assert {"run", "simulate", "design", "forecast", "replenish", "assortment", "keys", "route",
            "track", "serve", "dashboard"} <= top


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p) or "fwdnet")
def test_help_explains_the_command_and_every_parameter(path: tuple[str, ...]) -> None:
    cmd = _command(path)
    res = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "300"})
    assert res.exit_code == 0, res.output
    shown = _flat(res.output)
    assert len((cmd.help or "").split()) >= 4, f"{path}: no real description"
    assert _words(cmd.help) in shown
    for param in cmd.params:
        if param.name == "help" or getattr(param, "hidden", False):
            continue
        text = getattr(param, "help", None)
        assert len((text or "").split()) >= 2, f"{path}: parameter {param.name} has no help"
        assert _words(text, 3) in shown, f"{path}: help of {param.name} not shown"
        if param.param_type_name == "option":
            assert all(opt in shown for opt in param.opts), f"{path}: {param.opts} not shown"
    for name in getattr(cmd, "commands", {}):
        assert name in shown, f"{path}: subcommand {name} not listed"
