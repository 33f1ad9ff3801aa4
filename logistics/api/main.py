"""The app factory: `create_app(settings)` wires the database, keys, limits, jobs and routers.

Lifespan: open (and migrate) the database, start the solver pool, the job pool and its
dispatcher, load the scenario (when `FWDNET_SCENARIO` is set); on shutdown (after uvicorn has
finished in-flight requests) hand running jobs back and stop the workers.
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
from fwdnet.logistics.api.pool import WorkerPool
from fwdnet.logistics.api.ratelimit import make_limiter
from fwdnet.logistics.api.regions import Regions
from fwdnet.logistics.api.routers import ops, route_jobs, routes, waybills
from fwdnet.logistics.api.routers import regions as regions_router
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
        solver = WorkerPool(settings.solve_workers, "solve", nice=settings.solve_nice)
        executor = (make_executor(settings.executor, settings.job_workers,
                                  settings.dask_scheduler) if settings.start_jobs else None)
        job_pool = None
        if settings.start_jobs and executor is None:
            job_pool = WorkerPool(settings.job_workers, "job", nice=settings.solve_nice)
        await asyncio.to_thread(solver.start)  # starts the forkserver; then both pools
        if job_pool is not None:
            await asyncio.to_thread(job_pool.start)
        runner = JobRunner(engine, url, slots=settings.job_workers if settings.start_jobs else 0,
                           pool=job_pool, executor=executor, road_factor=settings.road_factor,
                           speed_kmh=settings.speed_kmh, stale_s=settings.job_stale_s,
                           sweep_s=settings.job_sweep_s, poll_s=settings.job_poll_s,
                           max_attempts=settings.job_max_attempts)
        regions = (await asyncio.to_thread(Regions, settings.scenario, settings.assortment_rules)
                   if settings.scenario else None)
        limiter = make_limiter(settings.rate_per_minute, settings.rate_burst,
                               settings.bad_key_cache_s, settings.auth_failures_per_minute,
                               settings.redis_url, settings.redis_prefix)
        app.state.ctx = Context(settings, engine, KeyStore(engine, settings.key_cache_s),
                                limiter, runner, solver, regions)
        if settings.start_jobs:
            runner.start()
        keeper = asyncio.create_task(_keep([solver, *([job_pool] if job_pool else [])]))
        log.info("started", extra={"fields": {
            "db": engine.dialect.name, "executor": settings.executor,
            "solve_workers": settings.solve_workers, "job_workers": settings.job_workers,
            "limits": limiter.backend, "scenario": settings.scenario}})
        try:
            yield
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            await asyncio.to_thread(runner.shutdown)
            await asyncio.to_thread(solver.shutdown)
            engine.dispose()
            log.info("stopped")

    app = FastAPI(title="fwdnet API", version=API_VERSION, lifespan=lifespan,
                  description="Routes (VROOM-compatible), route jobs and waybill tracking. "
                              "Contract: docs/api.md.")
    errors.install(app)
    for r in (routes.router, route_jobs.router, waybills.router, regions_router.router,
              ops.router):
        app.include_router(r)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(ServiceMiddleware, max_body_bytes=settings.max_body_bytes)
    _document_route_request(app)
    return app


def _document_route_request(app: FastAPI) -> None:
    """Put RouteRequest (read from the raw body by the route endpoints) into the OpenAPI."""
    from typing import Any

    from fwdnet.logistics.api.schemas import RouteRequest

    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = plain()
            schema = RouteRequest.model_json_schema(
                ref_template="#/components/schemas/{model}", mode="validation")
            comps = spec.setdefault("components", {}).setdefault("schemas", {})
            comps.update(schema.pop("$defs", {}))
            comps["RouteRequest"] = schema
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


async def _keep(pools: list[WorkerPool], every_s: float = 1.0) -> None:
    """Replace idle workers killed from outside, so /ready recovers without traffic."""
    while True:
        await asyncio.sleep(every_s)
        for p in pools:
            try:
                p.heal()
            except Exception as exc:  # never let the keeper die
                log.warning("pool keeper: %s", type(exc).__name__)


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory logistics.api.main:app_from_env` (settings from env)."""
    return create_app(Settings())
