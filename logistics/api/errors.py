"""One error body for every non-2xx answer (`ErrorOut`), and never a stack trace."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SqlTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from fwdnet.logistics.api.logs import log, request_id
from fwdnet.logistics.api.metrics import REJECTED
from fwdnet.logistics.api.pool import PoolBusy
from fwdnet.logistics.errors import InputError

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "body is not valid JSON"},
    401: {"description": "missing, unknown or revoked API key"},
    403: {"description": "the key's role may not do this"},
    413: {"description": "request body too large"},
    422: {"description": "invalid input (`code` 2, `error` names the field path)"},
    429: {"description": "rate limit of this key exceeded (see Retry-After)"},
    503: {"description": "database unavailable or no free solver worker (see Retry-After)"},
}


DB_RETRY_AFTER_S = 5


def _first_line(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]


def _body(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "error": message, "request_id": request_id.get()}


def _path(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] if parts[0] == "body" else parts
    return ".".join(parts) or "body"


def validation_message(errors: list[Any]) -> str:
    """'field.path: message' for the first few errors."""
    lines = [f"{_path(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errors[:5]]
    more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(lines) + more


def install(app: FastAPI) -> None:
    """Register the exception handlers."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_body(2, validation_message(list(exc.errors()))), status_code=422)

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(_body(2, str(exc)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = 1 if exc.status_code >= 500 else 2
        return JSONResponse(_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(PoolBusy)
    async def _busy(_: Request, exc: PoolBusy) -> JSONResponse:
        REJECTED.labels("pool_busy").inc()
        return JSONResponse(_body(1, str(exc)), status_code=503,
                            headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(SqlTimeout)
    async def _db_down(_: Request, exc: Exception) -> JSONResponse:
        REJECTED.labels("db_unavailable").inc()
        log.error("database unavailable: %s", _first_line(exc))
        return JSONResponse(_body(1, "database unavailable; retry shortly"), status_code=503,
                            headers={"Retry-After": str(DB_RETRY_AFTER_S)})

    @app.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc)
        return JSONResponse(_body(1, "internal error; quote the request id to the operator"),
                            status_code=500)
