"""The independent checker accepts a valid plan and rejects each kind of corruption."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fwdnet.logistics.routing import Reason, Stop, TimeWindow, Unassigned, VehicleType
from fwdnet.logistics.routing.checker import violations

from .helpers import checked_solve, line_model


def _solved():
    """Two stops with windows, one pickup-delivery pair; capacity 3."""
    m = line_model([0, 10, 20, 30, 40])
    m.add_depot(0)
    m.add_client(Stop(location=1, delivery=(2,), time_windows=(TimeWindow(0, 100),)))
    m.add_client(Stop(location=2, delivery=(1,), time_windows=(TimeWindow(0, 100),)))
    p = m.add_client(Stop(location=3))
    d = m.add_client(Stop(location=4))
    m.add_shipment(p, d, (1,))
    m.add_vehicle_type(VehicleType(capacity=(3,), num_available=2))
    problem = m.problem()
    return problem, checked_solve(problem)


def test_valid_plan_has_no_violations():
    problem, res = _solved()
    assert violations(problem, res) == []


def _first_route(res, **changes):
    return replace(res, routes=(replace(res.routes[0], **changes), *res.routes[1:]))


@pytest.mark.parametrize(
    ("corrupt", "fragment"),
    [
        (lambda p, r: replace(r, routes=r.routes[1:] if len(r.routes) > 1 else ()),
         "neither routed nor listed"),
        (lambda p, r: _first_route(r, trips=(r.routes[0].trips[0] + (0,),)), "visited twice"),
        (lambda p, r: replace(r, cost=r.cost + 1), "cost"),
        (lambda p, r: _first_route(r, start_times_s=(500, *r.routes[0].start_times_s[1:])),
         "outside its time windows"),
        (lambda p, r: _first_route(r, distance_m=r.routes[0].distance_m + 1), "distance"),
        (lambda p, r: replace(r, unassigned=(Unassigned(0, Reason.CAPACITY),)),
         "both routed and unassigned"),
        (lambda p, r: _first_route(r, vehicle=99), "unknown vehicle"),
    ],
)
def test_corrupted_plans_are_rejected(corrupt, fragment):
    problem, res = _solved()
    bad = violations(problem, corrupt(problem, res))
    assert any(fragment in v for v in bad), bad


def test_overload_and_reversed_shipment_are_rejected():
    """Capacity 3 holds 2 + 1 deliveries; picking the shipment up first carries 4."""
    problem, res = _solved()
    r0 = res.routes[0]

    def one_route(order):
        return replace(res, routes=(replace(r0, vehicle=0, vehicle_type=0, trips=(order,),
                                            start_times_s=(10, 20, 30, 40), distance_m=80,
                                            end_s=80, departure_s=0),))

    over = violations(problem, one_route((2, 3, 0, 1)))
    assert any("load 4 > capacity 3" in v for v in over), over
    reversed_pair = violations(problem, one_route((0, 1, 3, 2)))
    assert any("delivery 3 before its pickup 2" in v for v in reversed_pair), reversed_pair


def test_too_tight_schedule_is_rejected():
    """Claiming service 5 s after leaving a stop 10 m away breaks the travel time."""
    m = line_model([0, 10, 20])
    m.add_depot(0)
    m.add_client(Stop(location=1))
    m.add_client(Stop(location=2))
    m.add_vehicle_type(VehicleType(capacity=(5,)))
    problem = m.problem()
    res = checked_solve(problem)
    r0 = res.routes[0]
    fast = replace(r0, start_times_s=(r0.start_times_s[0], r0.start_times_s[0] + 5))
    assert any("needed" in v for v in violations(problem, replace(res, routes=(fast,))))
