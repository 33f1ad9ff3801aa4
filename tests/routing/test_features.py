"""Each modelling feature on a line instance whose answer is worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.routing import (
    Break,
    Depot,
    PlannedRoute,
    Reason,
    RoutingModel,
    Status,
    Stop,
    TimeWindow,
    VehicleType,
    choose_backend,
)

from .helpers import checked_solve, line_model

BOTH = ["auto", "ortools"]


@pytest.mark.parametrize("backend", BOTH)
def test_time_windows_force_the_far_stop_first(backend):
    """A (x=20) closes at 25, B (x=10) opens at 40: only A→B works; 20+10 wait→40, back 10."""
    m = line_model([0, 10, 20])
    m.add_depot(0)
    m.add_client(Stop(location=2, delivery=(1,), time_windows=(TimeWindow(0, 25),)))
    m.add_client(Stop(location=1, delivery=(1,), time_windows=(TimeWindow(40, 50),)))
    m.add_vehicle_type(VehicleType(capacity=(5,), num_available=1))
    res = checked_solve(m.problem(), backend=backend)
    assert res.status == Status.FEASIBLE
    (route,) = res.routes
    assert route.stops == (0, 1)
    assert 20 <= route.start_times_s[0] <= 25
    assert route.start_times_s[1] == 40
    assert res.distance_m == 40


def test_several_time_windows_use_the_second_one():
    """Windows [0,5] and [30,40] at x=10: arriving at 10 or later, only the second fits."""
    m = line_model([0, 10])
    m.add_depot(0)
    m.add_client(Stop(location=1, time_windows=(TimeWindow(0, 5), TimeWindow(30, 40))))
    m.add_vehicle_type(VehicleType(capacity=(1,)))
    p = m.problem()
    assert choose_backend(p) == "ortools"
    res = checked_solve(p)
    assert 30 <= res.routes[0].start_times_s[0] <= 40


@pytest.mark.parametrize("backend", BOTH)
def test_multi_depot_serves_each_stop_from_the_near_depot(backend):
    """Depots at 0 and 100, stops at 10 and 90: two routes of 20 m each."""
    m = line_model([0, 100, 10, 90])
    m.add_depot(0)
    m.add_depot(1)
    m.add_client(Stop(location=2, delivery=(1,)))
    m.add_client(Stop(location=3, delivery=(1,)))
    m.add_vehicle_type(VehicleType(capacity=(5,), start_depot=0, end_depot=0))
    m.add_vehicle_type(VehicleType(capacity=(5,), start_depot=1, end_depot=1))
    res = checked_solve(m.problem(), backend=backend)
    assert res.distance_m == 40
    assert {(r.start_depot, r.stops) for r in res.routes} == {(0, (0,)), (1, (1,))}


def test_pickup_before_delivery_even_when_the_reverse_is_shorter():
    """Asymmetric arcs make depot→d→p→depot cost 3 and depot→p→d→depot cost 30."""
    d = np.array([[0, 1, 10], [10, 0, 1], [1, 10, 0]])
    m = RoutingModel()
    m.set_matrices(d, d)
    m.add_depot(0)
    delivery = m.add_client(Stop(location=1))
    pickup = m.add_client(Stop(location=2))
    m.add_shipment(pickup, delivery, (1,))
    m.add_vehicle_type(VehicleType(capacity=(1,)))
    p = m.problem()
    assert choose_backend(p) == "ortools"
    res = checked_solve(p)
    assert res.routes[0].stops == (pickup, delivery)
    assert res.distance_m == 30


def test_pickups_at_stops_share_capacity_with_deliveries():
    """Capacity 2: deliver 2 to A (x=10), pick up 2 at B (x=20); A must come before B."""
    m = line_model([0, 10, 20])
    m.add_depot(0)
    a = m.add_client(Stop(location=1, delivery=(2,)))
    b = m.add_client(Stop(location=2, pickup=(2,)))
    m.add_vehicle_type(VehicleType(capacity=(2,)))
    for backend in BOTH:
        res = checked_solve(m.problem(), backend=backend)
        assert res.routes[0].stops == (a, b)


@pytest.mark.parametrize("backend", BOTH)
def test_multi_dimensional_capacity_splits_heavy_stops(backend):
    """Units fit one truck (2 <= 10) but weight does not (160 > 100): two routes."""
    m = line_model([0, 10, 11])
    m.add_depot(0)
    m.add_client(Stop(location=1, delivery=(1, 80)))
    m.add_client(Stop(location=2, delivery=(1, 80)))
    m.add_vehicle_type(VehicleType(capacity=(10, 100), num_available=2))
    res = checked_solve(m.problem(), backend=backend)
    assert len(res.routes) == 2
    assert res.distance_m == 20 + 22


@pytest.mark.parametrize("backend", BOTH)
def test_heterogeneous_fleet_fixed_and_per_km_and_per_hour_costs(backend):
    """Van: 10 RMB fixed, 2 RMB/km, 36 RMB/h; truck: 100 RMB fixed. 2000 m out and back at
    1 m/s = 4000 s: van cost 10 + 2*4 + 36*4000/3600 = 58 RMB."""
    m = line_model([0, 2000])
    m.add_depot(0)
    m.add_client(Stop(location=1, delivery=(4,)))
    m.add_vehicle_type(VehicleType(capacity=(10,), fixed_cost=100.0))
    m.add_vehicle_type(VehicleType(capacity=(5,), fixed_cost=10.0, cost_per_km=2.0,
                                   cost_per_hour=36.0))
    res = checked_solve(m.problem(), backend=backend)
    assert res.routes[0].vehicle_type == 1
    assert res.cost == pytest.approx(58.0)


@pytest.mark.parametrize("backend", BOTH)
def test_max_distance_forces_two_routes(backend):
    """Stops at -10 and +10: one route is 40 m, over the 30 m limit: two routes of 20 m."""
    m = line_model([0, -10, 10])
    m.add_depot(0)
    m.add_client(Stop(location=1))
    m.add_client(Stop(location=2))
    m.add_vehicle_type(VehicleType(capacity=(5,), num_available=2, max_distance_m=30))
    res = checked_solve(m.problem(), backend=backend)
    assert len(res.routes) == 2


@pytest.mark.parametrize("backend", BOTH)
def test_max_duration_with_service_times_forces_two_routes(backend):
    """Each stop: 10 m away + 50 s service. Together 40 + 100 = 140 s > 100 s limit."""
    m = line_model([0, -10, 10])
    m.add_depot(0)
    m.add_client(Stop(location=1, service_s=50))
    m.add_client(Stop(location=2, service_s=50))
    m.add_vehicle_type(VehicleType(capacity=(5,), num_available=2, max_duration_s=100))
    res = checked_solve(m.problem(), backend=backend)
    assert len(res.routes) == 2
    assert all(r.duration_s == 70 for r in res.routes)


@pytest.mark.parametrize("backend", BOTH)
def test_shift_start_delays_departure(backend):
    """Shift opens at 100: the stop at x=10 is served at 110 at the earliest."""
    m = line_model([0, 10])
    m.add_depot(0)
    m.add_client(Stop(location=1, time_windows=(TimeWindow(0, 1000),)))
    m.add_vehicle_type(VehicleType(capacity=(1,), shift_start_s=100, shift_end_s=500))
    res = checked_solve(m.problem(), backend=backend)
    assert res.routes[0].departure_s >= 100
    assert res.routes[0].start_times_s[0] >= 110


def test_open_route_does_not_return():
    """Open route: depot → 10 → 20 and stop: 20 m, no way back."""
    m = line_model([0, 10, 20])
    m.add_depot(0)
    m.add_client(Stop(location=1))
    m.add_client(Stop(location=2))
    m.add_vehicle_type(VehicleType(capacity=(5,), end_depot=None))
    res = checked_solve(m.problem())
    assert res.backend == "ortools"
    assert res.distance_m == 20
    assert res.routes[0].stops == (0, 1)


@pytest.mark.parametrize("backend", BOTH)
def test_multiple_trips_reload_at_the_depot(backend):
    """One vehicle of capacity 1, two stops: two trips, 2 x 20 m."""
    m = line_model([0, 10, -10])
    m.add_depot(0)
    m.add_client(Stop(location=1, delivery=(1,)))
    m.add_client(Stop(location=2, delivery=(1,)))
    m.add_vehicle_type(VehicleType(capacity=(1,), max_trips=2))
    res = checked_solve(m.problem(), backend=backend)
    (route,) = res.routes
    assert sorted(route.trips) == [(0,), (1,)]
    assert res.distance_m == 40


def test_break_is_planned_inside_its_window_and_lengthens_the_route():
    """Stops at 100 and 200 (50 s service each); a 60 s break must start in [120, 200]."""
    m = line_model([0, 100, 200])
    m.add_depot(0)
    m.add_client(Stop(location=1, service_s=50))
    m.add_client(Stop(location=2, service_s=50))
    m.add_vehicle_type(VehicleType(capacity=(5,), breaks=(Break(120, 200, 60),)))
    p = m.problem()
    assert choose_backend(p) == "ortools"
    res = checked_solve(p)
    (route,) = res.routes
    assert len(route.breaks) == 1
    assert 120 <= route.breaks[0].start_s <= 200
    assert route.duration_s >= 400 + 100 + 60


def test_skills_restrict_vehicles():
    """Only the fridge truck (type 1) may serve the chilled stop."""
    m = line_model([0, 10])
    m.add_depot(0)
    m.add_client(Stop(location=1, skills=frozenset({"fridge"})))
    m.add_vehicle_type(VehicleType(capacity=(5,)))
    m.add_vehicle_type(VehicleType(capacity=(5,), fixed_cost=5.0,
                                   skills=frozenset({"fridge"})))
    res = checked_solve(m.problem())
    assert res.routes[0].vehicle_type == 1


def test_locked_route_prefix_is_kept():
    """Vehicle 0 must start with the far stop (x=30) although 10 first would be shorter."""
    m = line_model([0, 10, 30])
    m.add_depot(0)
    near = m.add_client(Stop(location=1))
    far = m.add_client(Stop(location=2))
    m.add_vehicle_type(VehicleType(capacity=(5,), num_available=2))
    m.lock_route(0, [far])
    res = checked_solve(m.problem())
    by_vehicle = {r.vehicle: r for r in res.routes}
    assert by_vehicle[0].stops[0] == far
    assert near in {c for r in res.routes for c in r.stops}


@pytest.mark.parametrize("backend", BOTH)
def test_initial_solution_is_accepted_and_improved(backend):
    """A poor start (two routes) is improved to the one-route optimum of 40 m."""
    m = line_model([0, 10, 20])
    m.add_depot(0)
    m.add_client(Stop(location=1, delivery=(1,)))
    m.add_client(Stop(location=2, delivery=(1,)))
    m.add_vehicle_type(VehicleType(capacity=(5,), num_available=2))
    start = (PlannedRoute(0, (0,)), PlannedRoute(1, (1,)))
    res = checked_solve(m.problem(), backend=backend, initial=start)
    assert res.distance_m == 40


@pytest.mark.parametrize("backend", BOTH)
def test_optional_stop_not_worth_its_penalty_is_left_out(backend):
    """Serving x=1000 costs 2 km (2 RMB) but skipping it costs 0.5 RMB."""
    m = line_model([0, 10, 1000])
    m.add_depot(0)
    m.add_client(Stop(location=1))
    m.add_client(Stop(location=2, required=False, penalty=0.5))
    m.add_vehicle_type(VehicleType(capacity=(5,)))
    res = checked_solve(m.problem(), backend=backend)
    assert res.status == Status.FEASIBLE
    assert [(u.client, u.reason) for u in res.unassigned] == [(1, Reason.NOT_WORTH_PENALTY)]
    assert res.cost == pytest.approx(0.02 + 0.5)


@pytest.mark.parametrize(
    ("stop", "vehicle", "reason"),
    [
        (Stop(location=2, time_windows=(TimeWindow(0, 50),)), VehicleType(capacity=(5,)),
         Reason.TIME_WINDOW),
        (Stop(location=2), VehicleType(capacity=(5,), max_duration_s=150), Reason.SHIFT_LENGTH),
        (Stop(location=2), VehicleType(capacity=(5,), shift_end_s=150), Reason.SHIFT_LENGTH),
        (Stop(location=2), VehicleType(capacity=(5,), max_distance_m=150),
         Reason.MAX_DISTANCE),
        (Stop(location=2, skills=frozenset({"crane"})), VehicleType(capacity=(5,)),
         Reason.SKILL),
    ],
)
def test_unservable_required_stop_gives_infeasible_with_reason(stop, vehicle, reason):
    """The stop at x=100 cannot be served; the stop at x=10 is still planned."""
    m = line_model([0, 10, 100])
    m.add_depot(0)
    m.add_client(Stop(location=1))
    m.add_client(stop)
    m.add_vehicle_type(vehicle)
    res = checked_solve(m.problem())
    assert res.status == Status.INFEASIBLE
    assert [(u.client, u.reason) for u in res.unassigned] == [(1, reason)]
    assert [r.stops for r in res.routes] == [(0,)]


def test_fleet_too_small_reports_capacity():
    """Two stops of 6 units, one truck of 10: one stop must stay unassigned (capacity)."""
    m = line_model([0, 10, 20])
    m.add_depot(0)
    m.add_client(Stop(location=1, delivery=(6,)))
    m.add_client(Stop(location=2, delivery=(6,)))
    m.add_vehicle_type(VehicleType(capacity=(10,)))
    res = checked_solve(m.problem())
    assert res.status == Status.INFEASIBLE
    assert len(res.unassigned) == 1
    assert res.unassigned[0].reason == Reason.CAPACITY


def test_depot_window_bounds_the_return():
    """Depot closes at 30; the stop at x=20 needs 40 s: unservable (shift length)."""
    m = line_model([0, 20])
    m.add_depot(Depot(location=0, close_s=30))
    m.add_client(Stop(location=1))
    m.add_vehicle_type(VehicleType(capacity=(1,)))
    res = checked_solve(m.problem())
    assert res.status == Status.INFEASIBLE
    assert res.unassigned[0].reason == Reason.SHIFT_LENGTH


def test_conflicting_windows_fall_back_to_a_partial_plan():
    """Stops at x=10 and x=-10 both must start at exactly t=10; one vehicle can do one.

    PyVRP finds no complete plan, OR-Tools then plans one stop and lists the other."""
    m = line_model([0, 10, -10])
    m.add_depot(0)
    m.add_client(Stop(location=1, time_windows=(TimeWindow(10, 10),)))
    m.add_client(Stop(location=2, time_windows=(TimeWindow(10, 10),)))
    m.add_vehicle_type(VehicleType(capacity=(5,)))
    p = m.problem()
    assert choose_backend(p) == "pyvrp"
    res = checked_solve(p)
    assert res.status == Status.TIMED_OUT
    assert res.backend == "pyvrp+ortools"
    assert len(res.routes) == 1
    assert len(res.routes[0].stops) == 1
    assert [u.reason for u in res.unassigned] == [Reason.FLEET_EXHAUSTED]


@pytest.mark.parametrize("backend", BOTH)
def test_initial_solution_on_a_high_numbered_vehicle(backend):
    """Vehicle 9 of 10 may carry the initial plan even when idle vehicles are trimmed."""
    m = line_model([0, 10])
    m.add_depot(0)
    m.add_client(Stop(location=1, delivery=(1,)))
    m.add_vehicle_type(VehicleType(capacity=(5,), num_available=10))
    res = checked_solve(m.problem(), backend=backend, initial=(PlannedRoute(9, (0,)),))
    assert res.distance_m == 20


def test_bad_initial_solution_is_an_input_error():
    m = line_model([0, 10])
    m.add_depot(0)
    m.add_client(Stop(location=1))
    m.add_vehicle_type(VehicleType(capacity=(5,)))
    with pytest.raises(InputError, match="unknown or repeated vehicle 3"):
        checked_solve(m.problem(), initial=(PlannedRoute(3, (0,)),))
