"""Pure ASGI middleware: request id, body size limit (413), access log and HTTP metrics.

The body is read up to `max_body_bytes` before the app sees it, so an oversized upload is
refused whether or not it declares a Content-Length. Then a watcher waits for the client to
disconnect: a request whose client left before its answer was complete is logged and counted
as 499, and a solve in progress for it is stopped (`scope["fwdnet.disconnected"]`).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fwdnet.logistics.api.logs import log, request_id
from fwdnet.logistics.api.metrics import LATENCY, REJECTED, REQUESTS

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_RID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _route_label(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"


class ServiceMiddleware:
    """Wraps the whole app; see the module docstring."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        given = headers.get("x-request-id", "")
        rid = given if _RID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        t0 = time.perf_counter()
        scope["fwdnet.t0"] = time.monotonic()  # deadlines of solves count from here
        status: dict[str, Any] = {"code": None, "started": False, "complete": False}
        gone = threading.Event()  # the client disconnected before its answer was complete
        scope["fwdnet.disconnected"] = gone
        watcher: asyncio.Task[Message] | None = None

        async def send_wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["started"] = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                status["complete"] = True
            await send(message)

        try:
            declared = headers.get("content-length")
            too_big = declared is not None and declared.isdigit() and int(declared) > self.max_body
            body = b""
            more = not too_big
            while more:
                msg = await receive()
                if msg["type"] == "http.disconnect":
                    gone.set()
                    return
                body += msg.get("body", b"")
                more = msg.get("more_body", False)
                if len(body) > self.max_body:
                    too_big = True
                    break
            if too_big:
                REJECTED.labels("body_too_large").inc()
                await _error(send_wrapped, 413, f"request body larger than {self.max_body} "
                             "bytes", rid)
                return
            if _has_nul(scope, body):
                await _error(send_wrapped, 422, "NUL characters (\\u0000, %00) are not "
                             "accepted in paths, queries or bodies", rid)
                return

            async def watch() -> Message:
                msg = await receive()
                if msg["type"] == "http.disconnect" and not status["complete"]:
                    gone.set()
                return msg

            watcher = asyncio.create_task(watch())
            sent = {"done": False}

            async def replay() -> Message:
                if not sent["done"]:
                    sent["done"] = True
                    return {"type": "http.request", "body": body, "more_body": False}
                assert watcher is not None
                return await asyncio.shield(watcher)

            try:
                await self.app(scope, replay, send_wrapped)
            except Exception as exc:  # no stack trace leaves the process: log it, answer 500
                if gone.is_set():
                    return
                log.error("unhandled error", exc_info=exc, extra={"request_id": rid})
                if not status["started"]:
                    await _error(send_wrapped, 500, "internal error; quote the request id to "
                                 "the operator", rid, code=1)
        finally:
            if watcher is not None:
                watcher.cancel()
            dt = time.perf_counter() - t0
            label = _route_label(scope)
            # a client that left before its answer was complete is a 499 (nginx's "client
            # closed request"), not a server error
            code = 499 if gone.is_set() else (status["code"] or 500)
            REQUESTS.labels(scope["method"], label, str(code)).inc()
            LATENCY.labels(scope["method"], label).observe(dt)
            log.info("request", extra={"request_id": rid, "fields": {
                "method": scope["method"], "path": scope["path"], "status": code,
                "ms": round(dt * 1000, 1), "key_id": scope.get("state", {}).get("key_id")}})
            request_id.reset(token)


def _has_nul(scope: Scope, body: bytes) -> bool:
    """PostgreSQL text cannot hold NUL; refuse it at the door instead of failing deep inside.

    (A JSON string holding a literal backslash followed by `u0000` is refused too.)
    """
    return ("\x00" in scope["path"] or b"%00" in scope.get("query_string", b"")
            or b"\x00" in body or b"\\u0000" in body)


async def _error(send: Send, status: int, message: str, rid: str, code: int = 2) -> None:
    body = json.dumps({"code": code, "error": message, "request_id": rid}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
