"""Operations: liveness, readiness (database and worker pools), Prometheus metrics. No key.

`/health` is `async` and touches nothing: it answers from the event loop even when every
request thread and worker is busy.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from fwdnet.logistics.api.db import check_database
from fwdnet.logistics.api.deps import ContextDep
from fwdnet.logistics.api.jobs import count_by_state
from fwdnet.logistics.api.logs import log
from fwdnet.logistics.api.metrics import render

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "database unreachable, or no live "
                                                      "solver worker"}})
def ready(ctx: ContextDep) -> JSONResponse:
    """The database answers a query and the solver pool has a live worker; pool states."""
    body: dict[str, Any] = {"status": "ready", "database": ctx.engine.dialect.name,
                            "solve_pool": ctx.solver.stats(), "job_pool": ctx.jobs.stats(),
                            "limits": ctx.limiter.backend}
    ok = True
    try:
        check_database(ctx.engine)
    except Exception as exc:
        log.warning("not ready: database %s", type(exc).__name__)
        body["database"] = "unreachable"
        ok = False
    if body["solve_pool"]["alive"] == 0:
        body["solve_pool"]["error"] = ctx.solver.last_error
        ok = False
    if ctx.jobs.last_error:
        body["job_pool"]["error"] = ctx.jobs.last_error
    if not ok:
        body["status"] = "unavailable"
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    return JSONResponse(body)


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
def metrics(ctx: ContextDep) -> Response:
    """Prometheus exposition (requests, latency, solves, pools, rejections, jobs by state)."""
    extra = ""
    try:
        states = count_by_state(ctx.engine)
        extra = ("# HELP fwdnet_route_jobs route jobs in the database by state\n"
                 "# TYPE fwdnet_route_jobs gauge\n"
                 + "".join(f'fwdnet_route_jobs{{state="{s}"}} {n}\n' for s, n in states.items())
                 + "# HELP fwdnet_route_job_queue_depth route jobs waiting for a worker\n"
                 "# TYPE fwdnet_route_job_queue_depth gauge\n"
                 f"fwdnet_route_job_queue_depth {states['queued']}\n")
    except Exception as exc:  # the database is down: the process metrics still answer
        log.warning("metrics: job counts unavailable (%s)", type(exc).__name__)
        extra = ("# HELP fwdnet_database_up 1 when the database answered this scrape\n"
                 "# TYPE fwdnet_database_up gauge\nfwdnet_database_up 0\n")
    else:
        extra += ("# HELP fwdnet_database_up 1 when the database answered this scrape\n"
                  "# TYPE fwdnet_database_up gauge\nfwdnet_database_up 1\n")
    body, ctype = render(extra)
    return Response(body, media_type=ctype)
