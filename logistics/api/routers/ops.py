"""Operations: liveness, readiness (database), Prometheus metrics. No key needed."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from fwdnet.logistics.api.db import check_database
from fwdnet.logistics.api.deps import ContextDep
from fwdnet.logistics.api.logs import log
from fwdnet.logistics.api.metrics import render

router = APIRouter(tags=["operations"])


@router.get("/health")
def health() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "database unreachable"}})
def ready(ctx: ContextDep) -> JSONResponse:
    """The database answers a query."""
    try:
        check_database(ctx.engine)
    except Exception as exc:
        log.warning("not ready: %s", type(exc).__name__)
        return JSONResponse({"status": "unavailable", "database": "unreachable"},
                            status_code=503)
    return JSONResponse({"status": "ready", "database": ctx.engine.dialect.name})


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
def metrics() -> Response:
    """Prometheus exposition (requests, latency, solve time, ingest counts, jobs)."""
    body, ctype = render()
    return Response(body, media_type=ctype)
