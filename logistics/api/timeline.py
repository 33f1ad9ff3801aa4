"""Walk one vehicle's sequence of stops and breaks: arrival, waiting, load and violations.

Two uses: plan mode (times as early as possible from the shift start; every broken rule is
reported, nothing is repaired) and the steps of a solved route (the solver's service and
break start times are taken as given, arrivals derived from the travel times).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fwdnet.logistics.routing import RoutingProblem


@dataclass(frozen=True)
class TimedStep:
    """A step on the time line; `travel_s`/`distance_m` are cumulated up to its arrival."""

    type: str  # start | client | break | end
    index: int | None
    location: int | None
    arrival: int
    service: int
    waiting: int
    travel_s: int
    distance_m: int
    load: tuple[int, ...]
    violations: tuple[tuple[str, int | None], ...] = ()


@dataclass(frozen=True)
class Timeline:
    """The steps of one route and the route-level violations."""

    steps: tuple[TimedStep, ...]
    departure: int
    end: int
    travel_s: int
    distance_m: int
    service_s: int
    waiting_s: int
    violations: tuple[tuple[str, int | None], ...] = field(default=())


def _add(a: list[int], b: tuple[int, ...], sign: int) -> None:
    for d, q in enumerate(b):
        a[d] += sign * q


def evaluate(problem: RoutingProblem, vehicle: int, sequence: list[tuple[str, int]],
             departure: int | None = None, fixed: dict[tuple[str, int], int] | None = None
             ) -> Timeline:
    """Time line of `vehicle` serving `sequence` (("client", c) / ("break", b) items).

    `fixed` maps items to their start times (a solver's schedule); other items start as early
    as their windows allow. Breaks without a fixed time are taken where they stand.
    """
    fixed = fixed or {}
    vt = problem.vehicle_types[problem.vehicle_types_of_fleet[vehicle]]
    sd = problem.depots[vt.start_depot]
    dur, dist = problem.duration_s, problem.distance_m
    amount = {s.pickup: s.amount for s in problem.shipments}
    minus = {s.delivery: s.amount for s in problem.shipments}
    partner = {s.delivery: s.pickup for s in problem.shipments}
    t0 = departure if departure is not None else max(vt.shift_start_s, sd.open_s)
    route_v: list[tuple[str, int | None]] = []
    if t0 < vt.shift_start_s:
        route_v.append(("lead_time", vt.shift_start_s - t0))
    load = [0] * len(vt.capacity)
    for kind, i in sequence:
        if kind == "client":
            _add(load, problem.clients[i].delivery, 1)
    steps = [TimedStep("start", None, sd.location, t0, 0, 0, 0, 0, tuple(load),
                       _load_v(load, vt.capacity))]
    t, loc, travel, metres, service, waiting, pending = t0, sd.location, 0, 0, 0, 0, 0
    seen: set[int] = set()
    n_breaks = 0
    for kind, i in sequence:
        v: list[tuple[str, int | None]] = []
        if kind == "break":
            b = vt.breaks[i]
            n_breaks += 1
            start = fixed.get((kind, i), max(t, b.earliest_s))
            if start > b.latest_s:
                v.append(("delay", start - b.latest_s))
            steps.append(TimedStep("break", i, loc, min(t, start), b.duration_s,
                                   max(0, start - t), travel, metres, tuple(load), tuple(v)))
            if (kind, i) in fixed:
                pending += b.duration_s  # taken on the way: the next arrival includes it
            else:
                waiting += max(0, start - t)
                t = start + b.duration_s
            service += b.duration_s
            continue
        c = problem.clients[i]
        tt = int(dur[loc, c.location])
        travel += tt
        metres += int(dist[loc, c.location])
        arrival = t + tt + pending
        pending = 0
        start = arrival
        if c.time_windows:
            ok = [w for w in c.time_windows if w.close_s >= arrival]
            if ok:
                start = max(arrival, min(w.open_s for w in ok))
            else:
                v.append(("delay", arrival - max(w.close_s for w in c.time_windows)))
        if (kind, i) in fixed:
            start = fixed[(kind, i)]
            arrival = min(arrival, start)
        waiting += start - arrival
        _add(load, c.delivery, -1)
        _add(load, c.pickup, 1)
        _add(load, amount.get(i, ()), 1)
        _add(load, minus.get(i, ()), -1)
        if i in partner and partner[i] not in seen:
            v.append(("precedence", None))
        if not c.skills <= vt.skills:
            v.append(("skills", None))
        v += _load_v(load, vt.capacity)
        seen.add(i)
        steps.append(TimedStep("client", i, c.location, arrival, c.service_s, start - arrival,
                               travel, metres, tuple(load), tuple(v)))
        service += c.service_s
        t, loc = start + c.service_s, c.location
    end = t + pending
    if vt.end_depot is not None:
        ed = problem.depots[vt.end_depot]
        tt = int(dur[loc, ed.location])
        travel += tt
        metres += int(dist[loc, ed.location])
        end = t + tt + pending
        close = min(vt.shift_end_s, ed.close_s)
        v_end = (("delay", end - close),) if end > close else ()
        steps.append(TimedStep("end", None, ed.location, end, 0, 0, travel, metres,
                               tuple(load), v_end))
    elif end > vt.shift_end_s:
        route_v.append(("delay", end - vt.shift_end_s))
    if vt.max_duration_s is not None and end - t0 > vt.max_duration_s:
        route_v.append(("max_travel_time", end - t0 - vt.max_duration_s))
    if vt.max_distance_m is not None and metres > vt.max_distance_m:
        route_v.append(("max_distance", None))
    if n_breaks < len(vt.breaks):
        route_v.append(("missing_break", None))
    route_v += [x for s in steps for x in s.violations if x[0] not in ("delay",)
                and x not in route_v]
    route_v += [("delay", sum(x[1] or 0 for s in steps for x in s.violations
                             if x[0] == "delay"))] if any(
        x[0] == "delay" for s in steps for x in s.violations) else []
    return Timeline(tuple(steps), t0, end, travel, metres, service, waiting, tuple(route_v))


def _load_v(load: list[int], cap: tuple[int, ...]) -> tuple[tuple[str, int | None], ...]:
    return (("load", None),) if any(q > c for q, c in zip(load, cap, strict=True)) else ()
