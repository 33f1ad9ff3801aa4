"""`/v1/route-jobs`: asynchronous solves (202 + id, status with best so far, cancel)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, HTTPException, Path, Response
from pydantic import BaseModel

from fwdnet.logistics.api import jobs, service
from fwdnet.logistics.api.deps import ContextDep, RouteCaller
from fwdnet.logistics.api.errors import ERROR_RESPONSES
from fwdnet.logistics.api.keys import Principal
from fwdnet.logistics.api.routers.routes import time_limit
from fwdnet.logistics.api.schemas import ErrorOut, RouteRequest, RouteResponse

router = APIRouter(prefix="/v1/route-jobs", tags=["route jobs"])
_ERR: dict[int | str, dict[str, Any]] = {k: {**v, "model": ErrorOut}
                                         for k, v in ERROR_RESPONSES.items()}
JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


class JobOut(BaseModel):
    """A route job: `status` queued → running → done | failed | cancelled; `result` is the
    best answer found so far (present once a first plan exists)."""

    id: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    time_limit: float
    created_at: datetime
    updated_at: datetime
    result: RouteResponse | None = None
    error: str | None = None


def _out(row: jobs.JobRow) -> JobOut:
    return JobOut(id=row.job_id, status=cast(Any, row.status),
                  time_limit=row.time_limit_s, created_at=row.created_at,
                  updated_at=row.updated_at,
                  result=RouteResponse.model_validate(row.result) if row.result else None,
                  error=row.error)


def _visible(row: jobs.JobRow, who: Principal) -> None:
    if who.kind == "region" and row.scope != who.role:
        raise HTTPException(403, f"role {who.role!r} may not see jobs of {row.scope!r}")


def _load(ctx: ContextDep, job_id: str, who: Principal) -> jobs.JobRow:
    row = jobs.get_job(ctx.engine, job_id)
    if row is None:
        raise HTTPException(404, f"no route job {job_id}")
    _visible(row, who)
    return row


@router.post("", status_code=202, response_model=JobOut, response_model_exclude_none=True,
             responses=_ERR)
def create_route_job(req: RouteRequest, ctx: ContextDep, who: RouteCaller,
                     response: Response) -> JobOut:
    """Queue a solve; poll `GET /v1/route-jobs/{id}` (also given in the Location header)."""
    s = ctx.settings
    limit = time_limit(req, s.default_time_limit_s, s.max_job_time_limit_s, "per job")
    service.build_only(req, s.road_factor, s.speed_kmh)  # input errors now, not later
    job_id = jobs.create_job(ctx.engine, req.model_dump_json(), who.role, who.key_id, limit)
    ctx.jobs.submit(job_id)
    response.headers["Location"] = f"/v1/route-jobs/{job_id}"
    row = jobs.get_job(ctx.engine, job_id)
    assert row is not None
    return _out(row)


@router.get("/{job_id}", response_model=JobOut, response_model_exclude_none=True,
            responses={**_ERR, 404: {"model": ErrorOut, "description": "no such job"}})
def get_route_job(job_id: JobId, ctx: ContextDep, who: RouteCaller) -> JobOut:
    """Status of a job and the best answer found so far."""
    return _out(_load(ctx, job_id, who))


@router.delete("/{job_id}", response_model=JobOut, response_model_exclude_none=True,
               responses={**_ERR, 404: {"model": ErrorOut, "description": "no such job"},
                          409: {"model": ErrorOut, "description": "job already finished"}})
def cancel_route_job(job_id: JobId, ctx: ContextDep, who: RouteCaller) -> JobOut:
    """Cancel a queued or running job (its best answer so far is kept)."""
    row = _load(ctx, job_id, who)
    if not jobs.cancel_job(ctx.engine, job_id):
        raise HTTPException(409, f"route job {job_id} already {row.status}")
    ctx.jobs.cancel(job_id)
    new = jobs.get_job(ctx.engine, job_id)
    assert new is not None
    return _out(new)
