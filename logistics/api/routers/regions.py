"""`/v1/regions/{code}/…`: a region's assortment and promotions, and its overrides within
HQ's rules (tiered authorisation). `hq` keys act for every region, `region:<code>` keys for
their own; every change is in the audit log (`GET /v1/audit`, hq only)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from fwdnet.logistics.api.deps import ContextDep, RegionCaller, require
from fwdnet.logistics.api.errors import ERROR_RESPONSES
from fwdnet.logistics.api.keys import Principal
from fwdnet.logistics.api.regions import Change, Forbidden, Regions, audit_log
from fwdnet.logistics.api.schemas import ErrorOut

router = APIRouter(prefix="/v1", tags=["regions"])
_ERR: dict[int | str, dict[str, Any]] = {
    **{k: {**v, "model": ErrorOut} for k, v in ERROR_RESPONSES.items()},
    404: {"model": ErrorOut, "description": "unknown region or override"},
    409: {"model": ErrorOut, "description": "this server has no scenario (FWDNET_SCENARIO)"}}
Code = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
_STRICT = ConfigDict(extra="forbid", frozen=True)


class SkuChange(BaseModel):
    """List (`add`) or delist (`remove`) one SKU in the region."""

    model_config = _STRICT
    action: Literal["add", "remove"]
    sku: Annotated[str, Field(min_length=1, max_length=200)]


class AssortmentProposal(BaseModel):
    """Changes applied together (removals first), or refused together."""

    model_config = _STRICT
    changes: Annotated[list[SkuChange], Field(min_length=1, max_length=500)]


class PromotionIn(BaseModel):
    """A local promotion: demand of `category` × `lift` from `start` to `end` (inclusive)."""

    model_config = _STRICT
    category: Annotated[str, Field(min_length=1, max_length=200)]
    lift: Annotated[float, Field(gt=0, le=10)]
    start: date
    end: date


class PromotionProposal(BaseModel):
    model_config = _STRICT
    promotions: Annotated[list[PromotionIn], Field(min_length=1, max_length=100)]


def _regions(ctx: ContextDep, who: Principal, code: str) -> Regions:
    if ctx.regions is None:
        raise HTTPException(409, "this server has no scenario (set FWDNET_SCENARIO)")
    try:
        ctx.regions.check_region(who, code)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except Forbidden as exc:
        raise HTTPException(403, str(exc)) from None
    return ctx.regions


@router.get("/regions/{code}/assortment", responses=_ERR)
def get_assortment(code: Code, ctx: ContextDep, who: RegionCaller) -> dict[str, Any]:
    """The region's range per season, HQ's rules for it, and its active overrides."""
    return _regions(ctx, who, code).assortment(ctx.engine, code)


@router.post("/regions/{code}/assortment", responses=_ERR)
def propose_assortment(code: Code, body: AssortmentProposal, ctx: ContextDep,
                       who: RegionCaller) -> dict[str, Any]:
    """Add or remove SKUs within HQ's rules (422 naming the rule otherwise); audited."""
    regions = _regions(ctx, who, code)
    changes = [Change(c.action, sku=c.sku) for c in body.changes]
    return _propose(regions, ctx, who, code, "assortment", changes)


@router.get("/regions/{code}/promotions", responses=_ERR)
def get_promotions(code: Code, ctx: ContextDep, who: RegionCaller) -> dict[str, Any]:
    """HQ's promotions that reach the region and the region's own local ones."""
    return _regions(ctx, who, code).promotions(ctx.engine, code)


@router.post("/regions/{code}/promotions", responses=_ERR)
def propose_promotions(code: Code, body: PromotionProposal, ctx: ContextDep,
                       who: RegionCaller) -> dict[str, Any]:
    """Local promotions within HQ's rules (a locked category is refused); audited."""
    regions = _regions(ctx, who, code)
    changes = [Change("promote", category=p.category, lift=p.lift, start=p.start, end=p.end)
               for p in body.promotions]
    return _propose(regions, ctx, who, code, "promotion", changes)


@router.delete("/regions/{code}/overrides/{override_id}", responses=_ERR)
def withdraw_override(code: Code, override_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
                      ctx: ContextDep, who: RegionCaller) -> dict[str, Any]:
    """Withdraw one of the region's active overrides; audited."""
    regions = _regions(ctx, who, code)
    try:
        return regions.withdraw(ctx.engine, who, code, override_id)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None


def _propose(regions: Regions, ctx: ContextDep, who: Principal, code: str, kind: str,
             changes: list[Change]) -> dict[str, Any]:
    try:
        return regions.propose(ctx.engine, who, code, kind, changes)
    except Forbidden as exc:
        raise HTTPException(403, str(exc)) from None


HqOnly = Annotated[Principal, Depends(require("hq"))]


@router.get("/audit", responses=_ERR)
def get_audit(ctx: ContextDep, who: HqOnly,
              region: Annotated[str | None, Query(max_length=64)] = None,
              limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> list[dict[str, Any]]:
    """Every region change, newest first: who, what, when, outcome, before and after."""
    del who
    return audit_log(ctx.engine, region, limit)
