"""VROOM's contract on `/v1/routes`: cost model, legacy `matrix`, UNIX times, unknown keys,
request/response pairs shaped like VROOM's documented examples, and a Solomon request checked
by the independent checker."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fwdnet.logistics.api import service
from fwdnet.logistics.api.build import build
from fwdnet.logistics.api.schemas import RouteRequest
from fwdnet.logistics.routing import default_stop, solve
from fwdnet.logistics.routing.checker import assert_valid
from fwdnet.logistics.routing.readers import read_instance
from tests.api.conftest import Api, running_app

R201 = Path(__file__).resolve().parents[1] / "data" / "solomon" / "R201.txt"

# Shaped like VROOM's docs/example_2.json: one vehicle from index 0 to index 3, two jobs and
# the legacy `matrix` key (durations only). VROOM answers cost 5461 (= travel seconds).
EXAMPLE_2 = {
    "vehicles": [{"id": 0, "start_index": 0, "end_index": 3}],
    "jobs": [{"id": 1414, "location_index": 1}, {"id": 1515, "location_index": 2}],
    "matrix": [[0, 2104, 197, 1299], [2103, 0, 2255, 3152], [197, 2256, 0, 1102],
               [1299, 3153, 1102, 0]],
}


def _route(body: dict[str, Any], limit: float = 2.0) -> dict[str, Any]:
    resp, _ = service.route(RouteRequest.model_validate(body), time_limit_s=limit,
                            road_factor=1.3, speed_kmh=40.0)
    out: dict[str, Any] = resp.model_dump(exclude_none=True)
    return out


def test_example_2_answers_as_vroom(tmp_path: Path) -> None:
    """Over HTTP: cost 5461, arrivals 0/2104/4359/5461, no distance (none was given)."""
    with running_app(f"sqlite:///{tmp_path / 'v.db'}") as a:
        r = a.post("/v1/routes", json=EXAMPLE_2)
    assert r.status_code == 200, r.text
    out = r.json()
    s = out["summary"]
    assert (out["code"], s["cost"], s["duration"], s["routes"], s["unassigned"]) == (
        0, 5461, 5461, 1, 0)
    assert (s["setup"], s["service"], s["waiting_time"], s["priority"], s["violations"]) == (
        0, 0, 0, 0, [])
    assert "distance" not in s
    (route,) = out["routes"]
    assert [(st["type"], st.get("id"), st["arrival"], st["duration"]) for st in route["steps"]
            ] == [("start", None, 0, 0), ("job", 1414, 2104, 2104), ("job", 1515, 4359, 4359),
                  ("end", None, 5461, 5461)]
    assert route["cost"] == 5461
    assert "warnings" not in out


def test_cost_is_fixed_plus_travel_hours_plus_km() -> None:
    """Line 0-1-2-3 (100 s, 1 km apart), 60 s service per job: per_hour 7200, per_km 10 and
    fixed 50 give 50 + 7200 × 600/3600 + 10 × 6 = 1310 for the out-and-back over all three;
    service (180 s) is reported, not priced."""
    d = [[abs(i - j) * 1000 for j in range(4)] for i in range(4)]
    t = [[abs(i - j) * 100 for j in range(4)] for i in range(4)]
    body = {"vehicles": [{"id": 1, "start_index": 0, "end_index": 0,
                          "costs": {"fixed": 50, "per_hour": 7200, "per_km": 10}}],
            "jobs": [{"id": i, "location_index": i, "service": 60} for i in (1, 2, 3)],
            "matrices": {"car": {"durations": t, "distances": d}}}
    s = _route(body)["summary"]
    assert (s["cost"], s["duration"], s["service"], s["distance"]) == (1310, 600, 180, 6000)


def test_absolute_unix_times_and_unknown_keys() -> None:
    """Shaped like VROOM's example_3 (plan mode, UNIX times, keys we do not model): times
    come back absolute, the over-capacity start is a `load` violation, and every unknown key
    is ignored and named in `warnings`."""
    day = 1_600_416_000
    t = [[abs(i - j) * 600 for j in range(4)] for i in range(4)]
    body = {
        "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "capacity": [4],
                      "time_window": [day, day + 10_800], "colour": "red",
                      "steps": [{"type": "start", "service_after": day - 800},
                                {"type": "job", "id": 1}, {"type": "job", "id": 2},
                                {"type": "end"}]}],
        "jobs": [{"id": 1, "location_index": 1, "delivery": [3], "service": 300,
                  "shipment_id": "s1"},
                 {"id": 2, "location_index": 2, "delivery": [2], "service": 300,
                  "time_windows": [[day, day + 1_000]]},
                 {"id": 3, "location_index": 3, "delivery": [1]}],
        "matrices": {"car": {"durations": t}},
        "options": {"plan": True},
    }
    out = _route(body)
    (route,) = out["routes"]
    steps = route["steps"]
    assert [st["arrival"] for st in steps] == [day, day + 600, day + 1_500, day + 3_000]
    assert steps[0]["violations"] == [{"cause": "load"}]
    assert steps[2]["violations"] == [{"cause": "delay", "duration": 500}]
    assert sorted(out["warnings"]) == [
        "jobs.0.shipment_id: unknown key, ignored",
        "vehicles.0.colour: unknown key, ignored",
        "vehicles.0.steps.0.service_after: unknown key, ignored"]
    assert [u["id"] for u in out["unassigned"]] == [3]


def test_unix_times_solve_and_span_limit() -> None:
    day = 1_600_416_000
    body = {"vehicles": [{"id": 1, "start_index": 0, "end_index": 0,
                          "time_window": [day, day + 3_600]}],
            "jobs": [{"id": 1, "location_index": 1, "time_windows": [[day + 900, day + 1_000]]}],
            "matrix": [[0, 100], [100, 0]]}
    out = _route(body)
    assert [st["arrival"] for st in out["routes"][0]["steps"]] == [day + 800, day + 900,
                                                                   day + 1_000]
    body["jobs"][0]["time_windows"] = [[day, day + 2 * 10**9]]
    with pytest.raises(Exception, match="one request may span at most"):
        _route(body)


def test_values_of_known_keys_are_still_checked(api: Api) -> None:
    bad = {**EXAMPLE_2, "jobs": [{"id": 1, "location_index": 1, "delivery": [-1]}]}
    r = api.post("/v1/routes", json=bad)
    assert (r.status_code, r.json()["code"]) == (422, 2)
    assert "jobs.0.delivery.0" in r.json()["error"]
    for limit in (0, -1):
        r = api.post("/v1/routes", json={**EXAMPLE_2, "options": {"time_limit": limit}})
        assert (r.status_code, r.json()["code"]) == (422, 2)
        assert "options.time_limit" in r.json()["error"]


def _solomon_request(n: int) -> tuple[dict[str, Any], int]:
    """The first n customers of R201 as a VROOM request (tenths of a unit, like our reader)
    and the cost `solve()` reaches on the reader's problem (distance = travel time)."""
    inst = read_instance(R201)
    p = inst.problem
    p = p.replace(clients=p.clients[:n])
    mat = np.asarray(p.distance_m).tolist()
    vt = p.vehicle_types[0]
    body = {
        "vehicles": [{"id": v, "start_index": 0, "end_index": 0, "capacity": list(vt.capacity),
                      "time_window": [0, p.depots[0].close_s]} for v in range(8)],
        "jobs": [{"id": k + 1, "location_index": c.location, "delivery": list(c.delivery),
                  "service": c.service_s,
                  "time_windows": [[w.open_s, w.close_s] for w in c.time_windows]}
                 for k, c in enumerate(p.clients)],
        "matrices": {"car": {"durations": mat, "distances": mat}},
    }
    ref = solve(p.replace(vehicle_types=(vt.__class__(**{**vt.__dict__, "num_available": 8}),)),
                default_stop(n, 20), seed=0)
    return body, int(ref.distance_m)


def test_solomon_request_is_valid_and_as_good_as_the_engine() -> None:
    """R201 (25 customers): the API's plan passes the independent checker, `summary.cost`
    is the travel time of its routes recomputed from the request's matrix, and it is within
    0.5% of `solve()` on the same instance (the API minimises travel, not route duration)."""
    body, ref = _solomon_request(25)
    req = RouteRequest.model_validate(body)
    resp, result = service.route(req, time_limit_s=10, road_factor=1.3, speed_kmh=40)
    assert result is not None
    assert resp.summary is not None
    assert_valid(build(req, 1.3, 40).problem, result)
    mat = body["matrices"]["car"]["durations"]
    loc = {j["id"]: j["location_index"] for j in body["jobs"]}
    travel = 0
    for r in resp.routes:
        path = [0] + [loc[s.id] for s in r.steps if s.type == "job" and s.id is not None] + [0]
        travel += sum(mat[a][b] for a, b in itertools.pairwise(path))
    assert resp.summary.cost == travel == resp.summary.duration
    assert resp.summary.unassigned == 0
    assert resp.summary.cost <= ref * 1.005


def test_example_1_shape_breaks_skills_shipment() -> None:
    """Shaped like VROOM's example_1 (coordinates, capacity, skills, breaks, a shipment):
    every task is served by a vehicle holding its skills, each route takes its break,
    service counts tasks and breaks (6 + 2 × 300 s, as in VROOM's answer: 2400), and
    cost = travel seconds (default per_hour 3600), service not priced."""
    depot = [104.066, 30.657]

    def vehicle(vid: int, skills: list[int], brk: list[int]) -> dict[str, Any]:
        return {"id": vid, "start": depot, "end": depot, "capacity": [4], "skills": skills,
                "time_window": [28_800, 43_200],
                "breaks": [{"id": vid, "service": 300, "time_windows": [brk]}]}
    body = {
        "vehicles": [vehicle(1, [1, 14], [32_400, 34_200]), vehicle(2, [2, 14], [34_200, 36_000])],
        "jobs": [{"id": 1, "service": 300, "delivery": [1], "location": [104.02, 30.66],
                  "skills": [1], "time_windows": [[32_400, 36_000]]},
                 {"id": 2, "service": 300, "pickup": [1], "location": [104.03, 30.61],
                  "skills": [1]},
                 {"id": 5, "service": 300, "delivery": [1], "location": [104.10, 30.62],
                  "skills": [14]},
                 {"id": 6, "service": 300, "delivery": [1], "location": [104.12, 30.70],
                  "skills": [14]}],
        "shipments": [{"amount": [1], "skills": [2],
                       "pickup": {"id": 4, "service": 300, "location": [104.08, 30.72]},
                       "delivery": {"id": 3, "service": 300, "location": [104.09, 30.69]}}],
    }
    out = _route(body, 3.0)
    s = out["summary"]
    assert (s["unassigned"], s["service"]) == (0, 2_400)
    assert s["cost"] == s["duration"] == sum(r["duration"] for r in out["routes"])
    skills = {1: {1, 14}, 2: {2, 14}}
    needs = {("job", 1): {1}, ("job", 2): {1}, ("job", 5): {14}, ("job", 6): {14},
             ("pickup", 4): {2}, ("delivery", 3): {2}}
    for r in out["routes"]:
        kinds = [(st["type"], st.get("id")) for st in r["steps"]]
        assert ("break", r["vehicle"]) in kinds
        for k in kinds:
            assert needs.get(k, set()) <= skills[r["vehicle"]]
