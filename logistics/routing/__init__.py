"""logistics.routing: RoutingModel builder → frozen RoutingProblem → solve() → RoutingResult."""

from logistics.routing.model import (
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
from logistics.routing.result import BreakTaken, Reason, Route, RoutingResult, Status, Unassigned
from logistics.routing.solve import choose_backend, solve
from logistics.routing.stop import AnyOf, FirstFeasible, MaxRuntime, NoImprovement

__all__ = [
    "HORIZON_S", "AnyOf", "Break", "BreakTaken", "Depot", "FirstFeasible", "MaxRuntime",
    "NoImprovement", "PlannedRoute", "Reason", "Route", "RoutingModel", "RoutingProblem",
    "RoutingResult", "Shipment", "Status", "Stop", "TimeWindow", "Unassigned", "VehicleType",
    "choose_backend", "solve",
]
