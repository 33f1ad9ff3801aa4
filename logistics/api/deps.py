"""Typed dependency aliases: the context, the authenticated caller, and role checks.

401 = no valid key; 403 = valid key whose role may not call this route; 429 = rate limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from fwdnet.logistics.api.context import Context
from fwdnet.logistics.api.keys import Principal

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <API key>`")


def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


ContextDep = Annotated[Context, Depends(get_context)]


def get_principal(request: Request, ctx: ContextDep,
                  cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
                  ) -> Principal:
    """The caller of a valid key, after its rate limit; 401 / 429 otherwise."""
    who = ctx.keys.authenticate(cred.credentials) if cred is not None else None
    if who is None:
        raise HTTPException(401, "missing or invalid API key",
                            headers={"WWW-Authenticate": "Bearer"})
    request.state.key_id = who.key_id
    wait = ctx.limiter.take(who.key_id)
    if wait:
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
