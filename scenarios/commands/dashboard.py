"""`fwdnet dashboard RESULTS_DIR`: rebuild the offline HTML dashboard from a results.json."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fwdnet.logistics.errors import InputError


def _results_json(results_dir: Path) -> Path:
    """RESULTS_DIR/results.json (a results.json file itself is accepted too)."""
    path = results_dir / "results.json" if results_dir.is_dir() else results_dir
    if not path.is_file():
        raise InputError(f"{path}: no results.json here; expected a folder written by "
                         "`fwdnet run` (results/<scenario>/) or a results.json file")
    return path


def _build(results_dir: Path, out: Path | None, lang: str, tiles: str | None) -> Path:
    from pydantic import ValidationError

    from fwdnet.dashboards.page import write_dashboard

    if lang not in ("zh", "en"):
        raise InputError(f"--lang: expected zh or en, got {lang!r}")
    if tiles is not None and not all(k in tiles for k in ("{z}", "{x}", "{y}")):
        raise InputError(f"--tiles: expected a URL template with {{z}}, {{x}} and {{y}}, "
                         f"got {tiles!r}")
    src = _results_json(results_dir)
    target = out or src.parent / "dashboard.html"
    try:
        return write_dashboard(src, target, lang=lang, tiles=tiles)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise InputError(f"{src}: field {where}: {first['msg']} (not a fwdnet results.json of "
                         f"this version, or a damaged one)") from exc


def dashboard(
    results_dir: Annotated[Path, typer.Argument(
        help="Results folder written by `fwdnet run` (holds results.json), or the results.json.")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="HTML file to write; default RESULTS_DIR/dashboard.html.",
        show_default=False)] = None,
    lang: Annotated[str, typer.Option("--lang", help="Labels language: zh or en.")] = "zh",
    tiles: Annotated[str | None, typer.Option(
        "--tiles", help="Optional raster tile URL template (https://…/{z}/{x}/{y}.png): adds a "
        "web map that needs that server; the plain lon/lat map stays the offline default.",
        show_default=False)] = None,
) -> None:
    """Build the self-contained dashboard page (opens offline) and print its path.

    Tabs: overview, network map, design comparison, stock, forecast, waybills; sections the
    run did not produce show a "not run for this scenario" note.
    """
    try:
        page = _build(results_dir, out, lang, tiles)
    except InputError as exc:  # same contract as scenarios.cli.main when called directly
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(str(page))
