"""Independent re-check of a `RoutingResult` against its `RoutingProblem` (no solver code).

Recomputes coverage, loads per trip and dimension, pickup-before-delivery, the time line
(travel, waiting, windows, breaks, shifts, durations), distances, skills, locks and cost.
A result this checker rejects is a bug.
"""

from __future__ import annotations

import itertools
import math

from fwdnet.logistics.routing.model import IntMatrix, RoutingProblem
from fwdnet.logistics.routing.result import Route, RoutingResult, Status


def violations(problem: RoutingProblem, result: RoutingResult) -> list[str]:
    """Every rule the result breaks, as readable lines (empty list = valid)."""
    out: list[str] = []
    fleet = problem.vehicle_types_of_fleet
    seen: dict[int, int] = {}
    used_vehicles: set[int] = set()
    for r in result.routes:
        if not 0 <= r.vehicle < len(fleet):
            out.append(f"route: unknown vehicle {r.vehicle}")
            continue
        if r.vehicle in used_vehicles:
            out.append(f"vehicle {r.vehicle}: used by two routes")
        used_vehicles.add(r.vehicle)
        if fleet[r.vehicle] != r.vehicle_type:
            out.append(f"vehicle {r.vehicle}: type {r.vehicle_type}, fleet says "
                       f"{fleet[r.vehicle]}")
            continue
        for c in r.stops:
            if not 0 <= c < len(problem.clients):
                out.append(f"vehicle {r.vehicle}: unknown client {c}")
            elif c in seen:
                out.append(f"client {c}: visited twice (vehicles {seen[c]} and {r.vehicle})")
            else:
                seen[c] = r.vehicle
        if all(0 <= c < len(problem.clients) for c in r.stops):
            out += _route_violations(problem, r)
    unassigned = {u.client for u in result.unassigned}
    for c in unassigned & set(seen):
        out.append(f"client {c}: both routed and unassigned")
    for c in range(len(problem.clients)):
        if c not in seen and c not in unassigned:
            out.append(f"client {c}: neither routed nor listed as unassigned")
    feasible = result.status in (Status.FEASIBLE, Status.OPTIMAL)
    if feasible:
        for c in unassigned:
            if problem.clients[c].required:
                out.append(f"client {c}: required but unassigned in a '{result.status}' result")
    for s in problem.shipments:
        vp, vd = seen.get(s.pickup), seen.get(s.delivery)
        if (vp is None) != (vd is None):
            out.append(f"shipment {s.pickup}->{s.delivery}: only one end is served")
        elif vp is not None and vp != vd:
            out.append(f"shipment {s.pickup}->{s.delivery}: served by two vehicles")
    routes_by_vehicle = {r.vehicle: r for r in result.routes}
    for lock in problem.locked:
        lr = routes_by_vehicle.get(lock.vehicle)
        got = lr.stops[:len(lock.stops)] if lr else ()
        if got != lock.stops:
            out.append(f"vehicle {lock.vehicle}: locked prefix {lock.stops}, got {got}")
    if feasible or result.routes:
        cost = sum(_vehicle_cost(problem, r) for r in result.routes)
        cost += sum(problem.clients[c].penalty for c in unassigned
                    if not problem.clients[c].required)
        if not math.isclose(cost, result.cost, rel_tol=1e-6, abs_tol=1e-6):
            out.append(f"cost: result says {result.cost}, recomputed {cost}")
    return out


def _vehicle_cost(problem: RoutingProblem, r: Route) -> float:
    vt = problem.vehicle_types[r.vehicle_type]
    dist = _path_distance(problem, r)
    travel = _path_distance(problem, r, problem.duration_s)
    return (vt.fixed_cost + vt.cost_per_km * dist / 1000
            + vt.cost_per_hour * (r.end_s - r.departure_s) / 3600
            + vt.cost_per_travel_hour * travel / 3600)


def _path(problem: RoutingProblem, r: Route) -> list[int | None]:
    """Locations visited in order; None marks a reload pass through the start depot."""
    return [c for k, trip in enumerate(r.trips) for c in ([None] if k else []) + list(trip)]


def _path_distance(problem: RoutingProblem, r: Route, matrix: IntMatrix | None = None) -> int:
    """Sum of `matrix` (default: distances) along the route's path."""
    m = problem.distance_m if matrix is None else matrix
    vt = problem.vehicle_types[r.vehicle_type]
    depot = problem.depots[vt.start_depot].location
    locs = [depot] + [depot if c is None else problem.clients[c].location
                      for c in _path(problem, r)]
    if vt.end_depot is not None:
        locs.append(problem.depots[vt.end_depot].location)
    return sum(int(m[a, b]) for a, b in itertools.pairwise(locs))


def _route_violations(problem: RoutingProblem, r: Route) -> list[str]:
    out: list[str] = []
    tag = f"vehicle {r.vehicle}"
    vt = problem.vehicle_types[r.vehicle_type]
    if r.start_depot != vt.start_depot or r.end_depot != vt.end_depot:
        out.append(f"{tag}: depots ({r.start_depot}, {r.end_depot}) differ from its type")
    if len(r.trips) > vt.max_trips:
        out.append(f"{tag}: {len(r.trips)} trips, max_trips {vt.max_trips}")
    if any(not trip for trip in r.trips):
        out.append(f"{tag}: empty trip")
    if len(r.start_times_s) != len(r.stops):
        return [*out, f"{tag}: {len(r.start_times_s)} start times for {len(r.stops)} stops"]
    for c in r.stops:
        if not problem.clients[c].skills <= vt.skills:
            out.append(f"{tag}: lacks skills {set(problem.clients[c].skills - vt.skills)} "
                       f"of client {c}")
    out += _load_violations(problem, r, tag)
    out += _time_violations(problem, r, tag)
    dist = _path_distance(problem, r)
    if dist != r.distance_m:
        out.append(f"{tag}: distance {r.distance_m} reported, {dist} recomputed")
    travel = _path_distance(problem, r, problem.duration_s)
    if travel != r.travel_s:
        out.append(f"{tag}: travel time {r.travel_s} reported, {travel} recomputed")
    if vt.max_distance_m is not None and dist > vt.max_distance_m:
        out.append(f"{tag}: distance {dist} > max {vt.max_distance_m}")
    return out


def _load_violations(problem: RoutingProblem, r: Route, tag: str) -> list[str]:
    out: list[str] = []
    cap = problem.vehicle_types[r.vehicle_type].capacity
    delta: dict[int, list[int]] = {}
    for s in problem.shipments:
        delta[s.pickup] = list(s.amount)
        delta[s.delivery] = [-a for a in s.amount]
    partner = {s.pickup: s.delivery for s in problem.shipments}
    for k, trip in enumerate(r.trips):
        pos = {c: i for i, c in enumerate(trip)}
        for c in trip:
            if c in partner and partner[c] in r.stops:
                if partner[c] not in pos:
                    out.append(f"{tag}: shipment {c}->{partner[c]} split across trips")
                elif pos[partner[c]] < pos[c]:
                    out.append(f"{tag}: delivery {partner[c]} before its pickup {c}")
        for d in range(len(cap)):
            load = sum(problem.clients[c].delivery[d] for c in trip)
            peak = load
            for c in trip:
                cl = problem.clients[c]
                load += cl.pickup[d] - cl.delivery[d] + delta.get(c, [0] * len(cap))[d]
                peak = max(peak, load)
                if load < 0:
                    out.append(f"{tag} trip {k}: negative load in dimension {d} after {c}")
            if peak > cap[d]:
                out.append(f"{tag} trip {k}: load {peak} > capacity {cap[d]} (dimension {d})")
    return out


def _time_violations(problem: RoutingProblem, r: Route, tag: str) -> list[str]:
    """Walk the time line: each gap between services must hold the travel and its breaks."""
    out: list[str] = []
    vt = problem.vehicle_types[r.vehicle_type]
    sd = problem.depots[vt.start_depot]
    if r.departure_s < max(vt.shift_start_s, sd.open_s):
        out.append(f"{tag}: departs at {r.departure_s} before shift/depot opening")
    # events: (location, service start, service duration)
    events: list[tuple[int, int, int]] = [(sd.location, r.departure_s, 0)]
    times = iter(r.start_times_s)
    for c in _path(problem, r):
        if c is None:
            # reload: the depot visit is placed as early as possible after the last service
            prev_loc, prev_t, prev_s = events[-1]
            arrive = prev_t + prev_s + int(problem.duration_s[prev_loc, sd.location])
            events.append((sd.location, arrive, 0))
            continue
        cl = problem.clients[c]
        start = next(times)
        if cl.time_windows and not any(w.open_s <= start <= w.close_s
                                       for w in cl.time_windows):
            out.append(f"{tag}: client {c} starts at {start}, outside its time windows")
        events.append((cl.location, start, cl.service_s))
    end_close = vt.shift_end_s
    if vt.end_depot is not None:
        ed = problem.depots[vt.end_depot]
        end_close = min(end_close, ed.close_s)
        events.append((ed.location, r.end_s, 0))
    if r.end_s > end_close:
        out.append(f"{tag}: ends at {r.end_s} after shift/depot close {end_close}")
    if vt.max_duration_s is not None and r.end_s - r.departure_s > vt.max_duration_s:
        out.append(f"{tag}: duration {r.end_s - r.departure_s} > max {vt.max_duration_s}")
    if len(r.breaks) != len(vt.breaks):
        out.append(f"{tag}: {len(r.breaks)} breaks taken, {len(vt.breaks)} required")
    for b in r.breaks:
        if not any(spec.earliest_s <= b.start_s <= spec.latest_s
                   and b.duration_s >= spec.duration_s for spec in vt.breaks):
            out.append(f"{tag}: break at {b.start_s} ({b.duration_s}s) matches no break rule")
    placed: set[int] = set()
    for (loc_a, t_a, s_a), (loc_b, t_b, _) in itertools.pairwise(events):
        free_from = t_a + s_a
        inside = [k for k, b in enumerate(r.breaks)
                  if b.start_s >= free_from and b.start_s + b.duration_s <= t_b]
        placed.update(inside)
        need = int(problem.duration_s[loc_a, loc_b]) + sum(r.breaks[k].duration_s
                                                            for k in inside)
        if t_b - free_from < need:
            out.append(f"{tag}: only {t_b - free_from}s between service ending at {free_from} "
                       f"and the next at {t_b}, {need}s needed")
    if vt.end_depot is None:
        last_loc, last_t, last_s = events[-1]
        del last_loc
        if r.end_s < last_t + last_s:
            out.append(f"{tag}: open route ends before its last service is done")
        placed.update(k for k, b in enumerate(r.breaks) if b.start_s >= last_t + last_s)
    for k, b in enumerate(r.breaks):
        if k not in placed:
            out.append(f"{tag}: break at {b.start_s} overlaps a service or lies off the route")
    return out


def assert_valid(problem: RoutingProblem, result: RoutingResult) -> None:
    """Raise AssertionError listing every violation (for tests and benchmarks)."""
    bad = violations(problem, result)
    if bad:
        raise AssertionError("routing result rejected:\n  " + "\n  ".join(bad[:20]))
