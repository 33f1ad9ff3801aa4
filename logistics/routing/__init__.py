"""Routing: RoutingModel builder → frozen RoutingProblem → solve() → RoutingResult."""

from fwdnet.logistics.routing.model import (
    HORIZON_S,
    Break,
    Depot,
    PlannedRoute,
    RoutingModel,
    RoutingProblem,
    Shipment,
    Stop,
    TimeWindow,
    VehicleType,
)
from fwdnet.logistics.routing.result import (
    BreakTaken,
    Reason,
    Route,
    RoutingResult,
    Status,
    Unassigned,
)
from fwdnet.logistics.routing.solve import choose_backend, solve
from fwdnet.logistics.routing.stop import (
    AnyOf,
    Converged,
    FirstFeasible,
    MaxCpuTime,
    MaxRuntime,
    NoImprovement,
    default_stop,
)

__all__ = [
    "HORIZON_S", "AnyOf", "Break", "BreakTaken", "Converged", "Depot", "FirstFeasible",
    "MaxCpuTime", "MaxRuntime",
    "NoImprovement", "PlannedRoute", "Reason", "Route", "RoutingModel", "RoutingProblem",
    "RoutingResult", "Shipment", "Status", "Stop", "TimeWindow", "Unassigned", "VehicleType",
    "choose_backend", "default_stop", "solve",
]
