"""Why a stop stayed unassigned: simple per-stop tests against every vehicle type."""

from __future__ import annotations

from fwdnet.logistics.routing.model import RoutingProblem, Stop, VehicleType
from fwdnet.logistics.routing.result import Reason

_ORDER = (Reason.SKILL, Reason.CAPACITY, Reason.TIME_WINDOW, Reason.SHIFT_LENGTH,
          Reason.MAX_DISTANCE)


def _single_visit_failure(problem: RoutingProblem, c: Stop, client: int, vt: VehicleType
                          ) -> Reason | None:
    """The first rule a one-stop route (depot → stop → end) of this type breaks, if any."""
    if not c.skills <= vt.skills:
        return Reason.SKILL
    amounts = [max(d, p) for d, p in zip(c.delivery, c.pickup, strict=True)]
    for s in problem.shipments:
        if client in (s.pickup, s.delivery):
            amounts = [max(a, b) for a, b in zip(amounts, s.amount, strict=True)]
    if any(a > q for a, q in zip(amounts, vt.capacity, strict=True)):
        return Reason.CAPACITY
    depot = problem.depots[vt.start_depot]
    leave = max(vt.shift_start_s, depot.open_s)
    arrive = leave + int(problem.duration_s[depot.location, c.location])
    start = arrive
    if c.time_windows:
        opening = [max(arrive, w.open_s) for w in c.time_windows if w.close_s >= arrive]
        if not opening:
            return Reason.TIME_WINDOW
        start = min(opening)
    end_loc = None if vt.end_depot is None else problem.depots[vt.end_depot].location
    back = 0 if end_loc is None else int(problem.duration_s[c.location, end_loc])
    finish = start + c.service_s + back
    close = vt.shift_end_s
    if vt.end_depot is not None:
        close = min(close, problem.depots[vt.end_depot].close_s)
    breaks = sum(b.duration_s for b in vt.breaks)
    if start > close:
        return Reason.TIME_WINDOW if c.time_windows else Reason.SHIFT_LENGTH
    if finish > close:
        return Reason.SHIFT_LENGTH
    # waiting could be avoided by leaving later: count travel + service + breaks only
    if (vt.max_duration_s is not None
            and c.service_s + back + (arrive - leave) + breaks > vt.max_duration_s):
        return Reason.SHIFT_LENGTH
    if vt.max_distance_m is not None:
        d = int(problem.distance_m[depot.location, c.location])
        d += 0 if end_loc is None else int(problem.distance_m[c.location, end_loc])
        if d > vt.max_distance_m:
            return Reason.MAX_DISTANCE
    return None


def unassigned_reason(problem: RoutingProblem, client: int) -> Reason:
    """The reason a stop cannot be served (ranked by the vehicle type that gets furthest)."""
    c = problem.clients[client]
    fails = [_single_visit_failure(problem, c, client, vt)
             for vt in problem.vehicle_types if vt.num_available > 0]
    if not fails:
        return Reason.FLEET_EXHAUSTED
    if any(f is None for f in fails):
        if not c.required:
            return Reason.NOT_WORTH_PENALTY
        total = [sum(x.delivery[d] for x in problem.clients if x.required)
                 for d in range(problem.num_dimensions)]
        fleet = [sum(vt.capacity[d] * vt.num_available * vt.max_trips
                     for vt in problem.vehicle_types) for d in range(problem.num_dimensions)]
        if any(t > f for t, f in zip(total, fleet, strict=True)):
            return Reason.CAPACITY
        return Reason.FLEET_EXHAUSTED
    return max((f for f in fails if f is not None), key=_ORDER.index)


def serves_alone(problem: RoutingProblem, client: int) -> bool:
    """True when some vehicle type could serve the stop on a route of its own."""
    c = problem.clients[client]
    return any(_single_visit_failure(problem, c, client, vt) is None
               for vt in problem.vehicle_types if vt.num_available > 0)
