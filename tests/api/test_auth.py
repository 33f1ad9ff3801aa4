"""Every protected route × every role: 401 without a valid key, 403 outside the role, else 2xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fwdnet.logistics.api.keys import create_key, hash_key, revoke_key
from tests.api.conftest import Api, running_app
from tests.api.helpers import EAST, event, site_route, tiny_route, waybill

ROLES = ("hq", "dispatch", "region:east", "carrier:sf")


@pytest.fixture(scope="module")
def queued(db_url: str) -> Iterator[Api]:
    """An app whose route jobs stay queued (no executor), seeded with one east/sf waybill."""
    with running_app(db_url, start_jobs=False) as a:
        r = a.post("/v1/waybills/events", json=[waybill("AUTH-1"),
                                                event("AUTH-1", "picked_up",
                                                      "2026-11-19T09:00:00+08:00")])
        assert r.status_code == 200
        yield a
        # leave no queued jobs behind for apps that run jobs on this database
        from sqlalchemy import update

        from fwdnet.logistics.api.tables import route_jobs

        with a.engine.begin() as c:
            c.execute(update(route_jobs).where(route_jobs.c.status == "queued")
                      .values(status="cancelled"))


def _job(a: Api, role: str = "hq") -> str:
    r = a.post("/v1/route-jobs", role, json=tiny_route(time_limit=1))
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def _call(a: Api, name: str, headers: dict[str, str], role: str = "hq") -> Any:
    c = a.client
    if name == "POST /v1/routes":
        return c.post("/v1/routes", json=tiny_route(0.05), headers=headers)
    if name == "POST /v1/route-jobs":
        return c.post("/v1/route-jobs", json=tiny_route(1), headers=headers)
    if name == "GET /v1/route-jobs/{id}":
        return c.get(f"/v1/route-jobs/{_job(a)}", headers=headers)
    if name == "DELETE /v1/route-jobs/{id}":
        return c.delete(f"/v1/route-jobs/{_job(a)}", headers=headers)
    if name == "POST /v1/waybills/events":
        body = [event("AUTH-1", "in_transit", "2026-11-19T10:00:00+08:00")]
        return c.post("/v1/waybills/events", json=body, headers=headers)
    if name == "GET /v1/waybills/{no}":
        return c.get("/v1/waybills/AUTH-1", headers=headers)
    if name == "GET /v1/waybills":
        return c.get("/v1/waybills", headers=headers)
    raise AssertionError(name)


# expected status per route for hq, dispatch, region:east, carrier:sf
MATRIX = {
    "POST /v1/routes": (200, 200, 403, 403),              # matrix indices: not east's sites
    "POST /v1/route-jobs": (202, 202, 403, 403),
    "GET /v1/route-jobs/{id}": (200, 200, 404, 403),      # job created by hq: not region's
    "DELETE /v1/route-jobs/{id}": (200, 200, 404, 403),
    "POST /v1/waybills/events": (200, 403, 403, 200),
    "GET /v1/waybills/{no}": (200, 403, 200, 200),         # AUTH-1 is region east, carrier sf
    "GET /v1/waybills": (200, 403, 200, 403),
}


@pytest.mark.parametrize("route", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(queued: Api, route: str, role: str) -> None:
    """Each role gets exactly the routes of its tier: 2xx inside, 403 outside (404 where a
    403 would tell a region key that something exists)."""
    want = MATRIX[route][ROLES.index(role)]
    r = _call(queued, route, queued.h(role))
    assert r.status_code == want, r.text
    if want in (403, 404):
        assert r.json()["code"] == 2


@pytest.mark.parametrize("route", sorted(MATRIX))
@pytest.mark.parametrize("auth", ["none", "garbage", "wrong-secret", "basic", "revoked"])
def test_without_valid_key_every_route_is_401(queued: Api, route: str, auth: str) -> None:
    """No key, a malformed one, a right id with a wrong secret, or a revoked key → 401."""
    good = queued.keys["hq"]
    if auth == "revoked":
        key_id, key = create_key(queued.engine, "hq")
        assert revoke_key(queued.engine, key_id)
        headers = {"Authorization": f"Bearer {key}"}
    else:
        headers = {"none": {}, "garbage": {"Authorization": "Bearer not-a-key"},
                   "wrong-secret": {"Authorization": f"Bearer {good[:-4]}AAAA"},
                   "basic": {"Authorization": "Basic dXNlcjpwYXNz"}}[auth]
    r = _call(queued, route, headers)
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["code"] == 2


def test_scoped_roles_outside_their_scope_get_403(queued: Api) -> None:
    """region:west cannot read an east waybill (404, as if absent); carrier:zto cannot read
    or post sf's (403)."""
    assert queued.get("/v1/waybills/AUTH-1", "region:west").status_code == 404
    assert queued.get("/v1/waybills/AUTH-1", "carrier:zto").status_code == 403
    assert queued.get("/v1/waybills?region=west", "region:east").status_code == 403
    zto = [event("AUTH-1", "in_transit", "2026-11-19T11:00:00+08:00", carrier="zto")]
    assert queued.post("/v1/waybills/events", "carrier:zto", json=zto).status_code == 403
    # carrier sf may not post items claiming another carrier
    other = [event("AUTH-1", "in_transit", "2026-11-19T11:00:00+08:00", carrier="zto")]
    assert queued.post("/v1/waybills/events", "carrier:sf", json=other).status_code == 403


def test_region_sees_its_own_route_jobs_only(queued: Api) -> None:
    """A job created by region:east is visible to it, hq and dispatch, not region:west."""
    r = queued.post("/v1/route-jobs", "region:east", json=site_route(EAST, 1))
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    for role, want in (("region:east", 200), ("hq", 200), ("dispatch", 200),
                       ("region:west", 404)):
        assert queued.get(f"/v1/route-jobs/{job}", role).status_code == want


def test_public_operations_need_no_key(queued: Api) -> None:
    for path in ("/health", "/ready", "/metrics"):
        assert queued.client.get(path).status_code == 200


def test_keys_are_stored_hashed_only(queued: Api) -> None:
    """The database holds sha256(key), never the key or its secret part."""
    from sqlalchemy import select

    from fwdnet.logistics.api.tables import api_keys

    key_id, key = create_key(queued.engine, "dispatch")
    with queued.engine.connect() as c:
        row = c.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().one()
    assert row["key_hash"] == hash_key(key)
    assert all(key.split("_", 2)[2] not in str(v) for v in row.values())  # the secret may hold "_"
