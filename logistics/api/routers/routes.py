"""`POST /v1/routes`: synchronous solve (hard time limit) or plan evaluation."""

from __future__ import annotations

import time

from fastapi import APIRouter

from fwdnet.logistics.api import service
from fwdnet.logistics.api.deps import ContextDep, RouteCaller
from fwdnet.logistics.api.errors import ERROR_RESPONSES
from fwdnet.logistics.api.metrics import SOLVE
from fwdnet.logistics.api.schemas import ErrorOut, RouteRequest, RouteResponse
from fwdnet.logistics.errors import InputError

router = APIRouter(prefix="/v1", tags=["routes"])


def time_limit(req: RouteRequest, default: float, most: float, where: str) -> float:
    """The request's time limit (s), checked against this server's maximum."""
    limit = req.options.time_limit or min(default, most)
    if limit > most:
        raise InputError(f"options.time_limit: at most {most:g} s {where}")
    return limit


@router.post("/routes", response_model=RouteResponse, response_model_exclude_none=True,
             responses={k: {**v, "model": ErrorOut} for k, v in ERROR_RESPONSES.items()})
def post_routes(req: RouteRequest, ctx: ContextDep, who: RouteCaller) -> RouteResponse:
    """Plan routes for a VROOM-style request within `options.time_limit` seconds (hard)."""
    del who
    s = ctx.settings
    limit = time_limit(req, s.default_time_limit_s, s.max_sync_time_limit_s,
                       "here; use /v1/route-jobs for longer solves")
    t0 = time.perf_counter()
    resp, _ = service.route(req, time_limit_s=limit, road_factor=s.road_factor,
                            speed_kmh=s.speed_kmh)
    SOLVE.labels("plan" if req.options.plan else "sync").observe(time.perf_counter() - t0)
    return resp
