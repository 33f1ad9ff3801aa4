"""Turn a `RouteRequest` into a frozen `RoutingProblem` plus the maps back to request ids.

Every vehicle becomes its own vehicle type (fleet index = position in `vehicles`), priced
as in VROOM: `fixed`, `per_hour` of travel time, `per_km`. Without `matrices` (or VROOM's
legacy `matrix`), road metres and seconds come from haversine × road factor at a fixed speed
(`logistics.geo.road_matrices`). Absolute UNIX times are shifted so the earliest window opens
at 0 (`Built.offset` is added back to every time in the answer). Tasks whose amounts exceed
every capacity are set aside as unassigned (reason `capacity`) instead of failing the whole
request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from fwdnet.logistics.api.schemas import (
    Matrix,
    RouteRequest,
    ShipmentStep,
    Vehicle,
    unknown_keys,
)
from fwdnet.logistics.errors import InputError
from fwdnet.logistics.geo import road_matrices
from fwdnet.logistics.routing import (
    HORIZON_S,
    Break,
    Depot,
    RoutingModel,
    RoutingProblem,
    Stop,
    TimeWindow,
    VehicleType,
)

TaskType = Literal["job", "pickup", "delivery"]
UNLIMITED = 10**9


@dataclass(frozen=True)
class Task:
    """A request task (job or shipment end) and where it went: client index or set aside."""

    type: TaskType
    id: int
    description: str | None
    location: tuple[float, float] | None
    location_index: int
    client: int | None
    priority: int = 0


@dataclass(frozen=True)
class Built:
    """The problem plus the request-side view of every task and vehicle."""

    problem: RoutingProblem
    tasks: tuple[Task, ...]
    by_client: tuple[int, ...]
    locations: tuple[tuple[float, float] | None, ...]
    set_aside: tuple[int, ...]
    offset: int = 0  # seconds added back to every time in the answer
    has_distances: bool = True  # False: the request gave durations only (no `distance` out)
    warnings: tuple[str, ...] = ()


def _where(path: str, msg: str) -> InputError:
    return InputError(f"{path}: {msg}")


class _Locations:
    """Location indices: the request's `location_index` with matrices, else deduplicated coords."""

    def __init__(self, n_matrix: int | None) -> None:
        self.n_matrix = n_matrix
        self.coords: list[tuple[float, float]] = []
        self._index: dict[tuple[float, float], int] = {}
        self.given: dict[int, tuple[float, float]] = {}

    def index(self, path: str, loc: tuple[float, float] | None, idx: int | None) -> int:
        """`path` names the coordinate field (`jobs.3.location`, `vehicles.0.start`)."""
        if self.n_matrix is not None:
            ipath = path + "_index"
            if idx is None:
                raise _where(ipath, "required when matrices are given")
            if idx >= self.n_matrix:
                raise _where(ipath, f"{idx} is outside the {self.n_matrix}×{self.n_matrix} "
                             "matrices")
            if loc is not None:
                self.given[idx] = loc
            return idx
        if loc is None:
            raise _where(path, "required ([lon, lat]) when no matrices are given")
        if loc not in self._index:
            self._index[loc] = len(self.coords)
            self.coords.append(loc)
        return self._index[loc]


def _windows(ws: list[tuple[int, int]], offset: int) -> tuple[TimeWindow, ...]:
    return tuple(TimeWindow(a - offset, b - offset) for a, b in ws)


def _time_offset(req: RouteRequest) -> int:
    """0 for relative times; for absolute (UNIX) times the earliest window opening.

    Raises InputError when the shifted times still span more than HORIZON_S seconds."""
    found: list[tuple[str, tuple[int, int]]] = []
    for k, j in enumerate(req.jobs):
        found += [(f"jobs.{k}.time_windows.{i}", w) for i, w in enumerate(j.time_windows)]
    for k, s in enumerate(req.shipments):
        for role in ("pickup", "delivery"):
            step: ShipmentStep = getattr(s, role)
            found += [(f"shipments.{k}.{role}.time_windows.{i}", w)
                      for i, w in enumerate(step.time_windows)]
    for k, v in enumerate(req.vehicles):
        if v.time_window is not None:
            found.append((f"vehicles.{k}.time_window", v.time_window))
        for b_i, b in enumerate(v.breaks):
            found.append((f"vehicles.{k}.breaks.{b_i}.time_windows.0", b.time_windows[0]))
    if not found or max(w[1] for _, w in found) <= HORIZON_S:
        return 0
    offset = min(w[0] for _, w in found)
    for path, w in found:
        if w[1] - offset > HORIZON_S:
            raise _where(path, f"ends {w[1] - offset} s after the earliest window opens "
                         f"({offset}); one request may span at most {HORIZON_S} s")
    return offset


def _matrices(req: RouteRequest) -> tuple[str, np.ndarray | None, np.ndarray | None, bool]:
    """The profile, the request's matrices (None, None when it gives none) and whether it
    gave distances."""
    profiles = {v.profile for v in req.vehicles}
    if len(profiles) > 1:
        raise _where("vehicles", f"one profile expected, got {sorted(profiles)}")
    profile = profiles.pop()
    matrices = req.matrices
    if matrices is None and req.matrix is not None:
        matrices = {profile: Matrix(durations=req.matrix)}
    if matrices is None:
        return profile, None, None, True
    if profile not in matrices:
        raise _where("matrices", f"no matrices for profile {profile!r}")
    m = matrices[profile]
    dur = m.durations
    n = len(dur)
    if any(len(row) != n for row in dur):
        raise _where(f"matrices.{profile}.durations", f"square {n}×{n} matrix expected")
    dist = m.distances
    if dist is not None and (len(dist) != n or any(len(row) != n for row in dist)):
        raise _where(f"matrices.{profile}.distances", f"square {n}×{n} matrix expected "
                     "(same size as durations)")
    d = np.array(dist, dtype=np.int64) if dist is not None else np.zeros((n, n), np.int64)
    return profile, d, np.array(dur, dtype=np.int64), dist is not None


def _check_ids(req: RouteRequest) -> None:
    for name, ids in (("jobs", [j.id for j in req.jobs]),
                      ("shipments.pickup", [s.pickup.id for s in req.shipments]),
                      ("shipments.delivery", [s.delivery.id for s in req.shipments]),
                      ("vehicles", [v.id for v in req.vehicles])):
        seen: set[int] = set()
        for k, i in enumerate(ids):
            if i in seen:
                path = (f"{name.split('.')[0]}.{k}.{name.split('.')[1]}.id" if "." in name
                        else f"{name}.{k}.id")
                raise _where(path, f"duplicate id {i}")
            seen.add(i)


def build(req: RouteRequest, road_factor: float, speed_kmh: float) -> Built:
    """Validate cross-field rules (raising InputError with the field path) and build the problem."""
    _check_ids(req)
    _, dist, dur, has_distances = _matrices(req)
    offset = _time_offset(req)
    warnings = [f"{k}: unknown key, ignored" for k in unknown_keys(req)]
    if req.matrix is not None and req.matrices is not None:
        warnings.append("matrix: ignored, matrices given")
    for k, v in enumerate(req.vehicles):
        if v.costs.per_km and not has_distances:
            raise _where(f"vehicles.{k}.costs.per_km", "needs distances (matrices.<profile>."
                         "distances, or coordinates instead of matrices)")
    locs = _Locations(None if dur is None else dur.shape[0])
    dims = max([len(v.capacity or []) for v in req.vehicles]
               + [max(len(j.delivery), len(j.pickup)) for j in req.jobs]
               + [len(s.amount) for s in req.shipments] + [0])
    caps: list[tuple[int, ...]] = []
    for k, v in enumerate(req.vehicles):
        if v.capacity is None:
            caps.append((UNLIMITED,) * dims)
        elif len(v.capacity) != dims:
            raise _where(f"vehicles.{k}.capacity", f"{dims} dimensions expected "
                         f"(the longest amount/capacity), got {len(v.capacity)}")
        else:
            caps.append(tuple(v.capacity))
    max_cap = [max(c[d] for c in caps) for d in range(dims)]

    def fits(q: list[int]) -> bool:
        return all(a <= m for a, m in zip(q, max_cap, strict=False))

    m = RoutingModel()
    tasks: list[Task] = []
    by_client: list[int] = []
    set_aside: list[int] = []

    def add(task_type: TaskType, path: str, stop: Stop, ok: bool, tid: int,
            desc: str | None, loc: tuple[float, float] | None, idx: int | None,
            priority: int = 0) -> int | None:
        li = locs.index(path + ".location", loc, idx)
        client = None
        if ok:
            client = m.add_client(replace(stop, location=li))
            by_client.append(len(tasks))
        else:
            set_aside.append(len(tasks))
        tasks.append(Task(task_type, tid, desc, loc, li, client, priority))
        return client

    for k, j in enumerate(req.jobs):
        stop = Stop(location=0, delivery=tuple(j.delivery), pickup=tuple(j.pickup),
                    service_s=j.service, time_windows=_windows(j.time_windows, offset),
                    skills=frozenset(str(s) for s in j.skills), name=str(j.id))
        add("job", f"jobs.{k}", stop, fits(j.delivery) and fits(j.pickup), j.id,
            j.description, j.location, j.location_index, j.priority)
    roles: tuple[tuple[TaskType, str], ...] = (("pickup", "pickup"), ("delivery", "delivery"))
    for k, s in enumerate(req.shipments):
        ok = fits(s.amount)
        skills = frozenset(str(x) for x in s.skills)
        ends: list[int | None] = []
        for role, attr in roles:
            step: ShipmentStep = getattr(s, attr)
            stop = Stop(location=0, service_s=step.service, skills=skills,
                        time_windows=_windows(step.time_windows, offset), name=str(step.id))
            ends.append(add(role, f"shipments.{k}.{role}", stop, ok, step.id,
                            step.description, step.location, step.location_index,
                            s.priority if role == "pickup" else 0))
        if ends[0] is not None and ends[1] is not None:
            m.add_shipment(ends[0], ends[1], s.amount)

    depot_of: dict[int, int] = {}

    def depot(li: int) -> int:
        if li not in depot_of:
            depot_of[li] = m.add_depot(Depot(location=li))
        return depot_of[li]

    for k, v in enumerate(req.vehicles):
        m.add_vehicle_type(_vehicle_type(k, v, caps[k], locs, depot, offset))
    _lock_steps(req, m, tasks)
    if dur is None or dist is None:
        lonlat = np.array(locs.coords, dtype=np.float64).reshape(-1, 2)
        dist, dur = road_matrices(lonlat, road_factor, speed_kmh)
    m.set_matrices(dist, dur)
    problem = m.problem()
    locations = tuple(locs.coords[i] if locs.n_matrix is None else locs.given.get(i)
                      for i in range(problem.distance_m.shape[0]))
    return Built(problem, tuple(tasks), tuple(by_client), locations, tuple(set_aside),
                 offset, has_distances, tuple(warnings[:50]))


def _vehicle_type(k: int, v: Vehicle, cap: tuple[int, ...], locs: _Locations,
                  dep: Callable[[int], int], offset: int) -> VehicleType:
    if v.start is None and v.start_index is None:
        raise _where(f"vehicles.{k}.start", "required (routes start at a depot)")
    start = dep(locs.index(f"vehicles.{k}.start", v.start, v.start_index))
    end = None
    if v.end is not None or v.end_index is not None:
        end = dep(locs.index(f"vehicles.{k}.end", v.end, v.end_index))
    tw = ((v.time_window[0] - offset, v.time_window[1] - offset) if v.time_window
          else (0, HORIZON_S))
    return VehicleType(
        capacity=cap, num_available=1, start_depot=start, end_depot=end,
        fixed_cost=v.costs.fixed, cost_per_km=v.costs.per_km,
        cost_per_travel_hour=v.costs.per_hour,
        shift_start_s=tw[0], shift_end_s=tw[1], max_duration_s=v.max_travel_time,
        max_distance_m=v.max_distance,
        breaks=tuple(Break(b.time_windows[0][0] - offset, b.time_windows[0][1] - offset,
                           b.service) for b in v.breaks),
        skills=frozenset(str(s) for s in v.skills), name=str(v.id))


def step_clients(req: RouteRequest, tasks: list[Task] | tuple[Task, ...], k: int
                 ) -> list[tuple[str, int]]:
    """Vehicle k's steps as ("client", index) / ("break", break index); InputError if unknown."""
    v = req.vehicles[k]
    if not v.steps:
        return []
    lookup: dict[tuple[str, int], Task] = {(t.type, t.id): t for t in tasks}
    breaks = {b.id: i for i, b in enumerate(v.breaks)}
    out: list[tuple[str, int]] = []
    used: set[tuple[str, int]] = set()
    for s_i, step in enumerate(v.steps):
        path = f"vehicles.{k}.steps.{s_i}"
        if step.type in ("start", "end"):
            continue
        if step.id is None:
            raise _where(path + ".id", f"required for a {step.type} step")
        if step.type == "break":
            if step.id not in breaks:
                raise _where(path + ".id", f"vehicle {v.id} has no break {step.id}")
            item = ("break", breaks[step.id])
        else:
            t = lookup.get((step.type, step.id))
            if t is None:
                raise _where(path + ".id", f"unknown {step.type} {step.id}")
            if t.client is None:
                raise _where(path + ".id", f"{step.type} {step.id} exceeds every capacity")
            item = ("client", t.client)
        if item in used:
            raise _where(path + ".id", f"{step.type} {step.id} appears twice")
        used.add(item)
        out.append(item)
    return out


def _lock_steps(req: RouteRequest, m: RoutingModel, tasks: list[Task]) -> None:
    """Solve mode: each vehicle's given job/pickup/delivery steps become its locked route start."""
    if req.options.plan:
        return
    claimed: dict[int, int] = {}
    for k, v in enumerate(req.vehicles):
        if not v.steps:
            continue
        clients = [i for kind, i in step_clients(req, tasks, k) if kind == "client"]
        for c in clients:
            if c in claimed:
                raise _where(f"vehicles.{k}.steps", f"task also on vehicle "
                             f"{req.vehicles[claimed[c]].id}")
            claimed[c] = k
        if clients:
            m.lock_route(k, clients)
