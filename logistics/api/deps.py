"""Typed dependency aliases: the context, the authenticated caller, and role checks.

401 = no valid key; 403 = valid key whose role may not call this route; 429 = rate limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from fwdnet.logistics.api.context import Context
from fwdnet.logistics.api.keys import Principal, key_id_of
from fwdnet.logistics.api.metrics import REJECTED

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <API key>`")


def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


ContextDep = Annotated[Context, Depends(get_context)]


def _client(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def get_principal(request: Request, ctx: ContextDep,
                  cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
                  ) -> Principal:
    """The caller of a valid key, after its rate limit; 401 / 429 otherwise.

    Key ids known to be bad are refused without a database lookup (failed-key cache), and an
    address with many failed keys in the last minute waits before its next unknown key is
    looked up (429), so guessing keys cannot load the database.
    """
    unauthorized = HTTPException(401, "missing or invalid API key",
                                 headers={"WWW-Authenticate": "Bearer"})
    if cred is None:
        raise unauthorized
    client = _client(request)
    key_id = key_id_of(cred.credentials)
    if key_id is None or ctx.limiter.is_bad(key_id):
        ctx.limiter.auth_failed(client)
        raise unauthorized
    if not ctx.keys.cached(key_id):
        wait = ctx.limiter.auth_throttled(client)
        if wait:
            REJECTED.labels("auth_throttle").inc()
            raise HTTPException(429, f"too many failed API keys from this address; retry in "
                                     f"{wait} s", headers={"Retry-After": str(wait)})
    who, why = ctx.keys.check(cred.credentials)
    if who is None:
        if why == "unknown":
            ctx.limiter.mark_bad(key_id)
        ctx.limiter.auth_failed(client)
        raise unauthorized
    request.state.key_id = who.key_id
    wait = ctx.limiter.take(who.key_id)
    if wait:
        REJECTED.labels("rate_limit").inc()
        raise HTTPException(429, f"rate limit exceeded; retry in {wait} s",
                            headers={"Retry-After": str(wait)})
    return who


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*kinds: str) -> Callable[[Principal], Principal]:
    """A dependency that lets only roles of these kinds (`hq`, `dispatch`, `region`, `carrier`)."""

    def check(who: PrincipalDep) -> Principal:
        if who.kind not in kinds:
            raise HTTPException(403, f"role {who.role!r} may not call this route")
        return who

    return check


RouteCaller = Annotated[Principal, Depends(require("hq", "dispatch", "region"))]
EventPoster = Annotated[Principal, Depends(require("hq", "carrier"))]
WaybillReader = Annotated[Principal, Depends(require("hq", "region", "carrier"))]
WaybillLister = Annotated[Principal, Depends(require("hq", "region"))]
RegionCaller = Annotated[Principal, Depends(require("hq", "region"))]
