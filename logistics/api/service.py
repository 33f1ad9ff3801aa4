"""`/v1/routes` logic without HTTP: solve or evaluate a `RouteRequest`, answer VROOM-style.

Solve mode runs `logistics.routing.solve` until the search converges, at the latest at the
request's `time_limit` (a hard cap, minus the time already spent building); plan mode only
evaluates given routes. Costs, totals and units are VROOM's (`vroom_cost`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace as dc_replace
from typing import Any

from fwdnet.logistics.api.build import Built, build, step_clients
from fwdnet.logistics.api.schemas import (
    ComputingTimes,
    RouteOut,
    RouteRequest,
    RouteResponse,
    Step,
    Summary,
    UnassignedOut,
    Violation,
)
from fwdnet.logistics.api.timeline import Timeline, evaluate
from fwdnet.logistics.errors import InputError
from fwdnet.logistics.routing import (
    MaxRuntime,
    PlannedRoute,
    Route,
    RoutingResult,
    Status,
    default_stop,
    solve,
)
from fwdnet.logistics.routing.model import VehicleType
from fwdnet.logistics.routing.stop import StopCriterion

SAFETY_S = 0.05
"""Seconds kept back from the time limit for building the answer."""


def _violations(vs: Sequence[tuple[str, int | None]]) -> list[Violation]:
    return [Violation(cause=c, duration=d) for c, d in vs]


def vroom_cost(vt: VehicleType, travel_s: int, distance_m: int) -> int:
    """VROOM's route cost: fixed + per_hour × travel hours + per_km × km, to an integer."""
    return round(vt.fixed_cost + vt.cost_per_travel_hour * travel_s / 3600
                 + vt.cost_per_km * distance_m / 1000)


def _route_out(req: RouteRequest, b: Built, k: int, tl: Timeline) -> RouteOut:
    p = b.problem
    vt = p.vehicle_types[k]
    v = req.vehicles[k]
    steps: list[Step] = []
    dims = len(vt.capacity)
    delivered, picked = [0] * dims, [0] * dims
    moved = {sh.pickup: sh.amount for sh in p.shipments}  # a shipment counts in both totals
    priority = 0
    for s in tl.steps:
        sid: int | None = None
        desc = None
        stype: Any = s.type
        loc_index = s.location
        if s.type == "client" and s.index is not None:
            task = b.tasks[b.by_client[s.index]]
            stype, sid, desc = task.type, task.id, task.description
            priority += task.priority
            c = p.clients[s.index]
            for d in range(dims):
                delivered[d] += c.delivery[d]
                picked[d] += c.pickup[d]
            for d, q in enumerate(moved.get(s.index, ())):
                picked[d] += q
                delivered[d] += q
        elif s.type == "break" and s.index is not None:
            sid, desc = v.breaks[s.index].id, v.breaks[s.index].description
        loc = b.locations[loc_index] if loc_index is not None else None
        steps.append(Step(type=stype, id=sid, description=desc,
                          location=list(loc) if loc else None, location_index=loc_index,
                          arrival=s.arrival + b.offset, duration=s.travel_s,
                          distance=s.distance_m if b.has_distances else None,
                          service=s.service, waiting_time=s.waiting, load=list(s.load),
                          violations=_violations(s.violations)))
    return RouteOut(vehicle=v.id, description=v.description,
                    cost=vroom_cost(vt, tl.travel_s, tl.distance_m),
                    delivery=delivered, pickup=picked, service=tl.service_s,
                    duration=tl.travel_s, waiting_time=tl.waiting_s, priority=priority,
                    distance=tl.distance_m if b.has_distances else None,
                    steps=steps, violations=_violations(tl.violations))


def _unassigned(b: Built, task_i: int, reason: str) -> UnassignedOut:
    t = b.tasks[task_i]
    return UnassignedOut(id=t.id, type=t.type, description=t.description,
                         location=list(t.location) if t.location else None,
                         location_index=t.location_index, reason=reason)


def _answer(req: RouteRequest, b: Built, routes: list[RouteOut],
            unassigned: list[UnassignedOut], status: str, load_ms: int, solve_ms: int,
            result: RoutingResult | None = None) -> RouteResponse:
    dims = b.problem.num_dimensions
    summary = Summary(
        cost=sum(r.cost for r in routes), routes=len(routes),
        unassigned=len(unassigned),
        delivery=[sum(r.delivery[d] for r in routes) for d in range(dims)],
        pickup=[sum(r.pickup[d] for r in routes) for d in range(dims)],
        service=sum(r.service for r in routes), duration=sum(r.duration for r in routes),
        waiting_time=sum(r.waiting_time for r in routes),
        priority=sum(r.priority for r in routes),
        distance=sum(r.distance or 0 for r in routes) if b.has_distances else None,
        violations=[x for r in routes for x in r.violations],
        computing_times=ComputingTimes(loading=load_ms, solving=solve_ms))
    return RouteResponse(code=0, status=status, summary=summary, unassigned=unassigned,
                         routes=routes, warnings=list(b.warnings) or None,
                         backend=result.backend if result else None,
                         note=(result.note or None) if result else None)


def plan(req: RouteRequest, b: Built, load_ms: int) -> RouteResponse:
    """Evaluate each vehicle's given steps: ETAs, loads, violations; nothing is optimised."""
    t0 = time.perf_counter()
    routes: list[RouteOut] = []
    on_route: set[int] = set()
    for k in range(len(req.vehicles)):
        seq = step_clients(req, b.tasks, k)
        for kind, c in seq:
            if kind == "client":
                if c in on_route:
                    raise InputError(f"vehicles.{k}.steps: task {b.tasks[b.by_client[c]].id} "
                                     "is on two routes")
                on_route.add(c)
        if seq:
            routes.append(_route_out(req, b, k, evaluate(b.problem, k, seq)))
    unassigned = [_unassigned(b, i, "capacity") for i in b.set_aside]
    unassigned += [_unassigned(b, b.by_client[c], "not_planned")
                   for c in range(len(b.problem.clients)) if c not in on_route]
    return _answer(req, b, routes, unassigned, "planned", load_ms,
                   int((time.perf_counter() - t0) * 1000))


def _earliest(b: Built, r: Route) -> Route:
    """The solver's schedule moved as early as its windows allow, all gaps kept.

    A uniform shift keeps every travel/break gap, so a valid plan stays valid; it only turns
    arbitrary late departures (a solver may leave at any time in its slack) into early ones.
    """
    p = b.problem
    vt = p.vehicle_types[r.vehicle_type]
    bounds = [r.departure_s - max(vt.shift_start_s, p.depots[vt.start_depot].open_s)]
    for c, s in zip(r.stops, r.start_times_s, strict=True):
        opens = [w.open_s for w in p.clients[c].time_windows if w.open_s <= s <= w.close_s]
        if opens:
            bounds.append(s - max(opens))
    for bt in r.breaks:
        earliest = [spec.earliest_s for spec in vt.breaks
                    if spec.earliest_s <= bt.start_s <= spec.latest_s]
        bounds.append(bt.start_s - max(earliest) if earliest else 0)
    d = max(0, min(bounds))
    if d == 0:
        return r
    return dc_replace(r, departure_s=r.departure_s - d, end_s=r.end_s - d,
                      start_times_s=tuple(s - d for s in r.start_times_s),
                      breaks=tuple(dc_replace(x, start_s=x.start_s - d) for x in r.breaks))


def answer_from_result(req: RouteRequest, b: Built, result: RoutingResult, load_ms: int
                       ) -> RouteResponse:
    """A solver result as a VROOM-style response (steps timed from the solver's schedule)."""
    routes: list[RouteOut] = []
    for r0 in sorted(result.routes, key=lambda r: r.vehicle):
        r = _earliest(b, r0)
        fixed: dict[tuple[str, int], int] = {("client", c): s
                                             for c, s in zip(r.stops, r.start_times_s,
                                                             strict=True)}
        vt = b.problem.vehicle_types[r.vehicle_type]
        seq: list[tuple[str, int]] = []
        used: set[int] = set()
        breaks = []
        for bt in r.breaks:
            k = next((i for i, spec in enumerate(vt.breaks) if i not in used
                      and spec.earliest_s <= bt.start_s <= spec.latest_s), None)
            if k is not None:
                used.add(k)
                fixed[("break", k)] = bt.start_s
                breaks.append((bt.start_s, k))
        for c, s in zip(r.stops, r.start_times_s, strict=True):
            while breaks and breaks[0][0] < s:
                seq.append(("break", breaks.pop(0)[1]))
            seq.append(("client", c))
        seq += [("break", k) for _, k in breaks]
        tl = evaluate(b.problem, r.vehicle, seq, departure=r.departure_s, fixed=fixed)
        routes.append(_route_out(req, b, r.vehicle, tl))
    unassigned = [_unassigned(b, i, "capacity") for i in b.set_aside]
    unassigned += [_unassigned(b, b.by_client[u.client], u.reason.value)
                   for u in result.unassigned]
    resp = _answer(req, b, routes, unassigned, result.status.value, load_ms,
                   int(result.runtime_s * 1000), result)
    if result.status == Status.TIMED_OUT and not result.routes and b.problem.clients:
        return RouteResponse(code=3, error=result.message or "no plan found within the time "
                             "limit", status=result.status.value, summary=resp.summary,
                             unassigned=unassigned, warnings=resp.warnings)
    return resp


def route(req: RouteRequest, *, time_limit_s: float, road_factor: float, speed_kmh: float,
          initial: tuple[PlannedRoute, ...] = (), full_time: bool = False
          ) -> tuple[RouteResponse, RoutingResult | None]:
    """Solve (or, with `options.plan`, evaluate) a request within `time_limit_s` seconds;
    `full_time` (or the request's `options.full_time`) searches until then even once
    converged."""
    t0 = time.perf_counter()
    b = build(req, req.options.road_factor or road_factor, req.options.speed_kmh or speed_kmh)
    load_ms = int((time.perf_counter() - t0) * 1000)
    if req.options.plan:
        return plan(req, b, load_ms), None
    left = max(0.01, time_limit_s - (time.perf_counter() - t0) - SAFETY_S)
    if full_time or req.options.full_time:
        stop: StopCriterion = MaxRuntime(left)
    else:
        stop = default_stop(len(b.problem.clients), left)
    result = solve(b.problem, stop=stop, seed=req.options.seed, initial=initial)
    return answer_from_result(req, b, result, load_ms), result


def build_only(req: RouteRequest, road_factor: float, speed_kmh: float) -> Built:
    """The built problem (for route jobs that solve in stages)."""
    return build(req, req.options.road_factor or road_factor, req.options.speed_kmh or speed_kmh)
