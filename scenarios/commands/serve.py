"""`fwdnet serve`: run the HTTP API (logistics.api) under uvicorn, optionally with dashboards.

Settings come from `FWDNET_*` environment variables (see docs/api.md); `--db` sets
`FWDNET_DB` and `--scenario` sets `FWDNET_SCENARIO` for every worker process. `--results DIR`
also serves the dashboards of the run folders in DIR at `/dashboards/<run>/` (built from
results.json when missing).
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from fwdnet.logistics.errors import InputError

if TYPE_CHECKING:
    from fastapi import FastAPI


LOG_CONFIG = {
    "version": 1, "disable_existing_loggers": False,
    "formatters": {"json": {"()": "fwdnet.logistics.api.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                            "stream": "ext://sys.stderr"}},
    "loggers": {"uvicorn": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
                "uvicorn.error": {"level": "INFO"}},
}
"""uvicorn's own lines (start, stop, errors) as JSON too; requests are logged by the app."""


def app_factory() -> FastAPI:
    """The served app (uvicorn `--factory` target): the API plus the dashboards mount."""
    from fwdnet.logistics.api.main import create_app

    app = create_app()
    results = os.environ.get("FWDNET_RESULTS_DIR")
    if results:
        _mount_dashboards(app, Path(results))
    return app


def _mount_dashboards(app: FastAPI, root: Path) -> None:
    from fastapi import HTTPException
    from fastapi.responses import FileResponse, HTMLResponse

    @app.get("/dashboards/", response_class=HTMLResponse, include_in_schema=False)
    def dashboards_index() -> str:
        runs = sorted(p.parent.name for p in root.glob("*/results.json"))
        items = "".join(f'<li><a href="/dashboards/{r}/">{r}</a></li>' for r in runs)
        return f"<!doctype html><title>fwdnet dashboards</title><ul>{items}</ul>"

    @app.get("/dashboards/{run}/", include_in_schema=False)
    def dashboard(run: str) -> FileResponse:
        folder = (root / run).resolve()
        if folder.parent != root.resolve() or not (folder / "results.json").is_file():
            raise HTTPException(404, f"no run {run!r}")
        page = folder / "dashboard.html"
        if not page.is_file() or page.stat().st_mtime < (folder / "results.json").stat().st_mtime:
            from fwdnet.dashboards.page import write_dashboard

            write_dashboard(folder / "results.json", page)
        return FileResponse(page, media_type="text/html")


def _exit_cleanly(_sig: int, _frame: FrameType | None) -> None:
    sys.exit(0)


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    db: Annotated[str | None, typer.Option(
        "--db", help="Database URL (default: $FWDNET_DB, else sqlite:///fwdnet.db).")] = None,
    workers: Annotated[int, typer.Option("--workers", help="Server processes.", min=1)] = 1,
    results: Annotated[Path | None, typer.Option(
        "--results", help="Also serve the dashboards of the run folders in this directory.")
    ] = None,
    scenario: Annotated[Path | None, typer.Option(
        "--scenario", help="Scenario TOML the service plans for (sets FWDNET_SCENARIO): its "
                           "sites scope region keys' routes; its regions back /v1/regions.")
    ] = None,
) -> None:
    """Serve the HTTP API (routes, route jobs, waybills, /health, /ready, /metrics)."""
    import uvicorn

    if not 0 < port < 65536:
        raise InputError(f"--port: 1..65535 expected, got {port}")
    if db:
        os.environ["FWDNET_DB"] = db
    if scenario is not None:
        if not scenario.is_file():
            raise InputError(f"--scenario: {scenario} is not a file")
        os.environ["FWDNET_SCENARIO"] = str(scenario.resolve())
    if results is not None:
        if not results.is_dir():
            raise InputError(f"--results: {results} is not a directory")
        os.environ["FWDNET_RESULTS_DIR"] = str(results.resolve())
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="fwdnet-metrics-")
    from fwdnet.logistics.api.db import open_api_engine

    open_api_engine(os.environ.get("FWDNET_DB")).dispose()  # migrate once, fail early
    # uvicorn re-raises SIGTERM after its graceful shutdown; end with status 0 instead
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run("fwdnet.scenarios.commands.serve:app_factory", factory=True, host=host, port=port,
                workers=workers, log_level="warning", timeout_graceful_shutdown=30,
                access_log=False, log_config=LOG_CONFIG)
