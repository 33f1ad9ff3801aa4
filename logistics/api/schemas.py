"""Request and response models of `/v1/routes` (VROOM's API, values checked strictly) and errors.

Units as in VROOM's API.md: coordinates `[lon, lat]` WGS84 degrees, times and durations
seconds (relative, or absolute UNIX timestamps), distances metres, costs in the vehicles'
cost units. Keys VROOM knows but we do not model, and keys nobody knows, are ignored and
listed in the response's `warnings` (`unknown_keys`); the values of known keys are checked.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_STRICT = ConfigDict(extra="allow", frozen=True)
_BIG = 10**9  # largest amount; also the longest span of time a request may cover (HORIZON_S)
LATEST_S = 2**32 - 1
"""Latest accepted time (s): UNIX timestamps up to the year 2106."""

Id = Annotated[int, Field(ge=0, le=2**53)]
Seconds = Annotated[int, Field(ge=0, le=LATEST_S)]
Duration = Annotated[int, Field(ge=0, le=_BIG)]
Amount = Annotated[int, Field(ge=0, le=_BIG)]
Text = Annotated[str, Field(max_length=500)]
Lon = Annotated[float, Field(ge=-180.0, le=180.0)]
Lat = Annotated[float, Field(ge=-90.0, le=90.0)]
LonLat = tuple[Lon, Lat]
Skill = Annotated[int, Field(ge=0, le=2**31)]


def _ordered(w: tuple[int, int]) -> tuple[int, int]:
    if w[1] < w[0]:
        raise ValueError(f"time window [{w[0]}, {w[1]}] closes before it opens")
    return w


TimeWindow = Annotated[tuple[Seconds, Seconds], AfterValidator(_ordered)]
Amounts = Annotated[list[Amount], Field(max_length=16)]
Skills = Annotated[list[Skill], Field(max_length=64)]
Windows = Annotated[list[TimeWindow], Field(max_length=32)]


class ShipmentStep(BaseModel):
    """One end of a shipment: where, how long, and when."""

    model_config = _STRICT
    id: Id
    description: Text | None = None
    location: LonLat | None = None
    location_index: Annotated[int, Field(ge=0)] | None = None
    service: Duration = 0
    time_windows: Windows = []


Priority = Annotated[int, Field(ge=0, le=100)]


class Job(ShipmentStep):
    """A single visit: deliver `delivery` (loaded at the start) and/or collect `pickup`.

    `priority` is reported (`summary.priority` sums the assigned ones) but not optimised."""

    delivery: Amounts = []
    pickup: Amounts = []
    skills: Skills = []
    priority: Priority = 0


class Shipment(BaseModel):
    """`amount` picked up at `pickup` and delivered at `delivery` by the same vehicle."""

    model_config = _STRICT
    pickup: ShipmentStep
    delivery: ShipmentStep
    amount: Amounts = []
    skills: Skills = []
    priority: Priority = 0


class Costs(BaseModel):
    """VROOM's vehicle costs: `fixed` per used vehicle, `per_hour` of travel time, `per_km`."""

    model_config = _STRICT
    fixed: Annotated[float, Field(ge=0, le=1e9)] = 0.0
    per_hour: Annotated[float, Field(ge=0, le=1e9)] = 3600.0
    per_km: Annotated[float, Field(ge=0, le=1e9)] = 0.0


class Break(BaseModel):
    """A driver break of `service` seconds starting inside its (single) time window."""

    model_config = _STRICT
    id: Id
    description: Text | None = None
    time_windows: Annotated[list[TimeWindow], Field(min_length=1, max_length=1)]
    service: Duration = 0


class VehicleStep(BaseModel):
    """A step of a given route (plan mode, or the locked start of a route when solving)."""

    model_config = _STRICT
    type: Literal["start", "job", "pickup", "delivery", "break", "end"]
    id: Id | None = None


class Vehicle(BaseModel):
    """One vehicle. `end` omitted = open route (ends at its last task)."""

    model_config = _STRICT
    id: Id
    profile: Annotated[str, Field(min_length=1, max_length=50)] = "car"
    description: Text | None = None
    start: LonLat | None = None
    start_index: Annotated[int, Field(ge=0)] | None = None
    end: LonLat | None = None
    end_index: Annotated[int, Field(ge=0)] | None = None
    capacity: Amounts | None = None
    costs: Costs = Costs()
    skills: Skills = []
    time_window: TimeWindow | None = None
    breaks: Annotated[list[Break], Field(max_length=16)] = []
    max_travel_time: Duration | None = None
    max_distance: Annotated[int, Field(ge=0, le=10**12)] | None = None
    steps: Annotated[list[VehicleStep], Field(max_length=10_000)] = []


Row = Annotated[list[Annotated[int, Field(ge=0, le=_BIG)]], Field(max_length=5_000)]


class Matrix(BaseModel):
    """Square matrices indexed by `location_index`: `durations` (s), optional `distances` (m)."""

    model_config = _STRICT
    durations: Annotated[list[Row], Field(min_length=1, max_length=5_000)]
    distances: Annotated[list[Row], Field(max_length=5_000)] | None = None


class Options(BaseModel):
    """Solve options. `time_limit` (s) is hard: the answer is the best plan found by then."""

    model_config = _STRICT
    time_limit: Annotated[float, Field(gt=0, le=86_400)] | None = None
    plan: bool = False
    seed: Annotated[int, Field(ge=0, le=2**31)] = 0
    road_factor: Annotated[float, Field(ge=1.0, le=10.0)] | None = None
    speed_kmh: Annotated[float, Field(gt=0, le=300.0)] | None = None
    # Our extension: search until `time_limit` even after the search has converged.
    full_time: bool = False


class RouteRequest(BaseModel):
    """A routing problem in VROOM's input format (`matrix` is VROOM's legacy durations key)."""

    model_config = _STRICT
    jobs: Annotated[list[Job], Field(max_length=5_000)] = []
    shipments: Annotated[list[Shipment], Field(max_length=2_500)] = []
    vehicles: Annotated[list[Vehicle], Field(min_length=1, max_length=500)]
    matrices: dict[Annotated[str, Field(max_length=50)], Matrix] | None = None
    matrix: Annotated[list[Row], Field(min_length=1, max_length=5_000)] | None = None
    options: Options = Options()


def unknown_keys(model: Any, path: str = "") -> list[str]:
    """Dotted paths of every key the request carried that no model field reads."""
    out: list[str] = []
    if isinstance(model, BaseModel):
        out += [f"{path}{k}" for k in (model.model_extra or {})]
        for name in type(model).model_fields:
            out += unknown_keys(getattr(model, name), f"{path}{name}.")
    elif isinstance(model, list):
        for k, item in enumerate(model):
            if isinstance(item, BaseModel):
                out += unknown_keys(item, f"{path}{k}.")
    elif isinstance(model, dict):
        for k, item in model.items():
            if isinstance(item, BaseModel):
                out += unknown_keys(item, f"{path}{k}.")
    return out


# ---------------------------------------------------------------- responses


class Violation(BaseModel):
    """A broken constraint: `cause` (delay, lead_time, load, skills, precedence, missing_break,
    max_travel_time, max_distance) and, for time causes, by how many seconds."""

    cause: str
    duration: int | None = None


class Step(BaseModel):
    """One step of a route. `duration`/`distance` are cumulated travel up to its arrival."""

    type: Literal["start", "job", "pickup", "delivery", "break", "end"]
    id: int | None = None
    description: str | None = None
    location: list[float] | None = None
    location_index: int | None = None
    arrival: int
    duration: int
    distance: int | None = None
    setup: int = 0
    service: int
    waiting_time: int
    load: list[int]
    violations: list[Violation] = []


class RouteOut(BaseModel):
    """A vehicle's route with its totals (travel `duration`, `service`, `waiting_time`).

    `cost` is VROOM's: fixed + per_hour × travel hours + per_km × km, rounded to an integer."""

    vehicle: int
    description: str | None = None
    cost: int
    delivery: list[int]
    pickup: list[int]
    setup: int = 0
    service: int
    duration: int
    waiting_time: int
    priority: int = 0
    distance: int | None = None
    steps: list[Step]
    violations: list[Violation] = []


class UnassignedOut(BaseModel):
    """A task left out and why (`capacity`, `time_window`, `skill`, … or `not_planned`)."""

    id: int
    type: Literal["job", "pickup", "delivery"]
    description: str | None = None
    location: list[float] | None = None
    location_index: int | None = None
    reason: str


class ComputingTimes(BaseModel):
    """Milliseconds spent building the problem and solving it."""

    loading: int
    solving: int


class Summary(BaseModel):
    """Totals over all routes (`distance` only when distances are known, as in VROOM)."""

    cost: int
    routes: int
    unassigned: int
    delivery: list[int]
    pickup: list[int]
    setup: int = 0
    service: int
    duration: int
    waiting_time: int
    priority: int = 0
    distance: int | None = None
    violations: list[Violation] = []
    computing_times: ComputingTimes


class RouteResponse(BaseModel):
    """`code` 0 ok, 1 internal error, 2 input error, 3 routing error (then `error` says why).

    fwdnet extensions beside VROOM's keys: `status` (feasible, timed_out, …), `backend` (the
    engine whose plan this is), `note` (why another engine answered) and `warnings`."""

    code: Literal[0, 1, 2, 3]
    error: str | None = None
    status: str | None = None
    backend: str | None = None
    note: str | None = None
    warnings: list[str] | None = None
    summary: Summary | None = None
    unassigned: list[UnassignedOut] = []
    routes: list[RouteOut] = []


class ErrorOut(BaseModel):
    """Every non-2xx answer: `code` (1 internal, 2 input/auth, 3 routing) and one line."""

    code: int
    error: str
    request_id: str | None = None
