"""Tiered authorisation: region keys change their own region's range and promotions within
HQ's rules, with every change in the audit log; their routes stay on their own sites.

The test scenario (tests/data/api_regions) has regions east and west and 3 SKUs; HQ's rules:
K2 is core, jeans (K3) are locked, east may list 1 SKU (full with K2). By hand: east lists
{K2}, west lists {K1, K2, K3}.
"""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.helpers import EAST, WEST, site_route


def _listed(a: Api, region: str, role: str = "hq") -> list[str]:
    r = a.get(f"/v1/regions/{region}/assortment", role)
    assert r.status_code == 200, r.text
    return list(r.json()["seasons"][0]["listed"])


def test_region_reads_its_range_and_rules(api: Api) -> None:
    out = api.get("/v1/regions/east/assortment", "region:east").json()
    assert out["seasons"][0]["listed"] == ["K2"]
    assert out["rules"]["core_skus"] == ["K2"]
    assert out["rules"]["max_range"] == 1
    assert out["rules"]["locked_categories"] == ["jeans"]
    assert api.get("/v1/regions/west/assortment", "region:east").status_code == 403
    assert api.get("/v1/regions/north/assortment").status_code == 404
    assert api.get("/v1/regions/east/assortment", "carrier:sf").status_code == 403
    assert api.get("/v1/regions/east/assortment", "dispatch").status_code == 403


def test_changes_outside_hq_rules_are_refused_naming_the_rule(api: Api) -> None:
    """Each rule of the one rule engine, through the API: nothing is stored when refused."""
    cases = [
        ("east", {"changes": [{"action": "remove", "sku": "K2"}]}, "core_range"),
        ("east", {"changes": [{"action": "add", "sku": "K3"}]}, "locked_category"),
        ("east", {"changes": [{"action": "add", "sku": "K1"}]}, "max_range"),
    ]
    for region, body, rule in cases:
        r = api.post(f"/v1/regions/{region}/assortment", f"region:{region}", json=body)
        assert r.status_code == 422, r.text
        assert f"refused by HQ rule {rule}" in r.json()["error"]
    r = api.post("/v1/regions/west/assortment", "region:east",
                 json={"changes": [{"action": "remove", "sku": "K1"}]})
    assert r.status_code == 403
    assert "rule region_scope" in r.json()["error"]
    assert _listed(api, "east") == ["K2"]
    r = api.post("/v1/regions/east/promotions", "region:east", json={"promotions": [
        {"category": "jeans", "lift": 1.5, "start": "2026-07-01", "end": "2026-07-10"}]})
    assert r.status_code == 422
    assert "refused by HQ rule locked_category" in r.json()["error"]
    bad = api.post("/v1/regions/east/assortment", "region:east",
                   json={"changes": [{"action": "add", "sku": "K99"}]})
    assert bad.status_code == 422
    assert "changes.0.sku: unknown SKU 'K99'" in bad.json()["error"]


def test_accepted_changes_apply_and_are_audited_with_before_and_after(api: Api) -> None:
    """west delists K1 (allowed), east adds a local coat promotion; both show up in reads
    and in the audit log with who, what, when, before and after; HQ withdraws one."""
    r = api.post("/v1/regions/west/assortment", "region:west",
                 json={"changes": [{"action": "remove", "sku": "K1"}]})
    assert r.status_code == 200, r.text
    assert r.json()["before"]["range_size"] == [3]
    assert r.json()["after"]["range_size"] == [2]
    assert _listed(api, "west", "region:west") == ["K2", "K3"]
    oid = r.json()["applied"][0]
    r = api.post("/v1/regions/east/promotions", "region:east", json={"promotions": [
        {"category": "heavy_coat", "lift": 1.4, "start": "2026-12-01", "end": "2026-12-07"}]})
    assert r.status_code == 200, r.text
    promos = api.get("/v1/regions/east/promotions", "region:east").json()
    assert [p["category"] for p in promos["local"]] == ["heavy_coat"]
    assert {p["name"] for p in promos["hq"]} == {"Double 11"}  # west summer is not east's
    log = api.get("/v1/audit?region=west").json()
    mine = [x for x in log if x["detail"].get("override_ids") == [oid]]
    assert len(mine) == 1
    line = mine[0]
    assert line["role"] == "region:west"
    assert line["action"] == "assortment.propose"
    assert line["outcome"] == "applied"
    assert line["before"]["listed_in_seasons"] == {"K1": 1}
    assert line["after"]["listed_in_seasons"] == {"K1": 0}
    refused = [x for x in api.get("/v1/audit?region=east").json() if x["outcome"] == "refused"]
    assert refused and refused[0]["detail"]["refused"]["rule"]
    assert api.get("/v1/audit", "region:west").status_code == 403
    r = api.client.delete(f"/v1/regions/west/overrides/{oid}", headers=api.h("hq"))
    assert r.status_code == 200
    assert _listed(api, "west") == ["K1", "K2", "K3"]
    assert api.get("/v1/audit?region=west&limit=1").json()[0]["action"] == "assortment.withdraw"


def test_region_keys_route_only_between_their_own_sites(api: Api) -> None:
    """region:east solves east's FW → stores; a west store in its request is 403 naming the
    field; a request without coordinates cannot be checked and is 403 too; hq routes both."""
    ok = api.post("/v1/routes", "region:east", json=site_route(EAST))
    assert ok.status_code == 200, ok.text
    assert ok.json()["summary"]["unassigned"] == 0
    body = site_route(EAST)
    body["jobs"][1]["location"] = WEST["S3"]
    r = api.post("/v1/routes", "region:east", json=body)
    assert r.status_code == 403
    assert "jobs.1.location" in r.json()["error"]
    assert "not a site of region 'east'" in r.json()["error"]
    assert api.post("/v1/route-jobs", "region:east", json=body).status_code == 403
    assert api.post("/v1/routes", "region:west", json=site_route(WEST)).status_code == 200
    assert api.post("/v1/routes", json=body).status_code == 200
