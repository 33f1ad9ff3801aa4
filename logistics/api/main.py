"""The app factory: `create_app(settings)` wires the database, keys, limits, jobs and routers.

Lifespan: open (and migrate) the database, start the route-job executor and its sweep; on
shutdown (after uvicorn has finished in-flight requests) hand running jobs back and stop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from fwdnet.logistics.api import errors
from fwdnet.logistics.api.context import Context
from fwdnet.logistics.api.db import open_api_engine
from fwdnet.logistics.api.jobs import JobRunner, make_executor
from fwdnet.logistics.api.keys import KeyStore
from fwdnet.logistics.api.logs import log, setup_logging
from fwdnet.logistics.api.middleware import ServiceMiddleware
from fwdnet.logistics.api.ratelimit import RateLimiter
from fwdnet.logistics.api.routers import ops, route_jobs, routes, waybills
from fwdnet.logistics.api.settings import Settings

API_VERSION = "1.0.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready-to-serve app; settings default to the environment (`FWDNET_*`)."""
    settings = settings or Settings()
    setup_logging(settings.log_json)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from fwdnet.logistics.tracking import resolve_url

        engine = open_api_engine(settings.db)
        url = resolve_url(settings.db)
        executor = (make_executor(settings.executor, settings.job_workers,
                                  settings.dask_scheduler) if settings.start_jobs else None)
        runner = JobRunner(engine, url, executor, settings.road_factor, settings.speed_kmh,
                           settings.job_stale_s)
        app.state.ctx = Context(settings, engine, KeyStore(engine, settings.key_cache_s),
                                RateLimiter(settings.rate_per_minute, settings.rate_burst),
                                runner)
        sweeper = None
        if executor is not None:
            await asyncio.to_thread(runner.sweep)
            sweeper = asyncio.create_task(_sweep(runner, settings.job_sweep_s))
        log.info("started", extra={"fields": {"db": engine.dialect.name,
                                              "executor": settings.executor}})
        try:
            yield
        finally:
            if sweeper is not None:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
            await asyncio.to_thread(runner.shutdown)
            engine.dispose()
            log.info("stopped")

    app = FastAPI(title="fwdnet API", version=API_VERSION, lifespan=lifespan,
                  description="Routes (VROOM-compatible), route jobs and waybill tracking. "
                              "Contract: docs/api.md.")
    errors.install(app)
    for r in (routes.router, route_jobs.router, waybills.router, ops.router):
        app.include_router(r)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(ServiceMiddleware, max_body_bytes=settings.max_body_bytes)
    return app


async def _sweep(runner: JobRunner, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        try:
            await asyncio.to_thread(runner.sweep)
        except Exception as exc:  # keep sweeping after a database hiccup
            log.warning("job sweep failed: %s", type(exc).__name__)


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory logistics.api.main:app_from_env` (settings from env)."""
    return create_app(Settings())
