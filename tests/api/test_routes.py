"""`POST /v1/routes`: known answers on hand-made instances, plan and insert modes, input errors."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.helpers import LINE, tiny_route


def _ok(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    r = api.post("/v1/routes", "dispatch", json=body)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    assert out["code"] == 0
    return out


def _jobs(route: dict[str, Any]) -> list[tuple[str, int]]:
    return [(s["type"], s["id"]) for s in route["steps"] if s["type"] not in ("start", "end")]


def test_line_instance_has_its_unique_optimum(api: Api) -> None:
    """Open route from 0 over 1, 2, 3: 0→1→2→3, arrivals 100/200/300 s, loads 6→5→3→0."""
    out = _ok(api, tiny_route(0.3))
    (route,) = out["routes"]
    assert route["vehicle"] == 7
    assert _jobs(route) == [("job", 31), ("job", 32), ("job", 33)]
    steps = route["steps"]
    assert [s["type"] for s in steps] == ["start", "job", "job", "job"]  # open: no end step
    assert [s["arrival"] for s in steps] == [0, 100, 200, 300]
    assert [s["distance"] for s in steps] == [0, 1000, 2000, 3000]
    assert [s["load"] for s in steps] == [[6], [5], [3], [0]]
    assert all(s["violations"] == [] for s in steps)
    s = out["summary"]
    assert (s["cost"], s["duration"], s["distance"], s["routes"], s["unassigned"]) == (
        300, 300, 3000, 1, 0)
    assert s["delivery"] == [6]
    assert out["unassigned"] == []


def test_without_matrices_haversine_times_road_factor(api: Api) -> None:
    """0.01° of latitude = 1,111.95 m; × 1.3 = 1,446 m each way; at 40 km/h 130 s."""
    body = {"vehicles": [{"id": 1, "start": [104.0, 30.0], "end": [104.0, 30.0]}],
            "jobs": [{"id": 1, "location": [104.0, 30.01]}], "options": {"time_limit": 0.2}}
    metres = 6_371_008.8 * math.radians(0.01) * 1.3
    out = _ok(api, body)
    steps = out["routes"][0]["steps"]
    assert steps[1]["distance"] == round(metres)
    assert steps[1]["arrival"] == round(metres / (40 / 3.6))
    assert steps[1]["location"] == [104.0, 30.01]
    assert out["summary"]["distance"] == 2 * round(metres)
    body["options"] = {"time_limit": 0.2, "road_factor": 2.0, "speed_kmh": 20.0}
    steps = _ok(api, body)["routes"][0]["steps"]
    metres = 6_371_008.8 * math.radians(0.01) * 2.0
    assert steps[1]["distance"] == round(metres)
    assert steps[1]["arrival"] == round(metres / (20 / 3.6))


def test_oversized_and_unskilled_jobs_are_unassigned_with_reasons(api: Api) -> None:
    """A job bigger than every vehicle → capacity; a skill nobody has → skill; rest planned."""
    body = tiny_route(0.3)
    body["jobs"] += [{"id": 90, "location_index": 1, "delivery": [11]},
                     {"id": 91, "location_index": 2, "skills": [5]}]
    out = _ok(api, body)
    reasons = {u["id"]: (u["type"], u["reason"]) for u in out["unassigned"]}
    assert reasons == {90: ("job", "capacity"), 91: ("job", "skill")}
    assert sorted(i for _, i in _jobs(out["routes"][0])) == [31, 32, 33]


def test_time_window_is_met_and_waiting_reported(api: Api) -> None:
    """Job at 1 opens at 500 s: service starts inside [500, 1000] whatever the departure."""
    body = {"vehicles": [{"id": 1, "start_index": 0, "end_index": 0}],
            "jobs": [{"id": 5, "location_index": 1, "service": 60,
                      "time_windows": [[500, 1000]]}],
            "matrices": LINE, "options": {"time_limit": 0.2}}
    out = _ok(api, body)
    start, job, end = out["routes"][0]["steps"]
    assert 500 <= job["arrival"] + job["waiting_time"] <= 1000
    assert job["arrival"] == start["arrival"] + 100
    assert end["arrival"] == job["arrival"] + job["waiting_time"] + 60 + 100


def test_shipment_is_picked_up_before_delivery(api: Api) -> None:
    """Pickup at 2, delivery at 1: 0→2→1→0 with load 0 → 4 → 0."""
    body = {"vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "capacity": [5]}],
            "shipments": [{"amount": [4], "pickup": {"id": 1, "location_index": 2},
                           "delivery": {"id": 2, "location_index": 1}}],
            "matrices": LINE, "options": {"time_limit": 0.3}}
    route = _ok(api, body)["routes"][0]
    assert _jobs(route) == [("pickup", 1), ("delivery", 2)]
    assert [s["load"] for s in route["steps"]] == [[0], [4], [0], [0]]
    assert route["distance"] == 4000


def test_break_is_taken_inside_its_window(api: Api) -> None:
    """A 300 s break in [150, 400] between jobs at 1 and 2 appears as a step in its window."""
    body = tiny_route(0.5)
    body["vehicles"][0]["breaks"] = [{"id": 4, "time_windows": [[150, 400]], "service": 300}]
    route = _ok(api, body)["routes"][0]
    (brk,) = [s for s in route["steps"] if s["type"] == "break"]
    assert brk["id"] == 4
    assert brk["service"] == 300
    assert 150 <= brk["arrival"] + brk["waiting_time"] <= 400
    assert all(s["violations"] == [] for s in route["steps"])
    assert route["violations"] == []


def test_plan_mode_reports_etas_loads_and_violations(api: Api) -> None:
    """Given 0→3→1→0 with job 31 due by 250 s and capacity 3 (route load 4): arrivals 300 and
    500 (delay 250), load violation at the start, job 32 not planned."""
    body = tiny_route()
    body["vehicles"] = [{"id": 7, "start_index": 0, "end_index": 0, "capacity": [3],
                         "steps": [{"type": "start"}, {"type": "job", "id": 33},
                                   {"type": "job", "id": 31}, {"type": "end"}]}]
    body["jobs"][1]["time_windows"] = [[0, 250]]  # job 31
    body["options"] = {"plan": True}
    out = _ok(api, body)
    route = out["routes"][0]
    assert [(s["type"], s.get("id"), s["arrival"]) for s in route["steps"]] == [
        ("start", None, 0), ("job", 33, 300), ("job", 31, 500), ("end", None, 600)]
    assert [s["load"] for s in route["steps"]] == [[4], [1], [0], [0]]
    assert route["steps"][0]["violations"] == [{"cause": "load"}]
    assert route["steps"][2]["violations"] == [{"cause": "delay", "duration": 250}]
    causes = {v["cause"] for v in route["violations"]}
    assert causes == {"load", "delay"}
    assert out["unassigned"] == [{"id": 32, "type": "job", "location_index": 2,
                                  "reason": "not_planned"}]
    assert out["status"] == "planned"


def test_plan_mode_waits_for_windows(api: Api) -> None:
    """0→1 with window [500, 900]: arrival 100, waiting 400, back at 0 at 600."""
    body = {"vehicles": [{"id": 1, "start_index": 0, "end_index": 0,
                          "steps": [{"type": "job", "id": 5}]}],
            "jobs": [{"id": 5, "location_index": 1, "time_windows": [[500, 900]]}],
            "matrices": LINE, "options": {"plan": True}}
    route = _ok(api, body)["routes"][0]
    assert [(s["arrival"], s["waiting_time"]) for s in route["steps"]] == [
        (0, 0), (100, 400), (600, 0)]
    assert route["waiting_time"] == 400
    assert route["violations"] == []


def test_insert_keeps_locked_steps_first(api: Api) -> None:
    """Existing plan 3 then 1 is kept in place; the new job 32 is added after them."""
    body = tiny_route(0.5)
    body["vehicles"][0]["steps"] = [{"type": "job", "id": 33}, {"type": "job", "id": 31}]
    route = _ok(api, body)["routes"][0]
    assert _jobs(route) == [("job", 33), ("job", 31), ("job", 32)]


@pytest.mark.parametrize(("mutate", "path"), [
    (lambda b: b.pop("vehicles"), "vehicles: Field required"),
    (lambda b: b["jobs"][0].pop("location_index"),
     "jobs.0.location_index: required when matrices are given"),
    (lambda b: b["jobs"][0].update(location_index=9), "jobs.0.location_index: 9 is outside"),
    (lambda b: b["jobs"][0].update(time_windows=[[10, 5]]), "jobs.0.time_windows.0"),
    (lambda b: b["jobs"][1].update(id=33), "jobs.1.id: duplicate id 33"),
    (lambda b: b["jobs"][0].update(deliveryy=[1], delivery=[-1]), "jobs.0.delivery.0"),
    (lambda b: b["jobs"][0].update(delivery=[1, 1]), "vehicles.0.capacity: 2 dimensions"),
    (lambda b: b["vehicles"][0].pop("start_index"), "vehicles.0.start: required"),
    (lambda b: b["options"].update(time_limit=3600), "options.time_limit: at most"),
    (lambda b: b.pop("matrices"), "jobs.0.location: required ([lon, lat])"),
    (lambda b: b["matrices"]["car"]["durations"].pop(), "matrices.car.durations: square"),
    (lambda b: b["vehicles"][0].update(steps=[{"type": "job", "id": 99}]),
     "vehicles.0.steps.0.id: unknown job 99"),
    (lambda b: b["jobs"][0].update(location=[200, 0]), "jobs.0.location.0"),
])
def test_bad_input_is_422_code_2_naming_the_field(api: Api, mutate: Any, path: str) -> None:
    body = tiny_route(0.2)
    mutate(body)
    r = api.post("/v1/routes", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == 2
    assert path in r.json()["error"]
    assert "Traceback" not in r.text
