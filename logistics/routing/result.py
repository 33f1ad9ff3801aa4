"""Typed solve results: a status, routes with their schedule, and unassigned stops with reasons."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fwdnet.logistics.kernel.status import SolveStatus
from fwdnet.logistics.routing.model import PlannedRoute

Status = SolveStatus  # one status for every solver: optimal, feasible, infeasible, timed_out


class Reason(StrEnum):
    """Why a stop was left unassigned."""

    CAPACITY = "capacity"
    TIME_WINDOW = "time_window"
    SHIFT_LENGTH = "shift_length"
    MAX_DISTANCE = "max_distance"
    SKILL = "skill"
    NOT_WORTH_PENALTY = "not_worth_penalty"
    FLEET_EXHAUSTED = "fleet_exhausted"


@dataclass(frozen=True)
class BreakTaken:
    """A driver break as planned: start time and duration (s)."""

    start_s: int
    duration_s: int


@dataclass(frozen=True)
class Route:
    """One vehicle's plan. `trips` are the stop sequences between depot (re)loads.

    `start_times_s[i]` is when service starts at `stops[i]`; `departure_s`/`end_s` are when the
    vehicle leaves its start depot and reaches its end (depot, or last stop on an open route).
    """

    vehicle: int
    vehicle_type: int
    start_depot: int
    end_depot: int | None
    trips: tuple[tuple[int, ...], ...]
    start_times_s: tuple[int, ...]
    departure_s: int
    end_s: int
    distance_m: int
    breaks: tuple[BreakTaken, ...] = ()
    travel_s: int = 0  # driving time (duration matrix summed over the path)

    @property
    def stops(self) -> tuple[int, ...]:
        return tuple(c for trip in self.trips for c in trip)

    @property
    def duration_s(self) -> int:
        return self.end_s - self.departure_s


def planned_routes(routes: Iterable[Route]) -> tuple[PlannedRoute, ...]:
    """Routes as a starting plan for another search (`solve(initial=...)`): vehicle and stops."""
    return tuple(PlannedRoute(r.vehicle, r.stops) for r in routes)


@dataclass(frozen=True)
class Unassigned:
    """A stop not served and why."""

    client: int
    reason: Reason


@dataclass(frozen=True)
class RoutingResult:
    """Outcome of `solve()`; cost in RMB (fixed + per km + per hour + penalties)."""

    status: Status
    cost: float
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    runtime_s: float
    backend: str
    distance_m: int = 0
    message: str = ""
    note: str = ""  # which engine answered and why (e.g. a backend that cannot model it)

    @property
    def is_feasible(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (ids are client/depot indices)."""
        return {
            "status": self.status.value, "cost": self.cost, "runtime_s": self.runtime_s,
            "backend": self.backend, "distance_m": self.distance_m,
            **({"note": self.note} if self.note else {}),
            "routes": [{"vehicle": r.vehicle, "vehicle_type": r.vehicle_type,
                        "depot": r.start_depot, "end_depot": r.end_depot,
                        "stops": list(r.stops), "trips": [list(t) for t in r.trips],
                        "start_times_s": list(r.start_times_s), "departure_s": r.departure_s,
                        "end_s": r.end_s, "distance_m": r.distance_m, "travel_s": r.travel_s,
                        "breaks": [[b.start_s, b.duration_s] for b in r.breaks]}
                       for r in self.routes],
            "unassigned": [{"client": u.client, "reason": u.reason.value}
                           for u in self.unassigned],
        }
