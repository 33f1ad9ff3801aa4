"""Service hardening: 413, 429 + Retry-After, no stack traces, CORS off, request ids, metrics,
JSON logs."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from fwdnet.logistics.api.logs import JsonFormatter
from tests.api.conftest import Api
from tests.api.helpers import event, tiny_route


def test_oversized_body_is_413(fresh_app: Any) -> None:
    """Declared or streamed (chunked, no Content-Length), a body over the limit gets 413."""
    with fresh_app(max_body_bytes=1000) as a:
        big = [event("X", "picked_up", "2026-11-19T09:00:00Z", details={"pad": "x" * 2000})]
        r = a.post("/v1/waybills/events", json=big)
        assert r.status_code == 413
        assert r.json()["code"] == 2

        def chunks() -> Any:
            for _ in range(5):
                yield b"[" + b" " * 400

        r = a.client.post("/v1/waybills/events", content=chunks(),
                          headers={**a.h("hq"), "content-type": "application/json"})
        assert r.status_code == 413


def test_rate_limit_is_429_with_retry_after(fresh_app: Any) -> None:
    """Burst 3 at 60/min: the 4th call is refused with Retry-After ≥ 1 s; other keys unaffected."""
    with fresh_app(rate_per_minute=60, rate_burst=3) as a:
        codes = [a.get("/v1/waybills").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = a.get("/v1/waybills")
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert a.get("/v1/waybills", "region:east").status_code == 200


def test_internal_error_has_no_stack_trace(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected exception is a 500 with code 1 and the request id, nothing else."""
    from fwdnet.logistics.api.routers import routes

    def boom(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret internals at /srv/app.py line 3")

    monkeypatch.setattr(routes, "check_scope", boom)
    r = api.post("/v1/routes", json=tiny_route(), headers={"x-request-id": "req-42"})
    assert r.status_code == 500
    body = r.json()
    assert body["code"] == 1
    assert body["request_id"] == "req-42"
    assert "secret" not in r.text
    assert "Traceback" not in r.text


def test_request_id_is_echoed_or_made(api: Api) -> None:
    assert api.client.get("/health", headers={"x-request-id": "abc-1"}).headers[
        "x-request-id"] == "abc-1"
    made = api.client.get("/health", headers={"x-request-id": "bad id!"}).headers[
        "x-request-id"]
    assert made != "bad id!"
    assert len(made) == 32


def test_cors_is_off_by_default_and_on_when_configured(api: Api, fresh_app: Any) -> None:
    origin = {"Origin": "https://evil.example"}
    assert "access-control-allow-origin" not in api.client.get("/health", headers=origin).headers
    with fresh_app(cors_origins=("https://ops.example",)) as a:
        r = a.client.get("/health", headers={"Origin": "https://ops.example"})
        assert r.headers["access-control-allow-origin"] == "https://ops.example"


def test_metrics_count_requests_solves_and_ingest(api: Api) -> None:
    api.post("/v1/routes", json=tiny_route(0.1))
    api.post("/v1/waybills/events", json=[event("MET-1", "picked_up", "2026-11-19T09:00:00Z")])
    text = api.client.get("/metrics").text
    assert 'fwdnet_http_requests_total{method="POST",route="/v1/routes",status="200"}' in text
    assert "fwdnet_http_request_seconds_bucket" in text
    assert 'fwdnet_solve_seconds_count{mode="sync",outcome="ok"}' in text
    assert 'fwdnet_ingest_events_total{outcome="stored"}' in text


def test_ready_checks_the_database(api: Api) -> None:
    r = api.client.get("/ready")
    assert r.status_code == 200
    assert r.json()["status"] == "ready"


def test_log_lines_are_json_with_the_request_id() -> None:
    rec = logging.LogRecord("fwdnet.api", logging.INFO, __file__, 1, "request", None, None)
    rec.request_id = "r-1"
    rec.fields = {"status": 200, "path": "/health"}
    out = json.loads(JsonFormatter().format(rec))
    assert out["request_id"] == "r-1"
    assert out["status"] == 200
    assert out["message"] == "request"


def test_openapi_declares_bearer_auth_and_error_bodies(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    post = spec["paths"]["/v1/routes"]["post"]
    assert {"401", "403", "413", "422", "429"} <= set(post["responses"])


def test_ready_is_503_when_the_database_is_down(api: Api,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from fwdnet.logistics.api.routers import ops

    def down(_: Any) -> None:
        raise ConnectionError("db down")

    monkeypatch.setattr(ops, "check_database", down)
    r = api.client.get("/ready")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable"
    assert api.client.get("/health").status_code == 200


def test_no_plan_within_the_limit_is_code_3() -> None:
    """A timed-out solve without any route answers code 3 with the reason."""
    from fwdnet.logistics.api import service
    from fwdnet.logistics.api.schemas import RouteRequest
    from fwdnet.logistics.routing import RoutingResult, Status

    req = RouteRequest.model_validate(tiny_route())
    built = service.build_only(req, 1.3, 40.0)
    res = RoutingResult(status=Status.TIMED_OUT, cost=0.0, routes=(), unassigned=(),
                        runtime_s=0.2, backend="ortools", message="no plan in time")
    out = service.answer_from_result(req, built, res, 0)
    assert out.code == 3
    assert out.error == "no plan in time"
    assert out.routes == []


def test_nul_characters_are_422_not_500(api: Api) -> None:
    """PostgreSQL text cannot hold NUL: it is refused at the door (was a 500 on PostgreSQL)."""
    assert api.get("/v1/waybills/ab%00c").status_code == 422
    assert api.get("/v1/waybills?region=a%00b").status_code == 422
    body = [event("A\u0000B", "picked_up", "2026-11-19T09:00:00Z")]
    r = api.post("/v1/waybills/events", json=body)
    assert r.status_code == 422
    assert r.json()["code"] == 2
