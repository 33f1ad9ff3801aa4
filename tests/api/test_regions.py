"""Tiered authorisation: region keys change their own region's range and promotions within
HQ's rules, with every change in the audit log; their routes stay on their own sites.

The test scenario (tests/data/api_regions) has regions east and west and 3 SKUs; HQ's rules:
K2 is core, jeans (K3) are locked, east may list 1 SKU (full with K2). By hand: east lists
{K2}, west lists {K1, K2, K3}.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

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
    assert {x["detail"]["refused"]["rule"] for x in refused} == {
        "core_range", "locked_category", "max_range"}
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


def test_cli_uses_the_same_rules_scope_and_audit(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """`fwdnet regions propose` with a region:west key: a refused change exits 2 naming the
    rule; an allowed one is stored and shows in `regions show` and `regions audit`; a
    region:east key cannot touch west."""
    from fwdnet.logistics.api.db import open_api_engine
    from fwdnet.logistics.api.keys import create_key
    from fwdnet.scenarios.cli import main
    from tests.api.conftest import SCENARIO

    def run(*args: str) -> tuple[int, str]:
        old = sys.argv
        sys.argv = ["fwdnet", *args]
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        finally:
            sys.argv = old
        out = capsys.readouterr()
        return code, out.out + out.err

    db = f"sqlite:///{tmp_path / 'r.db'}"
    engine = open_api_engine(db)
    west, east, hq = (create_key(engine, r)[1] for r in ("region:west", "region:east", "hq"))
    engine.dispose()
    common = ["--db", db, "--scenario", str(SCENARIO)]
    bad = tmp_path / "bad.csv"
    bad.write_text("region,action,sku,category,lift,start,end\nwest,remove,K2,,,,\n")
    code, out = run("regions", "propose", "west", str(bad), "--key", west, *common)
    assert code == 2
    assert "refused by HQ rule core_range" in out
    good = tmp_path / "good.csv"
    good.write_text("region,action,sku,category,lift,start,end\nwest,remove,K1,,,,\n"
                    "west,promote,,t_shirt,1.3,2026-06-01,2026-06-30\n")
    code, out = run("regions", "propose", "west", str(good), "--key", west, *common)
    assert code == 0, out
    assert "assortment: applied 1 change(s) to west (range size [3] -> [2])" in out
    assert "promotion: applied 1 change(s)" in out
    code, out = run("regions", "show", "west", "--key", west, *common)
    assert "2 SKUs listed per season" in out
    assert "local promotion" in out
    code, out = run("regions", "propose", "west", str(good), "--key", east, *common)
    assert code == 2
    assert "rule region_scope" in out
    assert run("regions", "audit", "--key", west, "--db", db)[0] == 2
    code, out = run("regions", "audit", "--key", hq, "--db", db)
    outcomes = [json.loads(x)["outcome"] for x in out.splitlines()]
    assert outcomes == ["applied", "applied", "refused"]
