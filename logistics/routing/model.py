"""Routing problem data: a `RoutingModel` builder that validates at once → frozen `RoutingProblem`.

Units (stated once): distances in metres, times in seconds (both integers in the matrices),
costs in RMB. Benchmark readers may put instance units in the matrices (see `readers.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from fwdnet.logistics.errors import InputError
from fwdnet.logistics.kernel.arrays import frozen_copy

HORIZON_S = 10**9
"""Latest representable time (s): 'no limit' for windows and shifts (~31 years)."""

IntMatrix = npt.NDArray[np.int64]


@dataclass(frozen=True)
class TimeWindow:
    """Service may start at any second in [open_s, close_s] (waiting before open is allowed)."""

    open_s: int
    close_s: int


@dataclass(frozen=True)
class Stop:
    """A client visit. `delivery` is loaded at the depot, `pickup` is brought back to it.

    Several time windows mean "start service inside any one of them"; none means always open.
    An optional stop (`required=False`) may be left out at a cost of `penalty` RMB.
    """

    location: int
    delivery: tuple[int, ...] = ()
    pickup: tuple[int, ...] = ()
    service_s: int = 0
    time_windows: tuple[TimeWindow, ...] = ()
    required: bool = True
    penalty: float = 0.0
    skills: frozenset[str] = frozenset()
    name: str = ""


@dataclass(frozen=True)
class Depot:
    """A start/end point (CDC or FW). Vehicles may leave at/after open_s and return by close_s."""

    location: int
    open_s: int = 0
    close_s: int = HORIZON_S
    name: str = ""


@dataclass(frozen=True)
class Break:
    """A driver break of `duration_s` that must start inside [earliest_s, latest_s]."""

    earliest_s: int
    latest_s: int
    duration_s: int


@dataclass(frozen=True)
class VehicleType:
    """`num_available` identical vehicles. `end_depot=None` is an open route (ends at last stop).

    Costs: `fixed_cost` RMB per used vehicle, `cost_per_km` on travelled distance,
    `cost_per_hour` on route duration (departure to return, waiting included) and
    `cost_per_travel_hour` on driving time only (VROOM's `per_hour`).
    `max_trips > 1` allows reloading at the start depot between trips.
    """

    capacity: tuple[int, ...]
    num_available: int = 1
    start_depot: int = 0
    end_depot: int | None = 0
    fixed_cost: float = 0.0
    cost_per_km: float = 1.0
    cost_per_hour: float = 0.0
    cost_per_travel_hour: float = 0.0
    shift_start_s: int = 0
    shift_end_s: int = HORIZON_S
    max_duration_s: int | None = None
    max_distance_m: int | None = None
    breaks: tuple[Break, ...] = ()
    max_trips: int = 1
    skills: frozenset[str] = frozenset()
    name: str = ""


@dataclass(frozen=True)
class Shipment:
    """Pickup & delivery pair (client indices): `amount` moves from `pickup` to `delivery`."""

    pickup: int
    delivery: int
    amount: tuple[int, ...]


@dataclass(frozen=True)
class PlannedRoute:
    """A route given by the caller: vehicle index (in the expanded fleet) and client indices."""

    vehicle: int
    stops: tuple[int, ...]


@dataclass(frozen=True)
class RoutingProblem:
    """Immutable, validated routing instance; build it with `RoutingModel`.

    `locked` routes fix the first stops of a vehicle's route in that order (the solver may
    append more). Vehicles are numbered type by type: see `vehicle_types_of_fleet`.
    """

    depots: tuple[Depot, ...]
    clients: tuple[Stop, ...]
    vehicle_types: tuple[VehicleType, ...]
    distance_m: IntMatrix
    duration_s: IntMatrix
    shipments: tuple[Shipment, ...] = ()
    locked: tuple[PlannedRoute, ...] = ()
    name: str = ""
    meta: tuple[tuple[str, Any], ...] = field(default=(), compare=False)

    @property
    def num_dimensions(self) -> int:
        return len(self.vehicle_types[0].capacity) if self.vehicle_types else 0

    @property
    def num_vehicles(self) -> int:
        return sum(vt.num_available for vt in self.vehicle_types)

    @property
    def vehicle_types_of_fleet(self) -> tuple[int, ...]:
        """Vehicle type of every vehicle, vehicle 0 first."""
        return tuple(t for t, vt in enumerate(self.vehicle_types) for _ in range(vt.num_available))

    def replace(self, **changes: Any) -> RoutingProblem:
        """A variant with some fields changed (re-validated)."""
        p = replace(self, **changes)
        _validate(p)
        return p


class RoutingModel:
    """Builder: add depots, stops and vehicle types, set matrices, then `problem()`.

    Each `add_*` returns the index of the new object and checks its own fields at once.
    """

    def __init__(self, name: str = "") -> None:
        self._name = name
        self._depots: list[Depot] = []
        self._clients: list[Stop] = []
        self._types: list[VehicleType] = []
        self._shipments: list[Shipment] = []
        self._locked: list[PlannedRoute] = []
        self._distance: IntMatrix | None = None
        self._duration: IntMatrix | None = None

    def add_depot(self, depot: Depot | int, **kwargs: Any) -> int:
        d = depot if isinstance(depot, Depot) else Depot(location=depot, **kwargs)
        if d.close_s < d.open_s:
            raise InputError(f"depot {len(self._depots)}: close_s {d.close_s} < open_s {d.open_s}")
        self._depots.append(d)
        return len(self._depots) - 1

    def add_client(self, stop: Stop | int, **kwargs: Any) -> int:
        s = stop if isinstance(stop, Stop) else Stop(location=stop, **kwargs)
        i = len(self._clients)
        for w in s.time_windows:
            if w.close_s < w.open_s:
                raise InputError(f"client {i}: time window closes ({w.close_s}) before it "
                                 f"opens ({w.open_s})")
        if s.service_s < 0 or s.penalty < 0:
            raise InputError(f"client {i}: service_s and penalty must be >= 0")
        if any(q < 0 for q in (*s.delivery, *s.pickup)):
            raise InputError(f"client {i}: negative delivery/pickup amount")
        self._clients.append(s)
        return i

    def add_vehicle_type(self, vehicle_type: VehicleType | None = None, **kwargs: Any) -> int:
        vt = vehicle_type if vehicle_type is not None else VehicleType(**kwargs)
        t = len(self._types)
        if vt.num_available < 0 or vt.max_trips < 1:
            raise InputError(f"vehicle type {t}: num_available >= 0 and max_trips >= 1 expected")
        if any(c < 0 for c in vt.capacity):
            raise InputError(f"vehicle type {t}: negative capacity")
        if vt.shift_end_s < vt.shift_start_s:
            raise InputError(f"vehicle type {t}: shift ends before it starts")
        if min(vt.fixed_cost, vt.cost_per_km, vt.cost_per_hour, vt.cost_per_travel_hour) < 0:
            raise InputError(f"vehicle type {t}: negative cost")
        for b in vt.breaks:
            if b.latest_s < b.earliest_s or b.duration_s < 0:
                raise InputError(f"vehicle type {t}: break window/duration invalid")
        self._types.append(vt)
        return t

    def add_shipment(self, pickup: int, delivery: int, amount: Sequence[int]) -> int:
        self._shipments.append(Shipment(pickup, delivery, tuple(int(a) for a in amount)))
        return len(self._shipments) - 1

    def lock_route(self, vehicle: int, stops: Sequence[int]) -> None:
        """Fix the first stops of `vehicle`'s route (re-plan around today's committed plan)."""
        self._locked.append(PlannedRoute(vehicle, tuple(stops)))

    def set_matrices(self, distance_m: npt.ArrayLike, duration_s: npt.ArrayLike | None = None
                     ) -> None:
        """Square integer matrices indexed by location; duration defaults to zeros."""
        self._distance = frozen_copy(distance_m, np.int64)
        self._duration = (frozen_copy(duration_s, np.int64) if duration_s is not None
                          else frozen_copy(np.zeros_like(self._distance), np.int64))

    def problem(self) -> RoutingProblem:
        """Validate the whole model and return the frozen problem."""
        if self._distance is None or self._duration is None:
            raise InputError("matrices: call set_matrices() before problem()")
        p = RoutingProblem(
            depots=tuple(self._depots), clients=tuple(self._clients),
            vehicle_types=tuple(self._types), distance_m=self._distance,
            duration_s=self._duration, shipments=tuple(self._shipments),
            locked=tuple(self._locked), name=self._name,
        )
        dims = p.num_dimensions
        p = replace(p, clients=tuple(
            replace(c, delivery=_pad(c.delivery, dims), pickup=_pad(c.pickup, dims))
            for c in p.clients))
        p = replace(p, shipments=tuple(replace(s, amount=_pad(s.amount, dims))
                                        for s in p.shipments))
        _validate(p)
        return p


def _pad(q: tuple[int, ...], dims: int) -> tuple[int, ...]:
    if len(q) > dims:
        raise InputError(f"amount {q} has more dimensions than the vehicle capacities ({dims})")
    return tuple(int(x) for x in q) + (0,) * (dims - len(q))


def _validate(p: RoutingProblem) -> None:
    """Whole-problem consistency checks; raise InputError naming the field."""
    n_loc = p.distance_m.shape[0] if p.distance_m.ndim == 2 else -1
    if p.distance_m.ndim != 2 or p.distance_m.shape != (n_loc, n_loc):
        raise InputError(f"distance matrix: square matrix expected, got {p.distance_m.shape}")
    if p.duration_s.shape != p.distance_m.shape:
        raise InputError(f"duration matrix: shape {p.duration_s.shape} differs from distance")
    if (p.distance_m < 0).any():
        i, j = np.argwhere(p.distance_m < 0)[0]
        raise InputError(f"distance matrix: negative distance at ({i}, {j})")
    if (p.duration_s < 0).any():
        i, j = np.argwhere(p.duration_s < 0)[0]
        raise InputError(f"duration matrix: negative duration at ({i}, {j})")
    if not p.depots:
        raise InputError("depots: at least one depot expected")
    if not p.vehicle_types:
        raise InputError("vehicle types: at least one vehicle type expected")
    dims = p.num_dimensions
    for t, vt in enumerate(p.vehicle_types):
        if len(vt.capacity) != dims:
            raise InputError(f"vehicle type {t}: {len(vt.capacity)} capacity dimensions, "
                             f"expected {dims}")
        for name, d in (("start_depot", vt.start_depot), ("end_depot", vt.end_depot)):
            if d is not None and not 0 <= d < len(p.depots):
                raise InputError(f"vehicle type {t}: unknown {name} {d}")
    for k, dep in enumerate(p.depots):
        if not 0 <= dep.location < n_loc:
            raise InputError(f"depot {k}: location {dep.location} outside the matrix ({n_loc})")
    max_cap = [max(vt.capacity[d] for vt in p.vehicle_types) for d in range(dims)]
    for i, stop in enumerate(p.clients):
        if not 0 <= stop.location < n_loc:
            raise InputError(f"client {i}: location {stop.location} outside the matrix ({n_loc})")
        for d in range(dims):
            q = max(stop.delivery[d], stop.pickup[d])
            if q > max_cap[d]:
                raise InputError(f"client {i}: demand {q} in dimension {d} exceeds every "
                                 f"vehicle's capacity ({max_cap[d]})")
    in_shipment: set[int] = set()
    for s_i, s in enumerate(p.shipments):
        for role, c in (("pickup", s.pickup), ("delivery", s.delivery)):
            if not 0 <= c < len(p.clients):
                raise InputError(f"shipment {s_i}: unknown {role} client {c}")
            if c in in_shipment:
                raise InputError(f"shipment {s_i}: client {c} is already in another shipment")
            in_shipment.add(c)
        if s.pickup == s.delivery:
            raise InputError(f"shipment {s_i}: pickup and delivery are the same client")
        if any(a > m for a, m in zip(s.amount, max_cap, strict=True)):
            raise InputError(f"shipment {s_i}: amount {s.amount} exceeds every capacity")
    seen: set[int] = set()
    for r in p.locked:
        if not 0 <= r.vehicle < p.num_vehicles:
            raise InputError(f"locked route: unknown vehicle {r.vehicle}")
        for c in r.stops:
            if not 0 <= c < len(p.clients) or c in seen:
                raise InputError(f"locked route of vehicle {r.vehicle}: bad or repeated stop {c}")
            seen.add(c)
