"""`/v1/route-jobs`: asynchronous solves (202 + id, status with best so far, cancel).

Queues are bounded per key and in total (429 + Retry-After when full). An `Idempotency-Key`
header makes a retried POST return the job the first one stored instead of a duplicate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Header, HTTPException, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from fwdnet.logistics.api import jobs, service
from fwdnet.logistics.api.deps import ContextDep, RouteCaller
from fwdnet.logistics.api.errors import ERROR_RESPONSES
from fwdnet.logistics.api.keys import Principal
from fwdnet.logistics.api.metrics import REJECTED
from fwdnet.logistics.api.routers.routes import (
    BODY,
    check_scope,
    check_size,
    parse_request,
    time_limit,
)
from fwdnet.logistics.api.schemas import ErrorOut, RouteRequest, RouteResponse

router = APIRouter(prefix="/v1/route-jobs", tags=["route jobs"])
_ERR: dict[int | str, dict[str, Any]] = {k: {**v, "model": ErrorOut}
                                         for k, v in ERROR_RESPONSES.items()}
JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                       pattern=r"^[\x21-\x7e]{1,200}$",
                                       description="Makes retries safe: a repeated POST with "
                                                   "the same key returns the first job.")]


class JobOut(BaseModel):
    """A route job: `status` queued → running → done | failed | cancelled; `result` is the
    best answer found so far (present once a first plan exists); `attempts` counts the
    worker processes that took it (a dead one's job is queued again, up to a limit)."""

    id: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    time_limit: float
    created_at: datetime
    updated_at: datetime
    attempts: int = 0
    result: RouteResponse | None = None
    error: str | None = None


def _out(row: jobs.JobRow) -> JobOut:
    return JobOut(id=row.job_id, status=cast(Any, row.status),
                  time_limit=row.time_limit_s, created_at=row.created_at,
                  updated_at=row.updated_at, attempts=row.attempts,
                  result=RouteResponse.model_validate(row.result) if row.result else None,
                  error=row.error)


def _load(ctx: ContextDep, job_id: str, who: Principal) -> jobs.JobRow:
    """The job, or 404 also when a region key asks for another scope's job (no leak)."""
    row = jobs.get_job(ctx.engine, job_id)
    if row is None or (who.kind == "region" and row.scope != who.role):
        raise HTTPException(404, f"no route job {job_id}")
    return row


@router.post("", status_code=202, response_model=JobOut, response_model_exclude_none=True,
             openapi_extra=BODY,
             responses={**_ERR, 200: {"model": JobOut, "description": "the job an earlier "
                                      "POST with this Idempotency-Key created"},
                        409: {"model": ErrorOut, "description": "Idempotency-Key reused for "
                              "another body"}})
async def create_route_job(request: Request, ctx: ContextDep, who: RouteCaller,
                           response: Response, idempotency_key: IdemKey = None) -> JobOut:
    """Queue a solve; poll `GET /v1/route-jobs/{id}` (also given in the Location header)."""
    req = await run_in_threadpool(parse_request, await request.body())
    return await run_in_threadpool(_create, req, ctx, who, response, idempotency_key)


def _create(req: RouteRequest, ctx: ContextDep, who: Principal, response: Response,
            idempotency_key: str | None) -> JobOut:
    s = ctx.settings
    limit = time_limit(req, s.default_time_limit_s, s.max_job_time_limit_s, "per job")
    check_size(req, s.max_job_size, "FWDNET_MAX_JOB_SIZE")
    check_scope(ctx, who, req)
    service.build_only(req, s.road_factor, s.speed_kmh)  # input errors now, not later
    try:
        job_id, created = jobs.create_job(
            ctx.engine, req.model_dump_json(), who.role, who.key_id, limit,
            idem_key=idempotency_key, max_per_key=s.max_jobs_per_key,
            max_total=s.max_jobs_total)
    except jobs.QueueFull as exc:
        REJECTED.labels(f"job_queue_{exc.which}").inc()
        raise HTTPException(429, str(exc), headers={"Retry-After": "10"}) from None
    except jobs.IdempotencyConflict as exc:
        raise HTTPException(409, str(exc)) from None
    if created:
        ctx.jobs.submit(job_id)
    else:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/v1/route-jobs/{job_id}"
    row = jobs.get_job(ctx.engine, job_id)
    if row is None:  # deleted under us: only an operator could do that
        raise HTTPException(404, f"no route job {job_id}")
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
